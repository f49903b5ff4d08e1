"""The API's analyses make what their commands make: sensitivity, discover, backtest, compare,
forecast_questions and score, each against `negsim <command>` with the same options, on small
designs. Their keyword arguments are the commands' parameters, with the same defaults, so the
two cannot drift apart; a folder made from Python reruns identically from the command line."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd
import pytest

import sim
from sim.errors import NegsimError
from tests.conftest import FLAGSHIP, SCENARIOS, negsim_main, write_result

QUESTIONS = SCENARIOS / "forecasts" / "questions-2024-12.yaml"
RECORD = SCENARIOS / "forecasts" / "record-2024-12.yaml"
QUICK = ["--rounds", "12", "--workers", "1", "--no-plots"]
MORRIS = ["--method", "morris", "--samples", "4", "--runs", "3", "--path", "no_mediation", *QUICK]
DISCOVERY = ["--samples", "40", "--runs", "2", "--path", "no_mediation", "--path", "us_china_joint", *QUICK]
FORECAST = ["--runs", "30", "--rounds", "24", "--workers", "1"]


def tables_equal(mine: pd.DataFrame, theirs: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), theirs.reset_index(drop=True))


def read_csv(file: Path) -> pd.DataFrame:
    return pd.read_csv(file)


# --- the same options make the same folder ---------------------------------------------------


def test_sensitivity_makes_what_the_command_makes_and_reruns_identically(tmp_path: Path) -> None:
    api = sim.sensitivity(
        FLAGSHIP, method="morris", samples=4, runs=3, paths="no_mediation", rounds=12,
        out=tmp_path / "api", plots=False, workers=1,
    )  # fmt: skip
    cli = sim.read_result(write_result(tmp_path / "cli", "sensitivity", str(FLAGSHIP), *MORRIS))
    assert isinstance(cli, sim.SensitivityResult)
    tables_equal(api.indices, cli.indices)
    tables_equal(api.points, cli.points)
    assert set(api.indices["path"]) == {"no_mediation"}
    assert api.manifest["invocation"] == cli.manifest["invocation"] | {
        "options": cli.manifest["invocation"]["options"] | {"out_dir": str(tmp_path / "api")}
    }
    code, out, err = negsim_main("rerun", str(api.folder), "--workers", "1")
    assert code == 0, err
    assert "identical" in out


def test_discover_makes_what_the_command_makes(tmp_path: Path) -> None:
    api = sim.discover(
        FLAGSHIP, paths=["no_mediation", "us_china_joint"], samples=40, runs=2, rounds=12,
        out=tmp_path / "api", plots=False, workers=1,
    )  # fmt: skip
    cli = write_result(tmp_path / "cli", "discover", str(FLAGSHIP), *DISCOVERY)
    mine, theirs = (json.loads((folder / "summary.json").read_text()) for folder in (api.folder, cli))
    assert mine["paths"] == theirs["paths"] and list(mine["paths"]) == ["no_mediation", "us_china_joint"]
    assert mine["experiment"] == theirs["experiment"]
    tables_equal(api.peeling, pd.read_parquet(cli / "prim.parquet"))
    tables_equal(pd.read_parquet(api.folder / "trees.parquet"), pd.read_parquet(cli / "trees.parquet"))


def test_backtest_makes_what_the_command_makes(dataset: Path, tmp_path: Path) -> None:
    api = sim.backtest(
        dataset, models=["compromise", "abm"], runs=10, out=tmp_path / "api", plots=False, workers=1
    )
    cli = write_result(
        tmp_path / "cli", "backtest", str(dataset),
        *["--models", "compromise", "--models", "abm", "--runs", "10", "--workers", "1", "--no-plots"],
    )  # fmt: skip
    for table in ("metrics.csv", "predictions.csv"):
        assert (api.folder / table).read_bytes() == (cli / table).read_bytes(), table
    tables_equal(api.metrics, read_csv(cli / "metrics.csv"))
    assert list(api.metrics["model"]) == ["compromise", "abm"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small flagship run, another on the same draws, and one of another seed."""
    folder = tmp_path_factory.mktemp("runs")
    small = ["--runs", "100", "--rounds", "24", "--workers", "1", "--no-plots"]
    return {
        "a": write_result(folder / "a", "run", str(FLAGSHIP), *small),
        "again": write_result(folder / "again", "run", str(FLAGSHIP), *small),
        "seed7": write_result(folder / "seed7", "run", str(FLAGSHIP), *small, "--seed", "7"),
    }


@pytest.mark.parametrize("other", ["again", "seed7"])
def test_compare_gives_the_commands_comparison(runs: dict[str, Path], other: str, tmp_path: Path) -> None:
    code, _, err = negsim_main("compare", str(runs["a"]), str(runs[other]), "--out", str(tmp_path / "cli"))
    assert code == 0, err
    table = sim.compare(sim.read_result(runs["a"]), runs[other], out=tmp_path / "api")
    tables_equal(table, read_csv(tmp_path / "cli" / "comparison.csv"))
    assert table["paired"].all() == (other == "again")
    mine, theirs = (tmp_path / name / "comparison.csv" for name in ("api", "cli"))
    assert mine.read_bytes() == theirs.read_bytes()
    manifest = json.loads((tmp_path / "api" / "manifest.json").read_text())
    assert manifest["command"] == [
        "negsim",
        "compare",
        str(runs["a"]),
        str(runs[other]),
        "--out",
        str(tmp_path / "api"),
    ]
    assert negsim_main("verify", str(tmp_path / "api"))[0] == 0


def test_compare_refuses_what_the_command_refuses(runs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(NegsimError, match="is not a negsim result folder"):
        sim.compare(runs["a"], tmp_path)


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path, Path]:
    """The shipped questions forecast from Python and by the command, into a ledger each."""
    folder = tmp_path_factory.mktemp("ledgers")
    api, cli = folder / "api" / "ledger.jsonl", folder / "cli" / "ledger.jsonl"
    found = sim.forecast_questions(FLAGSHIP, QUESTIONS, ledger=api, runs=30, rounds=24, workers=1)
    code, _, err = negsim_main(
        "forecast", str(FLAGSHIP), "--questions", str(QUESTIONS), "--ledger", str(cli), *FORECAST
    )
    assert code == 0, err
    return found, api, cli


def entries(ledger: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()]


def test_forecast_questions_gives_the_commands_probabilities(
    ledgers: tuple[pd.DataFrame, Path, Path],
) -> None:
    found, api, cli = ledgers
    logged = entries(cli)
    assert list(found.index) == [e["question"] for e in logged]
    assert found["probability"].tolist() == [e["probability"] for e in logged]
    assert found["month"].tolist() == [e["month"] for e in logged]
    assert [str(d) for d in found["deadline"]] == [e["deadline"] for e in logged]
    assert found["entry"].tolist() == list(range(1, len(logged) + 1))
    unstamped = ("time", "hash", "prev")  # when it was written, and the chain's hashes, which hold it
    for mine, theirs in zip(entries(api), logged, strict=True):
        assert {k: v for k, v in mine.items() if k not in unstamped} == {
            k: v for k, v in theirs.items() if k not in unstamped
        }


@pytest.mark.parametrize("every", [False, True])
def test_score_gives_the_commands_scores(
    ledgers: tuple[pd.DataFrame, Path, Path], every: bool, tmp_path: Path
) -> None:
    _, _, ledger = ledgers
    flags = ["--all"] if every else []
    code, _, err = negsim_main(
        "score", str(ledger), "--record", str(RECORD), *flags, "--out", str(tmp_path / "cli")
    )
    assert code == 0, err
    scored = sim.score(ledger, RECORD, every=every, out=tmp_path / "api")
    assert scored.folder == tmp_path / "api"
    for table in ("scores.csv", "reliability.csv", "unresolved.csv"):
        assert (tmp_path / "api" / table).read_bytes() == (tmp_path / "cli" / table).read_bytes(), table
    tables_equal(scored.scores, read_csv(tmp_path / "cli" / "scores.csv"))
    tables_equal(scored.reliability, read_csv(tmp_path / "cli" / "reliability.csv"))
    assert (
        scored.unresolved["question"].tolist()
        == read_csv(tmp_path / "cli" / "unresolved.csv")["question"].tolist()
    )
    assert scored.overall["n"] == len(scored.scores)
    assert scored.overall["brier"] == pytest.approx(scored.scores["brier"].mean())
    words = ["negsim", "score", str(ledger), "--record", str(RECORD), *flags, "--out", str(tmp_path / "api")]
    assert json.loads((tmp_path / "api" / "manifest.json").read_text())["command"] == words
    assert negsim_main("verify", str(tmp_path / "api"))[0] == 0


def test_score_with_nothing_resolved_writes_nothing(
    ledgers: tuple[pd.DataFrame, Path, Path], tmp_path: Path
) -> None:
    """A record that ends before every deadline: every forecast is listed, none scored."""
    record = tmp_path / "record.yaml"
    record.write_text(
        "name: early\nstart: 2024-12-09\nthrough: 2025-01-31\n"
        "sources:\n  wire: {outlet: Wire, date: 2025-01-15, headline: Talks, url: 'https://example.org/talks'}\n"
        "events:\n  - {date: 2025-01-15, kind: talks, what: talks, source: wire, quote: 'they met'}\n",
        encoding="utf-8",
    )
    found, _, ledger = ledgers
    scored = sim.score(ledger, record, out=tmp_path / "scores")
    assert scored.folder is None and not (tmp_path / "scores").exists()
    assert scored.scores.empty and scored.overall == {}
    assert scored.unresolved["question"].tolist() == list(found.index)


# --- options that cannot be followed ---------------------------------------------------------


BAD = [
    ("sobol-not-a-power-of-2", sim.sensitivity, {"samples": 3}, "samples="),
    ("no-such-method", sim.sensitivity, {"method": "fast"}, "method="),
    ("no-runs", sim.sensitivity, {"method": "morris", "samples": 4, "runs": 0}, "runs="),
    ("no-such-path", sim.sensitivity, {"method": "morris", "samples": 4, "paths": ["nowhere"]}, "paths="),
    ("too-few-points", sim.discover, {"samples": 5}, "samples="),
    ("no-such-outcome", sim.discover, {"outcome": "truce"}, "outcome="),
    ("coverage-above-1", sim.discover, {"min_coverage": 1.5}, "min_coverage="),
    ("no-workers", sim.discover, {"workers": 0}, "workers="),
]


@pytest.mark.parametrize("function, options, named", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_an_option_that_cannot_be_followed_names_its_keyword(
    function: Callable[..., Any], options: dict[str, Any], named: str, tmp_path: Path
) -> None:
    with pytest.raises(NegsimError) as caught:
        function(FLAGSHIP, out=tmp_path / "x", plots=False, **options)
    assert str(caught.value).startswith(named), str(caught.value)
    assert not (tmp_path / "x").exists()


def test_backtest_names_an_unknown_model(dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(NegsimError, match=r"^models=: no model `oracle`"):
        sim.backtest(dataset, models="oracle", out=tmp_path / "x")


# --- one list of options -------------------------------------------------------------------


# Each API function, its command, and the API's names for parameters the command names otherwise
COMMANDS = [
    (sim.sensitivity, "sim.commands.sensitivity:sensitivity_command", {"out": "out_dir"}),
    (sim.discover, "sim.commands.discover:discover_command", {"out": "out_dir"}),
    (sim.backtest, "sim.commands.backtest:backtest_command", {"dataset": "file", "out": "out_dir"}),
    (sim.compare, "sim.commands.compare:compare_command", {"out": "out_dir"}),
    (
        sim.forecast_questions,
        "sim.commands.forecast:forecast_command",
        {"questions": "questions_file", "out": "out_dir"},
    ),
    (sim.score, "sim.commands.score:score_command", {"record": "record_file", "out": "out_dir"}),
]


def command_of(target: str) -> click.Command:
    module, name = target.split(":")
    command = getattr(__import__(module, fromlist=[name]), name)
    assert isinstance(command, click.Command)
    return command


@pytest.mark.parametrize("function, target, renamed", COMMANDS, ids=[c[1].split(":")[1] for c in COMMANDS])
def test_the_keywords_are_the_commands_parameters(
    function: Callable[..., Any], target: str, renamed: dict[str, str]
) -> None:
    """What the command requires is positional, every other option a keyword with the
    command's default (a repeatable option given no value is the API's None)."""
    command = command_of(target)
    required = [p for p in command.params if p.required]
    placeholders = [
        w for p in required for w in ([] if isinstance(p, click.Argument) else [p.opts[0]]) + ["x"]
    ]
    defaults = command.make_context(command.name or "", placeholders).params
    signature = inspect.signature(function).parameters
    named = {renamed.get(name, name): parameter for name, parameter in signature.items()}
    assert list(named) == [p.name for p in command.params]
    for param in command.params:
        parameter = named[param.name or ""]
        positional = parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert positional == param.required, param.name
        if param.required:
            assert parameter.default is inspect.Parameter.empty, param.name
            continue
        given = parameter.default if parameter.default is not None or not param.multiple else ()
        assert given == defaults[param.name], f"{param.name}: API {given!r}, command {defaults[param.name]!r}"


@pytest.mark.parametrize(
    "function, options",
    [
        (sim.sensitivity, {"method": "morris", "samples": 4, "runs": 3, "paths": ["no_mediation"]}),
        (sim.discover, {"samples": 40, "runs": 2, "paths": ["no_mediation", "us_china_joint"]}),
    ],
)
def test_the_recorded_command_line_gives_the_recorded_options(
    function: Callable[..., Any], options: dict[str, Any], tmp_path: Path
) -> None:
    """The manifest's `command` of a folder made from Python, parsed by the command itself."""
    result = function(FLAGSHIP, rounds=12, out=tmp_path / "api", plots=False, workers=1, **options)
    words, invocation = result.manifest["command"], result.manifest["invocation"]
    command = command_of(f"sim.commands.{invocation['command']}:{invocation['command']}_command")
    parsed = command.make_context(invocation["command"], words[2:]).params
    plain = {
        k: str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v
        for k, v in parsed.items()
    }
    assert plain == invocation["options"]
