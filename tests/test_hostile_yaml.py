"""YAML written to hurt: each is refused for its documented reason, in bounded time and memory.

Alias bombs, deep nesting, huge files, code-running tags, merge keys, several documents,
numbers no float can hold, NaN, keys or strings of a million characters, and text that the
terminal or the plots would interpret (markup, emoji codes, `$` signs). The limits are
those of docs/scenario-format.md, "Safety limits". Time bounds are loose safety nets (a
refusal that took a minute would be a bug); the assertions that matter are the reasons.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.errors import NegsimError
from sim.scenario.loader import MAX_EXTENDS, MAX_RESOLVED_VALUES, load_scenario
from sim.scenario.yaml_source import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, read_yaml
from tests import processes
from tests.conftest import FLAGSHIP, SAFETY_NET_SECONDS, SNAPSHOT_2024, negsim_main, refusal

Write = Callable[..., Path]


def located(message: str, path: Path) -> str:
    """The message must start with file:line:col; return the rest."""
    prefix = f"{path}:"
    assert message.startswith(prefix), message
    line, column, rest = message[len(prefix) :].split(":", 2)
    assert line.isdigit() and column.isdigit(), message
    return rest


_DRIVER = """
import resource, sys, time
from sim import cli
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.argv = ["negsim", "validate", sys.argv[1]]
start = time.perf_counter()
try:
    cli.main()
    code = 0
except SystemExit as exc:
    code = exc.code
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before  # KiB on Linux, bytes on macOS
grown *= 1 if sys.platform == "darwin" else 1024
print(code, grown, time.perf_counter() - start, file=sys.__stdout__)
"""


def validate_measured(path: Path) -> tuple[int, int, float, str]:
    """`negsim validate` in its own process: exit status, growth of peak memory in bytes after
    start-up, seconds spent, stderr."""
    done = processes.run([sys.executable, "-c", _DRIVER, str(path)], timeout=120)
    code, grown, seconds = done.stdout.split()
    return int(code), int(grown), float(seconds), done.stderr


# --- size --------------------------------------------------------------------------------


@pytest.mark.slow  # megabytes written and parsed: seconds
def test_a_100_mb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:  # sparse: costs no disk, but is 100 MB to anyone reading it
        handle.write(b"name: huge\n# ")
        handle.truncate(100 * 1024 * 1024)
    code, grown, seconds, stderr = validate_measured(path)
    assert code == 2 and stderr.startswith(f"error: {path}: is larger than {MAX_FILE_BYTES:,} bytes")
    assert grown < 30 * 1024 * 1024, f"peak memory grew by {grown:,} bytes"  # the file is 104,857,600
    assert seconds < SAFETY_NET_SECONDS


def test_a_file_just_under_the_size_limit_is_read(write_scenario: Write) -> None:
    """5 MiB of comments is a legal file: it is read, and refused only for what it lacks."""
    text = "# " + "x" * 77 + "\n"
    path = write_scenario(text * (MAX_FILE_BYTES // len(text) - 1) + "name: only-a-name\n")
    assert "issues: required key is missing" in refusal(path)


@pytest.mark.slow  # megabytes written and parsed: seconds
def test_a_5_mb_flat_list_stops_at_the_value_limit(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("a: [" + ",".join(["1"] * (MAX_FILE_BYTES // 2 - 10)) + "]\n")
    code, grown, seconds, stderr = validate_measured(path)
    assert code == 2 and f"document holds more than {MAX_NODES:,} values" in stderr
    assert stderr.startswith(f"error: {path}:1:")
    assert grown < 150 * 1024 * 1024 and seconds < SAFETY_NET_SECONDS


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert "is not a regular file" in refusal(fifo)


# --- aliases -----------------------------------------------------------------------------


def _laughs(levels: int, as_mapping: bool) -> str:
    if as_mapping:
        lines = ["a0: &a0 {" + ", ".join(f"k{j}: lol" for j in range(10)) + "}"]
        lines += [
            f"a{i}: &a{i} {{{', '.join(f'k{j}: *a{i - 1}' for j in range(10))}}}" for i in range(1, levels)
        ]
    else:
        lines = ["a0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
        lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("as_mapping", [False, True], ids=["lists", "mappings"])
def test_billion_laughs_is_refused_after_the_value_limit(write_scenario: Write, as_mapping: bool) -> None:
    path = write_scenario(_laughs(10, as_mapping))  # 10^10 values once expanded
    rest = located(refusal(path), path)
    assert f"document expands to more than {MAX_NODES:,} values (too many aliases or too large)" in rest


@pytest.mark.slow  # megabytes written and parsed: seconds
def test_billion_laughs_costs_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "lol.yaml"
    path.write_text(_laughs(10, as_mapping=False))
    code, grown, seconds, stderr = validate_measured(path)
    assert code == 2 and "document expands to more than" in stderr
    assert grown < 150 * 1024 * 1024 and seconds < SAFETY_NET_SECONDS


def test_aliases_that_stay_under_the_limit_are_fine(write_scenario: Write) -> None:
    """Anchors are allowed: a file may name a value once and reuse it."""
    path = write_scenario(
        f"extends: {SNAPSHOT_2024}\n"
        "dynamics:\n"
        "  perception_noise: &noise {value: 0.03, assumption: shared}\n"
        "  shock_sd: *noise\n"
    )
    dynamics = load_scenario(path).variants["base"].dynamics
    assert dynamics.shock_sd == dynamics.perception_noise and dynamics.shock_sd.value == 0.03


def test_an_alias_inside_its_own_anchor_is_refused(write_scenario: Write) -> None:
    path = write_scenario("a: &loop [1, *loop]\n")
    assert "alias *loop refers to a value that contains it" in located(refusal(path), path)


def test_an_undefined_alias_is_refused(write_scenario: Write) -> None:
    path = write_scenario("name: *nowhere\n")
    assert "alias *nowhere names no anchor" in located(refusal(path), path)


def test_aliases_cannot_nest_past_the_depth_limit(write_scenario: Write) -> None:
    deep = "[" * 40 + "1" + "]" * 40
    path = write_scenario(f"a: &deep {deep}\nb: {'[' * 30}*deep{']' * 30}\n")
    assert f"nested deeper than {MAX_DEPTH} levels (through aliases)" in located(refusal(path), path)


# --- nesting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "a: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n",
        "".join("  " * d + f"k{d}:\n" for d in range(200)) + "  " * 200 + "x: 1\n",
        "a:\n" + "".join("  " * d + "- \n" for d in range(1, 200)),
    ],
    ids=["flow-lists", "flow-mappings", "block-mappings", "block-lists"],
)
def test_deep_nesting_is_refused_at_the_depth_limit(write_scenario: Write, text: str) -> None:
    path = write_scenario(text)
    assert f"nested deeper than {MAX_DEPTH} levels" in located(refusal(path), path)


def test_the_depth_limit_is_exact(tmp_path: Path) -> None:
    """The top-level mapping is level 0; a value at level 64 is read, one at 65 is not."""
    at_limit = tmp_path / "at.yaml"
    at_limit.write_text("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")
    read_yaml(at_limit)
    beyond = tmp_path / "beyond.yaml"
    beyond.write_text("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n")
    with pytest.raises(NegsimError, match="nested deeper than 64 levels"):
        read_yaml(beyond)


# --- tags, merge keys, documents ----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['touch {canary}']",
        "!!python/object/new:os.system ['touch {canary}']",
        "!!python/name:os.system",
        "!!python/module:os",
        "!!python/tuple [1, 2]",
        "!!python/object:collections.OrderedDict {{}}",
        "!!binary aGVsbG8=",
        "!!set {{a, b}}",
        "!!omap [a: 1]",
        "!foo bar",
        "!<tag:example.com,2000:app/thing> x",
    ],
)
def test_tags_that_are_not_plain_data_are_refused(tmp_path: Path, value: str) -> None:
    canary = tmp_path / "pwned"
    path = tmp_path / "tagged.yaml"
    path.write_text(f"name: x\ndynamics:\n  influence_rate: {value.format(canary=canary)}\n")
    rest = located(refusal(path), path)
    assert rest.startswith(" dynamics.influence_rate: tag ") and "is not allowed in scenario files" in rest
    assert not canary.exists()


def test_a_tag_on_a_key_is_refused(write_scenario: Write) -> None:
    path = write_scenario("? !!python/name:os.system\n: 1\n")
    assert "tag tag:yaml.org,2002:python/name:os.system is not allowed" in located(refusal(path), path)


def test_a_collection_as_a_key_is_refused(write_scenario: Write) -> None:
    path = write_scenario("? [a, b]\n: 1\n")
    assert "mapping keys must be plain names" in located(refusal(path), path)


def test_merge_keys_are_refused(write_scenario: Write) -> None:
    path = write_scenario("base: &b {clout: 0.5}\nactors:\n  russia:\n    <<: *b\n")
    message = refusal(path)
    assert message.startswith(f"{path}:4:5: actors.russia: YAML merge keys (<<) are not supported")
    assert "use `extends:`" in message


@pytest.mark.parametrize(
    "text",
    ["name: a\n---\nname: b\n", "a: &x 1\n---\nb: *x\n", "name: a\n...\n---\nname: b\n"],
    ids=["two-documents", "anchor-across-documents", "explicit-end"],
)
def test_more_than_one_document_is_refused(write_scenario: Write, text: str) -> None:
    path = write_scenario(text)
    message = refusal(path)
    assert "holds more than one YAML document" in located(message, path)
    assert "remove the `---` line" in message


# --- numbers -----------------------------------------------------------------------------


def _russia(write_scenario: Write, key: str, value: str) -> Path:
    return write_scenario(f"extends: {SNAPSHOT_2024}\nactors:\n  russia:\n    {key}: {value}\n")


@pytest.mark.parametrize(
    "key, value, reason",
    [
        ("clout", ".nan", "expected a finite number, got nan"),
        ("clout", ".inf", "expected a finite number, got inf"),
        ("cost_of_war", ".inf", "expected a finite number, got inf"),
        ("cost_of_war", "-.inf", "expected a finite number, got -inf"),
        ("clout", "1.0e+400", "expected a finite number, got inf"),
        ("clout", "1" + "0" * 400, "expected a finite number"),
        ("clout", "1" + "0" * 5000, "a whole number of 5,001 characters is too long to read"),
        ("clout", "{dist: normal, mean: 0.5, sd: .nan}", "input should be a finite number"),
        ("clout", "{dist: normal, mean: 0.5, sd: .inf}", "input should be a finite number"),
        ("clout", "{dist: beta, a: .inf, b: 1}", "input should be a finite number"),
        ("clout", "{value: 0.5, spread: .nan}", "input should be a finite number"),
        ("clout", "{value: 1.0e+999}", "input should be a finite number"),
        ("clout", "100000000000000000000000000000", "expected a number in [0, 1], got 1e+29"),
    ],
)
def test_numbers_no_model_can_use_are_refused(
    write_scenario: Write, key: str, value: str, reason: str
) -> None:
    path = _russia(write_scenario, key, value)
    rest = located(refusal(path), path)
    assert f"actors.russia.{key}" in rest and reason in rest


def test_huge_integers_in_run_settings_are_out_of_range(write_scenario: Write) -> None:
    path = write_scenario(f"extends: {SNAPSHOT_2024}\nrun:\n  rounds: {10**30}\n  replications: -{10**30}\n")
    message = refusal(path)
    assert "run.rounds: input should be less than or equal to 10000" in message
    assert "run.replications: input should be greater than or equal to 1" in message


def test_a_huge_seed_is_harmless_and_accepted(write_scenario: Write) -> None:
    path = write_scenario(f"extends: {SNAPSHOT_2024}\nrun:\n  seed: {10**50}\n")
    assert load_scenario(path).variants["base"].run.seed == 10**50


def test_nan_and_inf_are_refused_in_explore_ranges(write_scenario: Write) -> None:
    path = write_scenario(
        f"extends: {FLAGSHIP}\nexplore:\n  actors.russia.cost_of_war: [0.0, .inf]\n"
        "  actors.russia.clout: {low: .nan, high: 0.5}\n"
    )
    message = refusal(path)
    assert "explore.actors.russia.cost_of_war[1]: input should be a finite number" in message
    assert "explore.actors.russia.clout.low: input should be a finite number" in message


def test_a_date_that_does_not_exist_is_refused(write_scenario: Write) -> None:
    path = write_scenario(
        f"extends: {SNAPSHOT_2024}\nsources:\n  x: {{outlet: a, headline: b, date: 2024-13-45}}\n"
    )
    assert "'2024-13-45' is not a valid timestamp" in located(refusal(path), path)


# --- long keys and strings ----------------------------------------------------------------


def test_a_long_explicit_key_is_refused_with_a_short_message(write_scenario: Write) -> None:
    path = write_scenario(f"extends: {SNAPSHOT_2024}\n? {'k' * 1_000_000}\n: 1\n")
    message = refusal(path)
    assert "unknown key" in located(message, path) and len(message) < 1_000


def test_a_long_plain_key_gets_the_yaml_limit_as_hint(write_scenario: Write) -> None:
    path = write_scenario(f"{'k' * 2000}: 1\n")
    message = refusal(path)
    assert "invalid YAML" in located(message, path) and "a key may be at most 1024 characters long" in message


def test_a_long_string_where_a_number_belongs_is_shown_shortened(write_scenario: Write) -> None:
    path = _russia(write_scenario, "clout", "x" * 1_000_000)
    message = refusal(path)
    assert "expected a number or a distribution, got 'xxx" in message and len(message) < 1_000


def test_a_long_description_is_harmless(write_scenario: Write) -> None:
    path = write_scenario(f"extends: {FLAGSHIP}\ntitle: '{'word ' * 800_000}'\n")
    start = time.perf_counter()
    loaded = load_scenario(path)
    assert time.perf_counter() - start < SAFETY_NET_SECONDS
    assert len(next(iter(loaded.variants.values())).title) == 4_000_000


def test_control_characters_are_refused_with_their_place(write_scenario: Write) -> None:
    path = write_scenario("name: ok\ntitle: bell\x07here\n")
    message = refusal(path)
    assert message.startswith(f"{path}:2:12: contains the control character U+0007")


def test_a_byte_order_mark_is_harmless(write_scenario: Write) -> None:
    path = write_scenario(f"\ufeffextends: {SNAPSHOT_2024}\n")
    assert load_scenario(path).name == "snapshot-2024-12"


# --- sizes that add up --------------------------------------------------------------------


def test_a_long_extends_chain_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f0.yaml").write_text("name: chain\n")
    for i in range(1, MAX_EXTENDS + 4):
        (tmp_path / f"f{i}.yaml").write_text(f"extends: f{i - 1}.yaml\n")
    with pytest.raises(NegsimError) as caught:
        load_scenario(tmp_path / f"f{MAX_EXTENDS + 3}.yaml")
    # the file whose `extends:` would make the chain too long, at that line
    last = tmp_path / "f4.yaml"
    assert str(caught.value).startswith(
        f"{last}:1:1: extends: `extends:` chains more than {MAX_EXTENDS} files"
    )


def test_files_in_a_chain_share_one_value_limit(tmp_path: Path) -> None:
    half = "\n".join(f"k{i}: 1" for i in range(MAX_NODES // 2 + 10))
    (tmp_path / "parent.yaml").write_text(half + "\n")
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\n" + half.replace("k", "j") + "\n")
    message = refusal(child)
    assert f"with the files it extends, this file holds more than {MAX_NODES:,} values" in message


def test_many_paths_over_a_large_base_are_refused_before_validation(write_scenario: Write) -> None:
    sources = "".join(f"  s{i}: {{outlet: a, date: b, headline: c}}\n" for i in range(12_000))
    variants = "".join(f"  v{i}: {{}}\n" for i in range(6))
    path = write_scenario(f"extends: {SNAPSHOT_2024}\nsources:\n{sources}variants:\n{variants}")
    message = refusal(path)
    assert f"values to check; the limit is {MAX_RESOLVED_VALUES:,}" in located(message, path)


def test_a_file_with_thousands_of_problems_lists_twelve_quickly(write_scenario: Write) -> None:
    unknown = "".join(f"      t{i}: 0.5\n" for i in range(50_000))
    path = write_scenario(f"extends: {SNAPSHOT_2024}\nactors:\n  russia:\n    position:\n{unknown}")
    message = refusal(path)
    assert message.count("unknown issue") == 12
    assert message.splitlines()[-1] == "... and at least 88 more problems"


# --- text that other tools would interpret -------------------------------------------------


def _negsim(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return negsim_main(*args)


def test_markup_and_emoji_codes_in_keys_are_printed_as_written(
    write_scenario: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario('"[bold]x[/red]": 1\n":thumbs_up:": 2\n')
    code, _, stderr = _negsim(["validate", str(path)], capsys)
    assert code == 2 and "Traceback" not in stderr
    assert f"{path}:1:1: [bold]x[/red]: unknown key" in stderr
    assert f"{path}:2:1: :thumbs_up:: unknown key" in stderr


def test_markup_in_sources_is_shown_not_interpreted(
    write_scenario: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(
        f"extends: {SNAPSHOT_2024}\nsources:\n"
        '  scmp-2024-12: {outlet: "[/bold]", date: 2024-12-09, headline: "[red]x[/blue]"}\n'
    )
    code, stdout, stderr = _negsim(["show", str(path)], capsys)
    assert code == 0, stderr
    assert "scmp-2024-12: [/bold], 2024-12-09: [red]x[/blue]" in stdout


def test_ids_with_markup_or_dots_are_refused(write_scenario: Write) -> None:
    path = write_scenario(
        f"extends: {SNAPSHOT_2024}\nissues:\n  '[/t]': {{label: a, low: b, high: c}}\n"
        "  land.sea: {label: a, low: b, high: c}\n"
    )
    message = refusal(path)
    assert "issues.[/t]: `[/t]` is not a valid id" in message
    assert "issues.land.sea: `land.sea` is not a valid id" in message


def test_dollar_signs_in_labels_are_drawn_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Plots must not read a label as TeX: `$\\foo{$` is text, not a formula that fails to parse."""
    path = tmp_path / "dollars.yaml"
    path.write_text(
        f"extends: {FLAGSHIP}\nvariants:\n  no_mediation:\n    label: '$\\foo{{$ costs $5 bn'\n"
        "issues:\n  territory:\n    label: '$^^$'\n"
    )
    out = tmp_path / "out"
    code, _, stderr = _negsim(
        ["run", str(path), "--runs", "2", "--rounds", "2", "--workers", "1", "--out", str(out)], capsys
    )
    assert code == 0, stderr
    assert sorted(p.name for p in (out / "plots").glob("*.png")) == [
        "agreement.png",
        "durations.png",
        "events.png",
        "survival.png",
        "terms.png",
        "trajectories.png",
    ]
