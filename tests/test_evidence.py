"""Evidence is exact: every quote is verbatim from its source article, every number has a basis."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.evidence.quotes import normalise, quote_found
from sim.scenario.loader import load_scenario
from sim.scenario.walk import iter_estimates
from tests.conftest import FLAGSHIP, SCENARIOS, SEEDS, SNAPSHOT_2023, SNAPSHOT_2024

FORECASTS = SCENARIOS / "forecasts"  # questions and records of events: data, not scenarios
SHIPPED = sorted(
    p for p in SCENARIOS.rglob("*.yaml") if not p.name.startswith("_") and FORECASTS not in p.parents
)


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
        article = (SEEDS / file).read_text(encoding="utf-8")
        assert quote_found(quote, article), f"{key}: quote not found verbatim in {file}: {quote!r}"


def test_quote_check_catches_a_changed_word() -> None:
    """The check above must fail on a quote that is almost, but not exactly, in the article."""
    if not SEEDS.is_dir():
        pytest.skip("source articles not present")
    article = (SEEDS / "002_02375f62cba6ea1b.txt").read_text(encoding="utf-8")
    assert quote_found("China can help. The World is waiting", article)
    assert not quote_found("China can help. The world is waiting", article)


def test_quote_matching_forgives_typography_and_marked_elisions_only() -> None:
    article = "He said: \u201cWe won\u2019t   stop.\nNot now, not ever,\u201d and left."
    assert quote_found("We won't stop. Not now", article)
    assert quote_found('"We won\u2019t stop.', article)
    assert quote_found("We won't … not ever", article)
    assert quote_found("We won't ... not ever", article)
    assert quote_found("We [they] stop.", article)
    assert not quote_found("not ever … We won't", article)  # fragments keep their order
    assert not quote_found("We will not stop", article)
    assert not quote_found("we won't stop", article)  # case is not forgiven
    assert not quote_found("…", article)
    assert normalise("a\u2019b \n c") == "a'b c"


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
