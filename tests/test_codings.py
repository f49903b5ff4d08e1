"""Anchors, grades and several coders: what a number's basis says, and how coders' values pool."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sim.evidence.agreement import interval_alpha
from sim.evidence.check import check_file_evidence
from sim.scenario.estimates import UNIT, Estimate
from sim.scenario.loader import load_scenario
from sim.scenario.walk import iter_estimates
from sim.scenario.yaml_source import format_key_path
from tests.conftest import FLAGSHIP, SCENARIOS, SNAPSHOT_2023, SNAPSHOT_2024, negsim_main

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
COMMON = SCENARIOS / "actors" / "_common.yaml"
SHIPPED = [SNAPSHOT_2023, SNAPSHOT_2024, SCENARIOS / "2023-04-mediation-paths.yaml", FLAGSHIP]


def coded(value: float, *others: float, grade: str = "inferred") -> Estimate:
    basis = {"source": "s", "quote": "q"} if grade == "evidence" else "judged"
    codings = {f"coder-{i}": {"value": v, grade: basis} for i, v in enumerate(others)}
    return Estimate.model_validate({"value": value, grade: basis, "codings": codings or None})


# --- pooling -------------------------------------------------------------------------------


def test_pooled_centre_is_the_coders_mean_and_the_written_value_stays():
    estimate = coded(0.2, 0.6)
    assert estimate.value == 0.2 and estimate.center() == pytest.approx(0.4)


def test_pooled_spread_is_that_of_an_equal_mixture_of_the_coders():
    # each coder's inferred value has sd 0.1 on a unit scale; values 0.2 and 0.6 have variance
    # 0.04 between them: the mixture's variance is 0.01 + 0.04
    assert coded(0.2, 0.6).spread_sd(UNIT) == pytest.approx(math.sqrt(0.01 + 0.04))
    assert coded(0.4, 0.4).spread_sd(UNIT) == pytest.approx(coded(0.4).spread_sd(UNIT)) == pytest.approx(0.1)


def test_wider_disagreement_gives_a_wider_spread():
    spreads = [coded(0.5, 0.5 + gap).spread_sd(UNIT) for gap in (0.0, 0.1, 0.2, 0.4)]
    assert spreads == sorted(spreads) and spreads[0] < spreads[-1]


def test_a_coders_weaker_grade_widens_the_pool():
    evidence = coded(0.5, 0.5, grade="evidence")
    assumption = Estimate.model_validate(
        {
            "value": 0.5,
            "evidence": {"source": "s", "quote": "q"},
            "codings": {"b": {"value": 0.5, "assumption": "x"}},
        }
    )
    assert evidence.spread_sd(UNIT) == pytest.approx(0.05)
    assert assumption.spread_sd(UNIT) == pytest.approx(math.sqrt((0.05**2 + 0.15**2) / 2))


def test_draws_follow_the_pooled_distribution():
    distribution = coded(0.4, 0.6).distribution(UNIT)
    quantiles = distribution.ppf([0.1587, 0.5, 0.8413])  # one sd either side of the centre
    sd = math.sqrt(0.01 + 0.01)
    # the truncation at 0 and 1 lies more than 3 sd away: the quantiles are the normal's to 1e-3
    assert quantiles == pytest.approx([0.5 - sd, 0.5, 0.5 + sd], abs=1e-3)


def test_codings_need_a_written_value_and_context_needs_an_inference():
    with pytest.raises(ValueError, match="codings"):
        Estimate.model_validate({"dist": "uniform", "low": 0, "high": 1, "codings": {"b": 0.5}})
    with pytest.raises(ValueError, match="context"):
        Estimate.model_validate(
            {
                "value": 0.5,
                "evidence": {"source": "s", "quote": "q"},
                "context": {"source": "s", "quote": "r"},
            }
        )


# --- what a file may say -------------------------------------------------------------------

PARTY = """    role: party
    position: {territory: 0.5, ceasefire: 0.5, security: 0.5, sanctions: 0.5, consent: 0.5}
    salience: {territory: 0.5, ceasefire: 0.5, security: 0.5, sanctions: 0.5, consent: 0.5}
    clout: 0.5
    stubbornness: 0.5
    batna: 0.6
    cost_of_war: 0.005
"""


def small(tmp_path: Path, territory: str, coders: str = "") -> Path:
    """A two-party scenario extending the common issues, with Ukraine's territory written as given."""
    text = f"""extends: {COMMON}
name: small
require_basis: false
{coders}status_quo: {{territory: 0.15, ceasefire: 0.0, security: 0.3, sanctions: 0.9, consent: 0.5}}
actors:
  ukraine:
    name: Ukraine
    role: party
    position:
      territory: {territory}
      ceasefire: 0.5
      security: 0.5
      sanctions: 0.5
      consent: 0.5
    salience: {{territory: 0.5, ceasefire: 0.5, security: 0.5, sanctions: 0.5, consent: 0.5}}
    clout: 0.5
    stubbornness: 0.5
    batna: 0.6
    cost_of_war: 0.005
  russia:
    name: Russia
{PARTY}"""
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def validate(path: Path) -> tuple[int, str]:
    code, _, err = negsim_main("validate", str(path))
    return code, err


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_an_anchor_the_issue_does_not_define_is_refused(tmp_path):
    path = small(tmp_path, '{value: 0.9, evidence: {source: scmp-2024-12, quote: "q", anchor: 0.9}}')
    code, err = validate(path)
    assert code == 2 and f"{path}:{line_of(path, 'anchor: 0.9')}:" in err
    assert "0.9 is not an anchor of issue `territory`" in err and "0.15, 0.25" in err  # the anchors it has


def test_an_anchor_in_words_or_on_the_scale_is_accepted(tmp_path):
    assert (
        validate(small(tmp_path, '{value: 1, evidence: {source: scmp-2024-12, quote: "q", anchor: 1}}'))[0]
        == 0
    )
    words = '{value: 0.9, evidence: {source: scmp-2024-12, quote: "q", anchor: "all land back"}}'
    assert validate(small(tmp_path, words))[0] == 0


def test_an_anchor_off_the_scale_is_refused(tmp_path):
    path = small(tmp_path, "0.5")
    text = path.read_text().replace("extends:", "issues:\n  territory:\n    anchors: {1.5: beyond}\nextends:")
    path.write_text(text)
    code, err = validate(path)
    assert code == 2 and "anchor 1.5 is off the scale 0..1" in err


def test_a_coding_by_an_undeclared_coder_is_refused_with_the_declared_ones(tmp_path):
    coders = "coders:\n  first: {description: the author}\n  second: {description: a second coder}\n"
    path = small(tmp_path, "{value: 0.5, inferred: x, codings: {secnd: 0.7}}", coders)
    code, err = validate(path)
    assert code == 2 and "unknown coder `secnd`" in err and "second" in err
    assert f"{path}:{line_of(path, 'secnd')}:" in err
    path = small(tmp_path, "{value: 0.5, inferred: x, codings: {second: 1.7}}", coders)
    code, err = validate(path)
    assert code == 2 and "codings.second.value" in err and "[0, 1]" in err


def test_a_coders_quote_is_checked_against_its_source(tmp_path):
    if not SEEDS.is_dir():
        pytest.skip("source articles (../shared/seeds) not present")
    coders = "coders:\n  a: {description: the author}\n  b: {description: a second coder}\n"
    said = '{source: scmp-2024-12, quote: "Not said"}'
    path = small(
        tmp_path, f"{{value: 0.5, inferred: x, codings: {{b: {{value: 1, evidence: {said}}}}}}}", coders
    )
    code, _, err = negsim_main("evidence", str(path), "--sources", str(SEEDS))
    assert code == 2 and "actors.ukraine.position.territory.codings.b.evidence.quote" in err
    assert f"{path}:{line_of(path, 'Not said')}:" in err


def test_agreement_is_reported_per_kind_of_parameter(tmp_path):
    coders = "coders:\n  a: {description: the author}\n  b: {description: a second coder}\n"
    path = small(tmp_path, "{value: 0.9, inferred: x, codings: {b: 0.3}}", coders)
    text = path.read_text().replace(
        "ceasefire: 0.5\n      security", "ceasefire: {value: 0.4, codings: {b: 0.5}}\n      security", 1
    )
    path.write_text(text)
    code, out, err = negsim_main("evidence", str(path), "--format", "json")
    assert code == 0, err
    (report,) = json.loads(out)["files"]
    (position,) = report["agreement"]
    assert position["parameter"] == "position" and position["numbers"] == 2
    assert position["alpha"] == pytest.approx(interval_alpha([[0.9, 0.3], [0.4, 0.5]]))
    assert report["disputed"] == [
        {"key_path": "actors.ukraine.position.territory", "codings": {"a": 0.9, "b": 0.3}}
    ]
    code, table, _ = negsim_main("evidence", str(path))
    table = " ".join(table.split())  # the title wraps at the terminal's width
    assert "Krippendorff's alpha" in table and "1 numbers disputed widely" in table


# --- the shipped snapshots -----------------------------------------------------------------


@pytest.mark.parametrize("file", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_evidence_number_names_its_anchor(file):
    report, _ = check_file_evidence(file, SEEDS if SEEDS.is_dir() else None)
    assert report.numbers and report.unanchored() == []


@pytest.mark.parametrize(
    ("file", "path"),
    [
        (SNAPSHOT_2024, "actors.ukraine.position.territory"),  # "… in a just way"
        (SNAPSHOT_2024, "actors.ukraine.stubbornness"),  # "as soon as possible and in a just way"
        (FLAGSHIP, "actors.switzerland.position.territory"),  # "a peace summit held in Switzerland"
        (FLAGSHIP, "variants.china_mediates.mediation.bias"),  # "a neutral mediator"
    ],
)
def test_quotes_that_only_relate_to_a_number_are_context_not_evidence(file, path):
    loaded = load_scenario(file)
    variant, key = (
        (path.split(".")[1], path.split(".", 2)[2]) if path.startswith("variants.") else (None, path)
    )
    scenario = loaded.variants[variant] if variant else next(iter(loaded.variants.values()))
    estimate = next(e for k, e in iter_estimates(scenario) if format_key_path(k) == key)
    assert estimate.provenance == "inferred" and estimate.context is not None and estimate.inferred


def test_the_second_coding_covers_every_position_and_salience_of_december_2024():
    scenario = next(iter(load_scenario(SNAPSHOT_2024).variants.values()))
    assert list(scenario.coders) == ["coder-a", "coder-b"]
    for actor_id, actor in scenario.actors.items():
        for section in ("position", "salience"):
            for issue, estimate in getattr(actor, section).items():
                if scenario.issues[issue].separable:
                    continue  # the separable issues were added after the second coding, by one coder
                assert estimate.codings and "coder-b" in estimate.codings, (actor_id, section, issue)


def test_the_flagship_explores_every_number_the_coders_disagree_on_widely():
    report, _ = check_file_evidence(FLAGSHIP, None)
    disputed = report.disputed()
    assert disputed  # the two codings do disagree somewhere
    explored = {u.name: u.range for u in load_scenario(FLAGSHIP).explore.uncertainties}
    for number in disputed:
        name = format_key_path(number.key_path)
        assert name in explored, name
        values = [value for _, value in number.coded]
        assert explored[name].low <= min(values) and max(values) <= explored[name].high, name


def test_the_new_keys_at_their_defaults_leave_the_digest_as_it_was(tmp_path):
    toy = Path(__file__).parent / "scenarios" / "toy.yaml"
    before = load_scenario(toy).digest()
    path = tmp_path / "toy.yaml"
    text = toy.read_text(encoding="utf-8")
    name = next(line for line in text.splitlines() if line.startswith("name:"))
    path.write_text(text.replace(name, f"{name}\ncoders: {{}}\nrequire_basis: false", 1), encoding="utf-8")
    assert load_scenario(path).digest() == before
    path.write_text(text.replace(name, f"{name}\nrequire_basis: true", 1), encoding="utf-8")
    assert load_scenario(path).digest() != before  # a demand for a basis is part of the scenario
