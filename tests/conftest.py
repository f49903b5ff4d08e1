"""Shared fixtures: the shipped scenarios and a way to write small variants of them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sim.scenario.loader import LoadedScenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FLAGSHIP = SCENARIOS / "2024-12-mediation-paths.yaml"
SNAPSHOT_2023 = SCENARIOS / "actors" / "2023-04.yaml"
SNAPSHOT_2024 = SCENARIOS / "actors" / "2024-12.yaml"
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def flagship() -> LoadedScenario:
    return load_scenario(FLAGSHIP)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write YAML text to tmp_path/name and return its path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def extend(write_scenario: Callable[[str, str], Path]) -> Callable[..., LoadedScenario]:
    """Load a scenario that extends a shipped file with the given YAML overrides."""

    def load(overrides: str = "", base: Path = FLAGSHIP, name: str = "override.yaml") -> LoadedScenario:
        return load_scenario(write_scenario(f"extends: {base}\n{overrides}", name))

    return load
