"""Bad scenario files get one clear message naming file, line, column and key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import NegsimError
from sim.scenario.loader import load_scenario
from tests.conftest import FLAGSHIP, SNAPSHOT_2024


def problems_of(path: Path) -> list[str]:
    with pytest.raises(NegsimError) as caught:
        load_scenario(path)
    return [p.render() for p in caught.value.problems]


def test_misspelt_key_names_line_column_and_suggests(write_scenario) -> None:
    path = write_scenario(f"extends: {SNAPSHOT_2024}\nactors:\n  russia:\n    stubborness: 0.3\n")
    [message] = problems_of(path)
    assert message.startswith(f"{path}:4:5: actors.russia.stubborness: unknown key")
    assert "did you mean `stubbornness`?" in message


def test_wrong_type_says_what_was_expected(write_scenario) -> None:
    path = write_scenario(
        f"extends: {SNAPSHOT_2024}\nactors:\n  russia:\n    salience:\n      territory: high\n"
    )
    [message] = problems_of(path)
    assert f"{path}:5:7: actors.russia.salience.territory:" in message
    assert "expected a number or a distribution, got 'high'" in message


def test_out_of_range_number(write_scenario) -> None:
    path = write_scenario(f"extends: {SNAPSHOT_2024}\nactors:\n  russia:\n    clout: 1.7\n")
    [message] = problems_of(path)
    assert "actors.russia.clout: expected a number in [0, 1], got 1.7" in message
    assert f"{path}:4:" in message


def test_bad_distribution(write_scenario) -> None:
    path = write_scenario(
        f"extends: {SNAPSHOT_2024}\nactors:\n  russia:\n    clout: {{dist: normal, mean: 0.5}}\n"
    )
    [message] = problems_of(path)
    assert "a normal distribution needs sd" in message


def test_unknown_actor_in_mediation_suggests_the_right_one(write_scenario) -> None:
    path = write_scenario(
        f"extends: {FLAGSHIP}\nvariants:\n  x:\n    mediation: {{mediators: [chna], style: formulative}}\n"
    )
    messages = problems_of(path)
    assert any(
        "variants.x.mediation.mediators.chna: unknown actor `chna`" in m and "did you mean `china`?" in m
        for m in messages
    )


def test_literal_choice_suggests(write_scenario) -> None:
    path = write_scenario(
        f"extends: {FLAGSHIP}\nvariants:\n  x:\n    mediation: {{mediators: [china], style: formulativ}}\n"
    )
    [message] = problems_of(path)
    assert (
        "variants.x.mediation.style: expected one of" in message and "did you mean `formulative`?" in message
    )
    assert f"{path}:4:" in message


def test_duplicate_key(write_scenario) -> None:
    [message] = problems_of(write_scenario("name: a\nname: b\n"))
    assert ":2:1: name: duplicate key (first given on line 1)" in message


def test_extends_cycle(write_scenario) -> None:
    write_scenario("extends: b.yaml\nname: a\n", "a.yaml")
    path = write_scenario("extends: a.yaml\nname: b\n", "b.yaml")
    [message] = problems_of(path)
    assert "`extends:` forms a cycle" in message


def test_missing_extended_file(write_scenario) -> None:
    [message] = problems_of(write_scenario("extends: nowhere.yaml\nname: a\n"))
    assert ":1:1: extends: extended file" in message and "does not exist" in message


def test_python_tags_are_refused(write_scenario) -> None:
    [message] = problems_of(write_scenario("name: !!python/object/apply:os.system ['true']\n"))
    assert "tag tag:yaml.org,2002:python/object/apply:os.system is not allowed" in message


def test_tabs_get_a_hint(write_scenario) -> None:
    [message] = problems_of(write_scenario("name: a\nissues:\n\tterritory: {}\n"))
    assert "invalid YAML" in message and "use spaces, not tabs" in message


def test_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    [message] = problems_of(path)
    assert "is not valid UTF-8" in message and ":1:" in message


def test_empty_file_and_directory(tmp_path: Path, write_scenario) -> None:
    assert "is empty" in problems_of(write_scenario("   \n"))[0]
    assert "is a directory" in problems_of(tmp_path)[0]


def test_alias_bomb_is_refused(write_scenario) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    [message] = problems_of(write_scenario("\n".join(lines) + "\n"))
    assert "expands to more than" in message


def test_merge_keys_are_refused(write_scenario) -> None:
    [message] = problems_of(write_scenario("base: &b {x: 1}\nother:\n  <<: *b\n"))
    assert "merge keys" in message


def test_a_variant_error_points_into_the_variant(write_scenario) -> None:
    path = write_scenario(
        f"extends: {FLAGSHIP}\nvariants:\n  x:\n    mediation: {{style: none}}\n"
        "    actors:\n      russia:\n        clout: -1\n"
    )
    [message] = problems_of(path)
    assert f"{path}:7:" in message and "variants.x.actors.russia.clout:" in message


def test_a_base_error_is_named_by_its_base_path(write_scenario) -> None:
    path = write_scenario(f"extends: {FLAGSHIP}\nactors:\n  russia:\n    clout: -1\n")
    messages = problems_of(path)
    assert messages == [m for m in messages if ": actors.russia.clout:" in m] and len(messages) == 1


def test_unused_distribution_keys_are_errors(write_scenario) -> None:
    path = write_scenario(
        f"extends: {SNAPSHOT_2024}\nactors:\n  russia:\n"
        "    clout: {dist: uniform, low: 0, high: 1, sd: 2}\n"
    )
    [message] = problems_of(path)
    assert "`sd` is not used by a uniform distribution" in message


def test_every_party_absent_is_refused(write_scenario) -> None:
    path = write_scenario(
        f"extends: {FLAGSHIP}\nvariants:\n  x:\n    mediation: {{absent: [ukraine, russia]}}\n"
    )
    [message] = problems_of(path)
    assert "every voter is absent" in message


def test_an_issue_named_like_a_rate_keeps_the_unit_range(write_scenario) -> None:
    """Ranges follow a parameter's place in the file, not any word in its key path."""
    from sim.scenario.parameters import bounds_of

    assert bounds_of(("actors", "russia", "position", "softening")).kind == "unit"
    assert bounds_of(("actors", "russia", "red_lines", "territory", "softening")).kind == "rate"


def test_a_fragment_on_its_own_says_it_is_one() -> None:
    """`_common.yaml` is only complete once extended; the message says so instead of leaving
    the user to wonder why a shipped file is 'invalid'."""
    fragment = FLAGSHIP.parent / "actors" / "_common.yaml"
    [message] = problems_of(fragment)
    assert "actors: required key is missing" in message
    assert "is a fragment that other files extend" in message


def test_a_scenario_missing_its_actors_gets_no_fragment_hint(write_scenario) -> None:
    path = write_scenario("name: incomplete\n")
    messages = problems_of(path)
    assert any("actors: required key is missing" in m for m in messages)
    assert not any("fragment" in m for m in messages)


def test_a_round_unit_must_read_as_a_unit_of_time(write_scenario) -> None:
    """`run.round_unit` is printed in tables and axis labels (`weeks since talks began`)."""
    fine = write_scenario(f"extends: {SNAPSHOT_2024}\nrun:\n  round_unit: week\n", name="week.yaml")
    assert load_scenario(fine).variants  # accepted
    assert next(iter(load_scenario(fine).variants.values())).round_unit == "week"
    plain = next(iter(load_scenario(SNAPSHOT_2024).variants.values()))
    assert plain.round_unit == "month"  # the default, as docs/scenario-format.md says
    # a unit set is an input like any other (when unset it stays out of the digest, so folders
    # from before it existed rerun: tests/test_legacy_folders.py)
    assert load_scenario(fine).digest() != load_scenario(SNAPSHOT_2024).digest()
    path = write_scenario(f"extends: {SNAPSHOT_2024}\nrun:\n  round_unit: '3 weeks!'\n")
    [message] = problems_of(path)
    assert f"{path}:3:" in message and "run.round_unit:" in message
    assert "is not a unit of time" in message and "round_unit: week" in message
