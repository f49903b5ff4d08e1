"""Evidence is exact: every quote is verbatim from its source article, every number has a basis."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.scenario.loader import load_scenario
from sim.scenario.walk import iter_estimates
from tests.conftest import FLAGSHIP, SCENARIOS, SEEDS, SNAPSHOT_2023, SNAPSHOT_2024

SHIPPED = sorted(p for p in SCENARIOS.rglob("*.yaml") if not p.name.startswith("_"))
CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Straighten curly quotes and collapse whitespace; nothing else is forgiven."""
    return re.sub(r"\s+", " ", text.translate(CURLY)).strip()


def quotes_in(path: Path) -> list[tuple[str, str, str]]:
    loaded = load_scenario(path)
    found = []
    for scenario in loaded.variants.values():
        for key, estimate in iter_estimates(scenario):
            if estimate.evidence is not None:
                source = scenario.sources[estimate.evidence.source]
                found.append((".".join(map(str, key)), source.file or "", estimate.evidence.quote))
    return found


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_is_valid(path: Path) -> None:
    assert load_scenario(path).variants


@pytest.mark.skipif(not SEEDS.is_dir(), reason="source articles (../shared/seeds) not present")
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_quotes_are_verbatim(path: Path) -> None:
    for key, file, quote in quotes_in(path):
        assert file, f"{key}: its source names no article file"
        article = normalise((SEEDS / file).read_text(encoding="utf-8"))
        assert normalise(quote) in article, f"{key}: quote not found verbatim in {file}: {quote!r}"


def test_quote_check_catches_a_changed_word() -> None:
    """The check above must fail on a quote that is almost, but not exactly, in the article."""
    if not SEEDS.is_dir():
        pytest.skip("source articles not present")
    article = normalise((SEEDS / "002_02375f62cba6ea1b.txt").read_text(encoding="utf-8"))
    assert normalise("China can help. The World is waiting") in article
    assert normalise("China can help. The world is waiting") not in article


def test_quotes_are_short() -> None:
    """Evidence quotes a passage, never the article: keep each under 200 characters."""
    for path in SHIPPED:
        for key, _, quote in quotes_in(path):
            assert len(quote) < 200, f"{path.name}: {key} quotes {len(quote)} characters"


@pytest.mark.parametrize("path", [SNAPSHOT_2023, SNAPSHOT_2024, FLAGSHIP], ids=lambda p: p.name)
def test_every_actor_number_states_its_basis(path: Path) -> None:
    """Actor parameters encode stated positions: each needs evidence, inferred or assumption."""
    for scenario in load_scenario(path).variants.values():
        for key, estimate in iter_estimates(scenario):
            if key[0] == "actors":
                assert estimate.provenance != "none", f"{path.name}: {'.'.join(map(str, key))}"


def test_both_snapshots_name_their_sources() -> None:
    for path in (SNAPSHOT_2023, SNAPSHOT_2024):
        scenario = next(iter(load_scenario(path).variants.values()))
        for source in scenario.sources.values():
            assert source.outlet and source.date and source.headline and source.file
