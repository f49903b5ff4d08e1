"""What `negsim` imports before it does anything: `--help`, `validate` and `show` start quickly.

Each command is imported only when it runs (sim/cli.py), so `negsim --help` loads no scientific
library and `validate` and `show` only the scenario layer. Time is not measured (the machines
that run the tests are too noisy for that); the modules a fresh Python ends up with are.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path

import click
import pytest

from sim import cli
from tests import processes
from tests.conftest import FLAGSHIP, ROOT

# Libraries that take from a tenth of a second to several seconds each to import.
HEAVY = {
    "pandas",
    "pyarrow",
    "matplotlib",
    "scipy",
    "numba",
    "mesa",
    "dask",
    "distributed",
    "sklearn",
    "lifelines",
    "SALib",
    "networkx",
    "solara",
}
# `negsim --help` reads no scenario either, so it needs none of these.
SCENARIO_LAYER = {"numpy", "pydantic", "yaml"}

# `negsim ARGS` through the command's entry point in a fresh Python; then the names of every
# module that Python imported, as JSON in the file named by the second argument.
PROBE = """
import json, sys
args, report = json.loads(sys.argv[1]), sys.argv[2]
sys.argv = ["negsim", *args]
from sim.entry import main
try:
    main()
    status = 0
except SystemExit as exc:
    status = exc.code
with open(report, "w") as file:
    json.dump({"status": status, "modules": sorted(sys.modules)}, file)
"""


def imported_by(tmp_path: Path, *args: str) -> set[str]:
    """The top-level packages a fresh `negsim ARGS` imported (it must succeed)."""
    report = tmp_path / "modules.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    done = processes.run(
        [sys.executable, "-c", PROBE, json.dumps(args), str(report)], timeout=120, env=env, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(report.read_text())
    assert found["status"] in (0, None), done.stderr
    return {name.partition(".")[0] for name in found["modules"]}


def test_help_imports_no_command_and_no_scientific_library(tmp_path: Path) -> None:
    modules = imported_by(tmp_path, "--help")
    assert modules.isdisjoint(HEAVY | SCENARIO_LAYER), sorted(modules & (HEAVY | SCENARIO_LAYER))


def test_version_imports_no_scientific_library(tmp_path: Path) -> None:
    modules = imported_by(tmp_path, "--version")
    assert modules.isdisjoint(HEAVY | SCENARIO_LAYER), sorted(modules & (HEAVY | SCENARIO_LAYER))


@pytest.mark.parametrize("command", ["validate", "show"])
def test_reading_a_scenario_imports_only_the_scenario_layer(tmp_path: Path, command: str) -> None:
    modules = imported_by(tmp_path, command, str(FLAGSHIP))
    assert modules.isdisjoint(HEAVY), sorted(modules & HEAVY)


@pytest.mark.parametrize("width", [40, 80, 200])
def test_the_listing_is_what_the_commands_themselves_would_show(width: int) -> None:
    """`negsim --help` lists the commands from summaries kept in sim/cli.py; they must give,
    at every terminal width, exactly the lines that the imported commands give."""
    ctx = click.Context(cli.cli, info_name="negsim")
    names = cli.cli.list_commands(ctx)
    real = click.Group(commands={name: cli.cli.get_command(ctx, name) for name in names})
    expected, listed = click.HelpFormatter(width=width), click.HelpFormatter(width=width)
    real.format_commands(ctx, expected)
    cli.cli.format_commands(ctx, listed)
    assert listed.getvalue() == expected.getvalue()


def test_every_listed_command_is_the_command_of_that_name() -> None:
    ctx = click.Context(cli.cli, info_name="negsim")
    for name in cli.cli.list_commands(ctx):
        command = cli.cli.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name


def test_the_scenario_and_model_layers_never_import_the_commands() -> None:
    """sim/scenario and sim/model are below the command line: importing them must never pull in
    a command (which would also undo the quick start of `validate` and `show`)."""
    for source in [*(ROOT / "sim" / "scenario").rglob("*.py"), *(ROOT / "sim" / "model").rglob("*.py")]:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):  # `from sim import cli` names sim.cli too
                names = [node.module or "", *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            for name in names:
                assert not name.startswith(("sim.commands", "sim.cli")), f"{source}: imports {name}"
