"""Input that misleads rather than breaks: each gets one clear message in the house style.

Found by adversarial testing, one section per defect:

1. nesting deeper than libyaml's own limit is refused by negsim's limit, at its exact place;
2. a scenario `name:` that would put results outside results/ (`../../x`, `/tmp/x`);
3. a file that is not a scenario file (`extends: ../../../../etc/shadow`) is refused before a
   byte of it is read, so no message can show its contents;
4. control characters in scenario text (`\\x1b[2J`, `\\r\\n`) are shown as visible escapes in
   every table and error message, never sent to the terminal;
5. numbers YAML 1.1 reads in surprising ways (`0_5` is 5, `0x1` is 1, `1:30` is 90, `1e308`
   is text) and booleans where numbers belong (and numbers where booleans belong);
6. the same actor listed twice under `mediators`, `pressing` or `absent`;
7. `--out` with a control character in the folder name.

The limits and rules are those of docs/scenario-format.md, "Safety limits".
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from yaml.cyaml import CParser

from sim.errors import NegsimError, printable
from sim.results.folder import default_folder
from sim.scenario import yaml_source
from sim.scenario.loader import load_scenario
from sim.scenario.yaml_source import MAX_DEPTH, read_yaml
from tests import processes
from tests.conftest import FLAGSHIP, SNAPSHOT_2024, negsim_main, refusal

Write = Callable[..., Path]
CHEAP = ["--runs", "2", "--rounds", "2", "--no-plots", "--workers", "1"]


def house_style(code: int, stderr: str) -> None:
    """Exit status 2 and one message starting `error: `, never a traceback."""
    assert code == 2, stderr
    assert stderr.startswith("error: ") and stderr.count("error: ") == 1, stderr
    assert "Traceback" not in stderr


# --- 1. nesting: our limit, whatever the parser's ----------------------------------------


def _deep_list(levels: int) -> str:
    return "a: " + "[" * levels + "]" * levels + "\n"


@pytest.mark.parametrize("levels", [1_001, 100_000])
def test_flow_nesting_beyond_libyamls_limit_gets_our_message_at_its_place(
    write_scenario: Write, levels: int
) -> None:
    """libyaml (PyYAML 6.0.4) stops at 1,000 levels, looking 1,024 characters ahead, before our
    builder has seen level 3; the user must still see our limit, at the 65th `[` (column 68)."""
    path = write_scenario(_deep_list(levels))
    message = refusal(path)
    assert message.startswith(f"{path}:1:{3 + MAX_DEPTH + 1}: a[0][0]"), message
    assert f": nested deeper than {MAX_DEPTH} levels\n    hint: a scenario nests a handful" in message, (
        message
    )
    assert "exceeded maximum nesting depth" not in message


def test_deep_nesting_after_a_large_document_is_refused_quickly(write_scenario: Write) -> None:
    """The part before the deep list is read again at C speed, not by the pure-Python parser."""
    path = write_scenario("a: " + "word " * 900_000 + "\nb: " + "[" * 100_000 + "\n")
    start = time.perf_counter()
    message = refusal(path)
    assert time.perf_counter() - start < 3
    assert message.startswith(f"{path}:2:{3 + MAX_DEPTH + 1}: b[0]")
    assert f"nested deeper than {MAX_DEPTH} levels" in message


class ShallowParser(CParser):
    """libyaml as a future version might be: giving up at 20 levels, below our own limit."""

    LIMIT = 20

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def get_event(self) -> yaml.Event:
        event = super().get_event()
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            self.depth += 1
            if self.depth > self.LIMIT:
                raise yaml.parser.ParserError(
                    "while increasing flow level",
                    event.start_mark,
                    "exceeded maximum nesting depth",
                    event.start_mark,
                )
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            self.depth -= 1
        return event


def test_a_parser_with_a_lower_limit_never_decides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the parser's own limit, files within ours load and deeper ones get our message."""
    monkeypatch.setattr(yaml_source, "_Parser", ShallowParser)
    within = tmp_path / "within.yaml"
    within.write_text(_deep_list(40))
    document = read_yaml(within)
    assert document.data["a"] is not None and document.positions[("a",)].line == 1
    beyond = tmp_path / "beyond.yaml"
    beyond.write_text(_deep_list(100_000))
    with pytest.raises(NegsimError) as caught:
        read_yaml(beyond)
    assert str(caught.value).startswith(f"{beyond}:1:{3 + MAX_DEPTH + 1}: a[0]")
    assert f": nested deeper than {MAX_DEPTH} levels\n    hint: " in str(caught.value)


# --- 2. the scenario's name is a single folder under results/ ----------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../../x",
        "/tmp/x",
        "a/b",
        "a\\\\b",
        "..",
        ".hidden",
        "a..b",
        "ends-with.",
        "-dash-first",
        "with space",
        "tab\\tname",
        "con",
        "x" * 101,
        "",
    ],
)
def test_a_name_that_is_not_one_safe_folder_is_refused(write_scenario: Write, name: str) -> None:
    path = write_scenario(f'extends: {SNAPSHOT_2024}\nname: "{name}"\n')
    message = refusal(path)
    assert message.startswith(f"{path}:2:1: name: "), message
    assert any(why in message for why in ("is not a single safe folder name", "is too long", "device"))
    assert "hint: the name is also the folder results/<name>/" in message


@pytest.mark.parametrize("name", ["2024-12-mediation-paths", "snapshot_v1.2", "Україна-2024", "x" * 100])
def test_ordinary_names_are_accepted(write_scenario: Write, name: str) -> None:
    path = write_scenario(f"extends: {SNAPSHOT_2024}\nname: {name}\n")
    assert load_scenario(path).name == name


def test_run_without_out_never_writes_outside_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    scenario = work / "escape.yaml"
    scenario.write_text(f"extends: {SNAPSHOT_2024}\nname: ../../escaped\n")
    monkeypatch.chdir(work)
    code, _, stderr = negsim_main("run", str(scenario), *CHEAP)
    house_style(code, stderr)
    assert "name: '../../escaped' is not a single safe folder name" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]
    assert sorted(p.name for p in work.iterdir()) == ["escape.yaml"]


@pytest.mark.parametrize("name", ["../../x", "/tmp/x", "..", "a/../../b"])
def test_the_default_folder_refuses_to_leave_results(name: str) -> None:
    """The second line of defence, should a name ever get past validation."""
    with pytest.raises(NegsimError, match="would put results outside results/"):
        default_folder(name)


def test_the_default_folder_is_under_results() -> None:
    folder = default_folder("snapshot-2024-12", "sensitivity")
    assert folder.parts[:2] == ("results", "snapshot-2024-12") and folder.name.endswith("-sensitivity")


# --- 3. only scenario files are read ------------------------------------------------------

SECRET = "TOPSECRET-7f3a: hunter2\nroot:$6$salt$hash:19000:0:99999:7:::\n[unclosed: {\n"


def _leaks(text: str) -> bool:
    return any(word in text for word in ("TOPSECRET", "hunter2", "$6$salt", "unclosed"))


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "private" / "shadow"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


@pytest.mark.parametrize("command", ["validate", "show", "run"])
def test_extends_of_a_non_scenario_file_shows_nothing_of_it(
    tmp_path: Path, secret: Path, command: str
) -> None:
    relative = os.path.relpath(secret, tmp_path)
    scenario = tmp_path / "steal.yaml"
    scenario.write_text(f"extends: {relative}\n")
    code, stdout, stderr = negsim_main(command, str(scenario), *(CHEAP if command == "run" else []))
    house_style(code, stderr)
    assert stderr.startswith(f"error: {scenario}:1:1: extends: extended file "), stderr
    assert "is not a scenario file: its name does not end in .yaml or .yml" in stderr
    assert "hint: scenario files are named *.yaml or *.yml" in stderr
    assert not _leaks(stdout + stderr)


def test_extends_through_parent_folders_to_a_system_file_is_refused(tmp_path: Path, secret: Path) -> None:
    scenario = tmp_path / "a" / "b" / "steal.yaml"
    scenario.parent.mkdir(parents=True)
    scenario.write_text(f"extends: ../../../../../../../../..{secret}\n")
    code, stdout, stderr = negsim_main("validate", str(scenario))
    house_style(code, stderr)
    assert "is not a scenario file" in stderr and not _leaks(stdout + stderr)


@pytest.mark.parametrize("command", ["validate", "show", "run"])
def test_a_non_scenario_file_given_directly_is_refused_unread(secret: Path, command: str) -> None:
    code, stdout, stderr = negsim_main(command, str(secret), *(CHEAP if command == "run" else []))
    house_style(code, stderr)
    assert stderr.startswith(f"error: {secret}: is not a scenario file")
    assert not _leaks(stdout + stderr)


def test_a_yaml_link_to_a_non_scenario_file_is_refused(tmp_path: Path, secret: Path) -> None:
    link = tmp_path / "innocent.yaml"
    link.symlink_to(secret)
    parent = tmp_path / "child.yaml"
    parent.write_text("extends: innocent.yaml\n")
    for path in (link, parent):
        code, stdout, stderr = negsim_main("validate", str(path))
        house_style(code, stderr)
        assert "is not a scenario file" in stderr and not _leaks(stdout + stderr)


def test_a_non_scenario_file_with_a_syntax_error_echoes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "notes.txt"
    broken.write_text("TOPSECRET-7f3a: [hunter2\n\tunclosed: {\n")
    scenario = tmp_path / "x.yaml"
    scenario.write_text("extends: notes.txt\n")
    for path in (broken, scenario):
        code, stdout, stderr = negsim_main("validate", str(path))
        house_style(code, stderr)
        assert "is not a scenario file" in stderr and not _leaks(stdout + stderr)


def test_syntax_errors_of_a_scenario_file_name_the_place_not_the_line(write_scenario: Write) -> None:
    path = write_scenario("name: x\nkey: [TOPSECRET-7f3a\nother: 1\n")
    message = refusal(path)
    assert "invalid YAML" in message and not _leaks(message)


@pytest.mark.parametrize("name", ["scenario.yml", "SCENARIO.YAML", "scenario.Yml"])
def test_yml_and_upper_case_suffixes_are_scenario_files(write_scenario: Write, name: str) -> None:
    parent = write_scenario(f"extends: {SNAPSHOT_2024}\n", f"parent-{name}")
    assert load_scenario(write_scenario(f"extends: {parent.name}\n", name)).name == "snapshot-2024-12"


# --- 4. control characters are shown, never sent ------------------------------------------


@pytest.mark.parametrize(
    "text, shown",
    [
        ("clear\x1b[2Jscreen", "clear\\x1b[2Jscreen"),
        ("evil\r\nResults: /fake", "evil\\r\\nResults: /fake"),
        ("tab\there", "tab\\there"),
        ("bell\x07 del\x7f c1\x9b", "bell\\x07 del\\x7f c1\\x9b"),
        ("rtl\u202eevil \u2028sep", "rtl\\u202eevil \\u2028sep"),
        ("plain [bold] émoji ✓ 中文 C:\\path", "plain [bold] émoji ✓ 中文 C:\\path"),
    ],
)
def test_printable_escapes_exactly_what_a_terminal_would_act_on(text: str, shown: str) -> None:
    assert printable(text) == shown


def _no_raw_controls(output: str) -> None:
    """Nothing a terminal would act on: only the new lines the tables are made of."""
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]", output), repr(output)
    assert not any(line.startswith("Results: /fake") for line in output.splitlines())


HOSTILE = (
    'title: "Title\\e[2J clears"\n'
    'label: "evil\\r\\nResults: /fake"\n'
    "issues:\n"
    '  territory: {label: "T\\e[31m", low: "low\\e]0;pwned\\a", high: "high\\N\\u202eevil"}\n'
    "actors:\n"
    "  russia:\n"
    '    name: "Rus\\e[5msia"\n'
    '    clout: {value: 0.5, assumption: "reason\\r\\nforged line\\e[2J"}\n'
)


def test_run_tables_show_control_characters_escaped(tmp_path: Path) -> None:
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(f"extends: {SNAPSHOT_2024}\n{HOSTILE}")
    code, stdout, stderr = negsim_main("run", str(scenario), *CHEAP, "--out", str(tmp_path / "out"))
    assert code == 0, stderr
    _no_raw_controls(stdout + stderr)
    for escaped in ("Title\\x1b[2J clears", "evil\\r\\nResults: /fake", "low\\x1b]0;pwned\\x07"):
        assert escaped in stdout, stdout
    assert "high\\x85\\u202eevil" in stdout


def test_show_evidence_tables_show_control_characters_escaped(tmp_path: Path) -> None:
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(
        f"extends: {SNAPSHOT_2024}\nactors:\n  russia:\n"
        '    name: "Rus\\e[5msia"\n'
        '    clout: {value: 0.5, assumption: "reason\\r\\nforged line\\e[2J"}\n'
        'title: "Ti\\e[2Jtle"\n'
        "sources:\n"
        '  epoch-2023-04: {headline: "Head\\r\\nFAKE line"}\n'
    )
    code, stdout, stderr = negsim_main("show", str(scenario))
    assert code == 0, stderr
    _no_raw_controls(stdout)
    assert "Rus\\x1b[5msia (party)" in stdout and "reason\\r\\nforged line\\x1b[2J" in stdout
    assert "Ti\\x1b[2Jtle" in stdout and "Head\\r\\nFAKE line" in stdout  # the header and the sources


def test_error_messages_show_control_characters_escaped(tmp_path: Path) -> None:
    scenario = tmp_path / "bad\x1b[2Jname.yaml"
    scenario.write_text(
        f"extends: {SNAPSHOT_2024}\n"
        '"key\\e[2J": 1\n'
        '"x\\r\\nFAKE: forged": 2\n'
        "issues:\n"
        '  "land\\u202e": {label: a, low: b, high: c}\n'
    )
    code, stdout, stderr = negsim_main("validate", str(scenario))
    house_style(code, stderr)
    _no_raw_controls(stdout + stderr)
    assert stderr.count("\n") == len(stderr.splitlines())  # every line break is one we wrote
    shown = str(tmp_path / "bad\\x1b[2Jname.yaml")
    assert f"{shown}:2:1: key\\x1b[2J: unknown key" in stderr
    assert f"{shown}:3:1: x\\r\\nFAKE: forged: unknown key" in stderr


# --- 5. numbers as a reader means them ----------------------------------------------------


def _russia(write_scenario: Write, text: str) -> Path:
    return write_scenario(f"extends: {SNAPSHOT_2024}\nactors:\n  russia:\n    {text}\n")


@pytest.mark.parametrize(
    "value, form, read",
    [
        ("0_5", "a number with `_` separators", "5"),
        ("1_000.5", "a number with `_` separators", "1000.5"),
        ("0x1", "a hexadecimal number", "1"),
        ("017", "an octal number (it starts with 0)", "15"),
        ("0b1", "a binary number", "1"),
        ("1:30", "a base-60 (sexagesimal) number", "90"),
        ("-1:30.5", "a base-60 (sexagesimal) number", "-90.5"),
    ],
)
def test_numbers_in_other_bases_or_with_separators_are_refused(
    write_scenario: Write, value: str, form: str, read: str
) -> None:
    path = _russia(write_scenario, f"cost_of_war: {value}")
    message = refusal(path)
    assert message.startswith(f"{path}:4:18: actors.russia.cost_of_war: `{value}` is {form}"), message
    assert f"which YAML 1.1 reads as {read}" in message
    assert (
        "hint: write numbers in plain decimal (0.5, 1500, 1.0e+3); quote the value if it is text" in message
    )


def test_odd_number_forms_are_refused_everywhere(write_scenario: Write) -> None:
    path = write_scenario(f"extends: {SNAPSHOT_2024}\nrun:\n  seed: 1_000\n")
    assert "run.seed: `1_000` is a number with `_` separators" in refusal(path)


@pytest.mark.parametrize(
    "text, where, hint",
    [
        ("clout: 1e308", "actors.russia.clout", "write 1.0e+308"),
        ("clout: {value: 5e-1}", "actors.russia.clout.value", "write 5.0e-1"),
        ("clout: 0o17", "actors.russia.clout", "write numbers in plain decimal: `0o17` is 15"),
        (
            "clout: '0.5'",
            "actors.russia.clout",
            "a number was probably meant: write it without quotes, as 0.5",
        ),
        ("clout: {dist: uniform, low: '0.1', high: 0.3}", "actors.russia.clout.low", "without quotes"),
    ],
)
def test_text_that_looks_like_a_number_gets_a_hint(
    write_scenario: Write, text: str, where: str, hint: str
) -> None:
    path = _russia(write_scenario, text)
    message = refusal(path)
    assert f": {where}: expected a number" in message and "hint: " in message and hint in message, message


def test_an_exponent_without_a_point_gets_a_hint_in_run_settings_and_ranges(write_scenario: Write) -> None:
    path = write_scenario(
        f"extends: {FLAGSHIP}\nrun:\n  replications: 1e3\nexplore:\n  actors.russia.clout: [1e-1, 0.5]\n"
    )
    message = refusal(path)
    assert "run.replications: expected a whole number, got '1e3'" in message and "write 1000" in message
    path = write_scenario(f"extends: {FLAGSHIP}\nexplore:\n  actors.russia.clout: [1e-1, 0.5]\n")
    message = refusal(path)
    assert "explore.actors.russia.clout[0]: expected a number, got '1e-1'" in message
    assert "write 1.0e-1" in message


@pytest.mark.parametrize(
    "section, text, expected",
    [
        ("run", "replications: true", "run.replications: expected a whole number, got True"),
        ("run", "seed: no", "run.seed: expected a whole number, got False"),
        ("run", "rounds: '12'", "run.rounds: expected a whole number, got '12'"),
        ("dynamics", "patience: yes", "dynamics.patience: expected a whole number, got True"),
        ("dynamics", "shock_sd: {value: true}", "dynamics.shock_sd.value: expected a number, got True"),
        ("mechanisms", "costs: 1", "mechanisms.costs: expected true or false, got 1"),
        ("mechanisms", "shocks: 0.0", "mechanisms.shocks: expected true or false, got 0.0"),
        ("mechanisms", "walkout: 'yes'", "mechanisms.walkout: expected true or false, got 'yes'"),
        ("mediation", "ceasefire_first: 1", "mediation.ceasefire_first: expected true or false, got 1"),
    ],
)
def test_booleans_and_numbers_are_not_mistaken_for_each_other(
    write_scenario: Write, section: str, text: str, expected: str
) -> None:
    path = write_scenario(f"extends: {SNAPSHOT_2024}\n{section}:\n  {text}\n")
    message = refusal(path)
    assert message.startswith(f"{path}:3:") and f": {expected}" in message, message


def test_a_veto_must_be_true_or_false(write_scenario: Write) -> None:
    message = refusal(_russia(write_scenario, "veto: 1"))
    assert "actors.russia.veto: expected true or false, got 1" in message
    assert "hint: write true or false, without quotes" in message


def test_plain_decimal_numbers_still_read(write_scenario: Write) -> None:
    path = write_scenario(
        f"extends: {SNAPSHOT_2024}\nrun: {{replications: 20, rounds: +12, seed: 0}}\n"
        "dynamics: {shock_sd: 1.0e-2, perception_noise: .04, patience: 12}\n"
        "actors:\n  russia: {clout: 1, cost_of_war: 6.0E-3, veto: false}\n"
    )
    scenario = load_scenario(path).variants["base"]
    assert scenario.run.rounds == 12 and scenario.dynamics.shock_sd.value == 0.01
    assert (
        scenario.actors["russia"].clout.value == 1.0 and scenario.actors["russia"].cost_of_war.value == 0.006
    )


# --- 6. an actor listed twice --------------------------------------------------------------


@pytest.mark.parametrize(
    "mediation, where",
    [
        ("{mediators: [china, china], style: formulative}", "mediators[1]"),
        ("{mediators: [china, united_states, china], style: formulative}", "mediators[2]"),
        ("{pressing: [united_states, united_states]}", "pressing[1]"),
        ("{absent: [china, china]}", "absent[1]"),
    ],
)
def test_an_actor_listed_twice_is_refused(write_scenario: Write, mediation: str, where: str) -> None:
    path = write_scenario(f"extends: {FLAGSHIP}\nvariants:\n  twice:\n    mediation: {mediation}\n")
    message = refusal(path)
    assert message.startswith(f"{path}:4:"), message
    assert (
        f"variants.twice.mediation.{where}: actor `" in message
        and "is listed twice (first as item" in message
    )
    assert "hint: remove the repeated entry" in message


# --- 7. --out with control characters -------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "sensitivity", "discover"])
@pytest.mark.parametrize("name", ["two\nlines", "esc\x1b[2J", "cr\rhere", "tab\there"])
def test_out_with_a_control_character_is_refused(tmp_path: Path, command: str, name: str) -> None:
    target = tmp_path / name
    code, stdout, stderr = negsim_main(command, str(FLAGSHIP), *CHEAP, "--out", str(target))
    house_style(code, stderr)
    assert stderr.startswith(f"error: --out: {printable(str(target))}: contains the control character U+")
    assert "hint: choose a folder name" in stderr
    _no_raw_controls(stdout + stderr)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["two\nlines", "esc\x1b[2J"])
def test_rerun_out_with_a_control_character_is_refused(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    code, stdout, stderr = negsim_main("rerun", str(tmp_path / "any-result"), "--out", str(target))
    house_style(code, stderr)
    assert stderr.startswith(f"error: --out: {printable(str(target))}: contains the control character U+")
    _no_raw_controls(stdout + stderr)
    assert list(tmp_path.iterdir()) == []


def test_out_with_a_new_line_is_refused_by_the_real_command(tmp_path: Path) -> None:
    done = processes.negsim(
        "run", str(FLAGSHIP), *CHEAP, "--out", str(tmp_path / "x\nResults: /fake"), timeout=120
    )
    house_style(done.returncode, done.stderr)
    assert "contains the control character U+000A" in done.stderr and "Results:" not in done.stdout
    assert list(tmp_path.iterdir()) == []
