"""Plots: every PNG is drawn from a synthetic result folder, and the survival curve is exact."""

import dataclasses
import io
import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from sim.plots import png, style
from sim.plots.agreement import plot_agreement
from sim.plots.draw import draw_all
from sim.plots.result import load_result
from sim.plots.survival import plot_survival, survival_curve
from sim.plots.terms import plot_terms
from sim.plots.trajectories import plot_trajectories
from sim.results.stream import read_table

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ISSUES = {
    "territory": (
        "Territory",
        "Russia keeps all occupied land incl. Crimea, recognised",
        "1991 borders restored incl. Crimea",
    ),
    "ceasefire": (
        "Ceasefire sequencing",
        "immediate ceasefire on today's lines, talks after",
        "no ceasefire before Russian withdrawal",
    ),
    "consent": (
        "Ukraine's consent and the forum",
        "terms settled among great powers",
        "nothing about Ukraine without Ukraine",
    ),
}
ACTORS = {
    "ukraine": "Ukraine",
    "russia": "Russia",
    "united_states": "United States",
    "china": "China",
}
SIX_ISSUES = ISSUES | {  # an even number of panels leaves no empty slot for the legend
    "security": ("Security guarantees", "neutral Ukraine, no guarantees", "binding Western guarantees"),
    "sanctions": ("Sanctions", "sanctions lifted at signing", "sanctions kept until withdrawal"),
    "reparations": ("Reparations", "none", "Russia pays for the reconstruction of Ukraine"),
}
PATHS = {  # id: (label, chance that a run agrees)
    "china_mediates": ("China mediates (China–Brazil six points)", 0.3),
    "us_ceasefire_first": ("US-led, immediate ceasefire first", 0.15),
    "no_mediation": ("No mediation", 0.0),
}


def _wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def write_result(
    folder: Path,
    rounds: int = 24,
    reps: int = 60,
    *,
    issues: dict[str, tuple[str, str, str]] = ISSUES,
    actors: dict[str, str] = ACTORS,
    round_unit: str = "month",
    path_actors: dict[str, list[str]] | None = None,
) -> Path:
    """A small but complete result folder; the last path never agrees.

    `path_actors` gives the actors whose trajectories a path has (default: every actor).
    """
    rng = np.random.default_rng(7)
    rows, traj, summary_paths = [], [], {}
    for path_id, (label, chance) in PATHS.items():
        outcome = rng.choice(
            ["agreement", "ceasefire", "breakdown", "stalemate"],
            size=reps,
            p=[chance, (1 - chance) * 0.6, (1 - chance) * 0.2, (1 - chance) * 0.2],
        )
        end = np.where(outcome == "stalemate", rounds, rng.integers(1, rounds + 1, reps))
        frame = pd.DataFrame(
            {"path": path_id, "replication": np.arange(reps), "outcome": outcome, "end_round": end}
        )
        agreed = outcome == "agreement"
        for issue in issues:
            frame[f"terms.{issue}"] = np.where(agreed, rng.beta(3, 3, reps), np.nan)
        for actor in actors:
            frame[f"utility.{actor}"] = np.where(agreed, rng.uniform(0, 1, reps), np.nan)
        rows.append(frame)
        hits = int(agreed.sum())
        low, high = _wilson(hits, reps)
        summary_paths[path_id] = {
            "label": label,
            "replications": reps,
            "agreement": {"share": hits / reps, "low": low, "high": high},
            "outcomes": {
                k: float(np.mean(outcome == k)) for k in ("agreement", "ceasefire", "breakdown", "stalemate")
            },
            "median_rounds_to_agreement": float(np.median(end[agreed])) if hits else None,
            "median_terms": {
                i: float(frame.loc[agreed, f"terms.{i}"].median()) if hits else None for i in issues
            },
        }
        drawn = list(actors) if path_actors is None else path_actors.get(path_id, list(actors))
        for i, actor in enumerate(drawn):
            for j, issue in enumerate(issues):
                start = (i * 0.3 + j * 0.1) % 1
                median = start + (0.5 - start) * (1 - np.exp(-np.arange(rounds + 1) / 10))
                spread = 0.02 + 0.1 * np.sqrt(np.arange(rounds + 1) / rounds)
                traj.append(
                    pd.DataFrame(
                        {
                            "path": path_id,
                            "round": np.arange(rounds + 1),
                            "actor": actor,
                            "issue": issue,
                            "q10": np.clip(median - spread, 0, 1),
                            "q50": median,
                            "q90": np.clip(median + spread, 0, 1),
                        }
                    )
                )
    summary = {
        "kind": "run",
        "scenario": "test-scenario",
        "title": "Which mediation path converges? (synthetic test data)",
        "file": "test-scenario.yaml",
        "rounds": rounds,
        "replications": reps,
        "seed": 1,
        "round_unit": round_unit,
        "issues": {k: {"label": v[0], "low": v[1], "high": v[2]} for k, v in issues.items()},
        "actors": actors,
        "paths": summary_paths,
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    runs = pd.concat(rows, ignore_index=True)
    runs["path"] = runs["path"].astype(str)
    runs.to_parquet(folder / "replications", partition_cols=["path"])
    pd.concat(traj, ignore_index=True).to_parquet(folder / "trajectories.parquet")
    return folder


def _assert_pngs(paths: list[Path], folder: Path) -> None:
    names = {"agreement.png", "survival.png", "terms.png", "trajectories.png"}
    assert {p.name for p in paths} == names
    for path in paths:
        assert path.parent == folder / "plots"
        assert path.stat().st_size > 0
        assert path.read_bytes()[:8] == PNG_MAGIC


def test_draw_all_writes_four_valid_pngs_and_closes_figures(tmp_path: Path) -> None:
    folder = write_result(tmp_path / "result")
    before = set(plt.get_fignums())
    _assert_pngs(draw_all(folder), folder)
    assert set(plt.get_fignums()) == before


def test_path_without_agreements_does_not_crash(tmp_path: Path) -> None:
    folder = write_result(tmp_path / "result")
    runs = read_table(folder)
    assert not (runs[runs["path"] == "no_mediation"]["outcome"] == "agreement").any()
    _assert_pngs(draw_all(folder, trajectory_path="no_mediation"), folder)


def test_unknown_trajectory_path_is_refused_before_drawing(tmp_path: Path) -> None:
    folder = write_result(tmp_path / "result")
    with pytest.raises(ValueError, match="unknown path"):
        draw_all(folder, trajectory_path="nope")
    assert not (folder / "plots").exists()


def test_survival_curve_by_hand() -> None:
    # agreements at rounds 2 and 5; a breakdown at round 3 and a stalemate at 6 never agree,
    # so they stay in the denominator (Kaplan-Meier censoring at 3 would give 0.375 at 5).
    curve = survival_curve([2, 3, 5, 6], [True, False, True, False], rounds=6)
    np.testing.assert_allclose(curve, [1, 1, 0.75, 0.75, 0.75, 0.5, 0.5])


def test_survival_curve_without_agreements_stays_at_one() -> None:
    np.testing.assert_allclose(survival_curve([1, 4], [False, False], rounds=4), np.ones(5))
    with pytest.raises(ValueError):
        survival_curve([7], [True], rounds=6)


def _drawn(make, *args) -> Figure:
    """A figure built and laid out under the house style, as `draw_all` saves it."""
    with style.theme():
        fig = make(*args)
        fig.canvas.draw()
    return fig


def _texts(fig: Figure) -> list[Text]:
    """Every visible, non-empty text of a drawn figure."""
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _number(text: str) -> float | None:
    try:
        return float(text.replace("\N{MINUS SIGN}", "-"))
    except ValueError:
        return None


def _panels(fig: Figure) -> list[Axes]:
    return [ax for ax in fig.axes if ax.axison]


@pytest.mark.parametrize("issues", [ISSUES, SIX_ISSUES], ids=["three-issues", "six-issues"])
@pytest.mark.parametrize("plot", ["terms", "trajectories"])
def test_legend_covers_no_label_and_no_panel(tmp_path: Path, issues: dict, plot: str) -> None:
    result = load_result(write_result(tmp_path / "result", issues=issues))
    fig = (
        _drawn(plot_terms, result) if plot == "terms" else _drawn(plot_trajectories, result, "china_mediates")
    )
    legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert len(legends) == 1
    legend = legends[0]
    box = legend.get_window_extent()
    own = set(legend.findobj(Text))
    for text in _texts(fig):
        if text not in own:
            assert not box.overlaps(text.get_window_extent()), f"the legend covers {text.get_text()!r}"
    for ax in _panels(fig):
        assert not box.overlaps(ax.get_window_extent()), f"the legend covers panel {ax.get_title()!r}"
    figure_box = fig.bbox
    assert figure_box.x0 <= box.x0 and box.x1 <= figure_box.x1
    assert figure_box.y0 <= box.y0 and box.y1 <= figure_box.y1


@pytest.mark.parametrize("plot", ["terms", "trajectories"])
def test_pole_axes_have_numeric_ticks_beside_the_poles(tmp_path: Path, plot: str) -> None:
    result = load_result(write_result(tmp_path / "result", issues=SIX_ISSUES))
    fig = (
        _drawn(plot_terms, result) if plot == "terms" else _drawn(plot_trajectories, result, "china_mediates")
    )
    panels = _panels(fig)
    assert len(panels) == len(SIX_ISSUES)
    for ax, issue in zip(panels, SIX_ISSUES.values(), strict=True):
        labels = [t for t in ax.get_yticklabels() if t.get_visible()]
        assert all(_number(t.get_text()) is not None for t in labels), [t.get_text() for t in labels]
        numbers = {_number(t.get_text()): t for t in labels}
        assert set(numbers) == {0.0, 0.25, 0.5, 0.75, 1.0}
        for value, label in numbers.items():  # each number sits at its own tick
            assert label.get_position()[1] == pytest.approx(value)
        poles = [t for t in ax.get_yticklabels(minor=True) if t.get_visible() and t.get_text()]
        assert [t.get_text() for t in poles] == [
            style.wrap(issue[1], style.POLE_WIDTH),
            style.wrap(issue[2], style.POLE_WIDTH),
        ]
        for pole in poles:
            for number in numbers.values():
                assert not pole.get_window_extent().overlaps(number.get_window_extent())


def _cue(line) -> tuple[str, str, str]:
    return (to_hex(line.get_color()), line.get_linestyle(), line.get_marker())


@pytest.mark.parametrize("n", [2, 9, 28, 29, 100, 200])
def test_every_id_gets_its_own_colour_and_line_style(n: int) -> None:
    ids = [f"actor{i}" for i in range(n)]
    colour, dash, marker = style.colours(ids), style.linestyles(ids), style.markers(ids)
    cues = {(colour[a], dash[a], marker[a]) for a in ids}
    assert len(cues) == n
    if n <= 28:  # colour and line style alone tell them apart; markers only beyond that
        assert len({(colour[a], dash[a]) for a in ids}) == n
        assert {marker[a] for a in ids} == {"None"}
    assert (colour["actor0"], dash["actor0"]) != (colour["actor1"], dash["actor1"])


def test_trajectory_lines_and_legend_give_each_actor_one_distinct_cue(tmp_path: Path) -> None:
    actors = ACTORS | {f"actor{i}": f"Actor {i}" for i in range(len(ACTORS), 12)}
    result = load_result(write_result(tmp_path / "result", actors=actors))
    expected = {
        a: (to_hex(style.colours(list(actors))[a]), style.linestyles(list(actors))[a], "None") for a in actors
    }
    assert len(set(expected.values())) == len(actors)
    for path_id in ("china_mediates", "no_mediation"):  # the same actor looks the same on every path
        fig = _drawn(plot_trajectories, result, path_id)
        for ax in _panels(fig):
            lines = {line.get_gid(): _cue(line) for line in ax.get_lines() if line.get_gid()}
            assert lines == expected
        legend = (
            fig.legends[0] if fig.legends else next(ax.get_legend() for ax in fig.axes if ax.get_legend())
        )
        names = {name: key for key, name in actors.items()}
        drawn = {
            names[t.get_text()]: _cue(h) for t, h in zip(legend.texts, legend.legend_handles, strict=True)
        }
        assert drawn == expected


def test_survival_curves_each_look_different_beyond_the_palette(tmp_path: Path) -> None:
    result = load_result(write_result(tmp_path / "result"))
    some = next(iter(result.paths.values()))
    many = {f"path{i}": dataclasses.replace(some, id=f"path{i}", label=f"Path {i}") for i in range(30)}
    agreeing = result.runs[result.runs["path"] == "china_mediates"]
    runs = pd.concat([agreeing.assign(path=key) for key in many], ignore_index=True)
    fig = _drawn(plot_survival, dataclasses.replace(result, paths=many, runs=runs))
    lines = [line for line in fig.axes[0].get_lines() if line.get_gid()]
    assert len(lines) == len(many)
    assert len({_cue(line) for line in lines}) == len(many)


def test_trajectories_draw_exactly_the_actors_of_the_chosen_path(tmp_path: Path) -> None:
    # summary.json lists the actors of the first path; a later path may add one (switzerland)
    # or have fewer. The fan chart follows the path's own rows, and names stay with their cue.
    path_actors = {
        "china_mediates": list(ACTORS),
        "us_ceasefire_first": [*ACTORS, "switzerland"],
        "no_mediation": ["ukraine", "russia"],
    }
    result = load_result(write_result(tmp_path / "result", path_actors=path_actors))
    cues = {}
    for path_id, actors in path_actors.items():
        fig = _drawn(plot_trajectories, result, path_id)
        for ax in _panels(fig):
            drawn = [line.get_gid() for line in ax.get_lines() if line.get_gid()]
            assert sorted(drawn) == sorted(actors), path_id
            for line in ax.get_lines():
                if line.get_gid():
                    assert cues.setdefault(line.get_gid(), _cue(line)) == _cue(line)
        legend = (
            fig.legends[0] if fig.legends else next(ax.get_legend() for ax in fig.axes if ax.get_legend())
        )
        assert [t.get_text() for t in legend.texts] == [ACTORS.get(a, a) for a in actors]
    assert len(set(cues.values())) == len(cues) == len(ACTORS) + 1


def test_time_axes_and_titles_use_the_results_round_unit(tmp_path: Path) -> None:
    # A scenario file cannot name its round unit yet (negsim writes "month"); summary.json can.
    result = load_result(write_result(tmp_path / "result", round_unit="week"))
    assert result.round_unit == "week"
    figures = {
        "agreement": _drawn(plot_agreement, result),
        "survival": _drawn(plot_survival, result),
        "terms": _drawn(plot_terms, result),
        "trajectories": _drawn(plot_trajectories, result, "china_mediates"),
    }
    for name, fig in figures.items():
        words = " ".join(t.get_text() for t in _texts(fig)).lower()
        assert "month" not in words, name
    for name in ("survival", "trajectories"):
        fig = figures[name]
        assert "week" in fig.get_suptitle(), name
        xlabels = [ax.get_xlabel() for ax in _panels(fig) if ax.get_xlabel()]
        assert xlabels, name
        assert all(label == "weeks since talks began" for label in xlabels), name


@pytest.mark.parametrize("opaque", [True, False], ids=["opaque", "translucent"])
def test_png_encoding_keeps_every_pixel(opaque: bool) -> None:
    rgba = np.random.default_rng(1).integers(0, 256, (37, 53, 4), dtype=np.uint8)
    if opaque:
        rgba[..., 3] = 255
    image = Image.open(io.BytesIO(png.encode(rgba, 150, "negsim test")))
    image.load()
    assert image.mode == ("RGB" if opaque else "RGBA")
    np.testing.assert_array_equal(np.asarray(image.convert("RGBA")), rgba)
    assert image.info["Software"] == "negsim test"
    assert [round(d) for d in image.info["dpi"]] == [150, 150]
