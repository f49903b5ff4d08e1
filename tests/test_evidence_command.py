"""`negsim evidence`: quotes checked against their sources, and a coverage table of each number's basis."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from sim.evidence.quotes import quote_found
from sim.scenario.loader import _read_with_extends
from tests.conftest import SCENARIOS, SNAPSHOT_2023, SNAPSHOT_2024, negsim_main

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
COMMON = SCENARIOS / "actors" / "_common.yaml"
SNAPSHOTS = [SNAPSHOT_2024, SNAPSHOT_2023]
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="source articles (../shared/seeds) not present")
QUOTE = re.compile(r'quote: "([^"]+)"')


def copy_snapshot(snapshot: Path, folder: Path) -> Path:
    """The snapshot and the common file it extends, copied into `folder`."""
    shutil.copy(COMMON, folder / COMMON.name)
    return Path(shutil.copy(snapshot, folder / snapshot.name))


def numbers_written(path: Path) -> int:
    """Numbers with a value or a distribution in the file and the files it extends, counted
    from the YAML itself."""
    data = _read_with_extends(path, chain=()).data

    def count(node: Any) -> int:
        if isinstance(node, dict):
            return 1 if ("value" in node or "dist" in node) else sum(count(v) for v in node.values())
        return 0

    return sum(
        count(data.get(key, {})) for key in ("actors", "status_quo", "dynamics", "mediation", "observed")
    )


@needs_seeds
@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: p.name)
def test_every_quote_of_a_snapshot_is_found(snapshot: Path) -> None:
    code, out, err = negsim_main("evidence", str(snapshot), "--sources", str(SEEDS))
    assert code == 0, err
    assert err == ""
    for heading in ("actor / section", "evidence", "inferred", "assumption", "bare number", "ukraine", "all"):
        assert heading in out
    assert re.search(r"(\d+) of \1 quotes found", out)


@needs_seeds
@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: p.name)
def test_a_changed_letter_is_named_by_line_and_column(snapshot: Path, tmp_path: Path) -> None:
    copy = copy_snapshot(snapshot, tmp_path)
    lines = copy.read_text(encoding="utf-8").splitlines(keepends=True)
    text = "".join(lines)
    # the first quote that occurs once in the file, with one letter changed
    number, line = next(
        (i, line)
        for i, line in enumerate(lines)
        if (q := QUOTE.search(line)) and text.count(f'"{q[1]}"') == 1
    )
    quote = QUOTE.search(line)[1]  # type: ignore[index]
    letter = next(i for i, c in enumerate(quote) if c.isalpha())
    changed = quote[:letter] + ("x" if quote[letter] != "x" else "y") + quote[letter + 1 :]
    assert not quote_found(changed, (SEEDS / "002_02375f62cba6ea1b.txt").read_text(encoding="utf-8"))
    lines[number] = line.replace(quote, changed)
    copy.write_text("".join(lines), encoding="utf-8")
    code, out, err = negsim_main("evidence", str(copy), "--sources", str(SEEDS))
    assert code == 2
    column = line.index("quote:") + 1
    assert f"{copy}:{number + 1}:{column}: " in err
    assert re.search(r"\.(evidence|context)\.quote: quote", err) and "is not in" in err
    assert len(err.strip().splitlines()) <= 2  # one message (and its hint) for one changed quote
    assert "actor / section" in out  # the table is still printed


@needs_seeds
def test_a_quote_cut_with_an_elision_is_found(tmp_path: Path) -> None:
    copy = copy_snapshot(SNAPSHOT_2024, tmp_path)
    text = copy.read_text(encoding="utf-8")
    whole = "We all want this war to end as soon as possible and in a just way"
    assert whole in text
    copy.write_text(text.replace(whole, "We all want this war to end … in a just way"), encoding="utf-8")
    assert negsim_main("evidence", str(copy), "--sources", str(SEEDS))[0] == 0


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: p.name)
def test_a_missing_source_file_names_the_source(snapshot: Path, tmp_path: Path) -> None:
    copy = copy_snapshot(snapshot, tmp_path)  # the articles are not beside the copy
    code, _, err = negsim_main("evidence", str(copy))
    assert code == 2
    assert "sources.scmp-2024-12.file: file" in err or "sources.epoch-2023-04.file: file" in err
    assert "does not exist" in err
    assert f"{tmp_path / COMMON.name}:" in err  # where the source is listed


@needs_seeds
@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: p.name)
def test_json_counts_add_up_to_the_numbers_of_the_file(snapshot: Path) -> None:
    code, out, err = negsim_main("evidence", str(snapshot), "--sources", str(SEEDS), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["problems"] == []
    (file,) = report["files"]
    written = numbers_written(snapshot)
    assert file["numbers"] == file["overall"]["total"] == sum(file["overall"]["counts"].values()) == written
    assert sum(group["total"] for group in file["groups"]) == written
    for group in file["groups"]:
        assert sum(group["counts"].values()) == group["total"]
    # every evidence number cites a quote; inferences may keep one as context, coders cite their own
    assert file["quotes"]["checked"] == file["quotes"]["found"] >= file["overall"]["counts"]["evidence"]
    assert file["unanchored"] == []  # every shipped evidence number names the anchor it supports
    assert {"ukraine", "russia", "united_states", "china"} <= {
        g["name"] for g in file["groups"] if g["actor"]
    }


def test_json_lists_the_problems(tmp_path: Path) -> None:
    copy = copy_snapshot(SNAPSHOT_2024, tmp_path)
    code, out, _ = negsim_main("evidence", str(copy), "--format", "json")
    assert code == 2
    problems = json.loads(out)["problems"]
    assert problems and all(
        p["line"] and p["column"] and p["key_path"].startswith("sources.") for p in problems
    )


ARTICLE = (
    "The minister said on Tuesday: \u201cWe won\u2019t give up a single village.\u201d\n"
    "Talks resume next month.\n"
)


def own_snapshot(
    folder: Path, quote: str, source_extra: str = "", number_extra: str = "", demand_basis: bool = False
) -> Path:
    """A snapshot of the user's own: it extends the common issues and quotes a new article. A first
    draft with bare numbers turns off the common file's `require_basis` unless `demand_basis`."""
    (folder / "minister.txt").write_text(ARTICLE, encoding="utf-8")
    fives = "{territory: 0.5, ceasefire: 0.5, security: 0.5, sanctions: 0.5, consent: 0.5}"
    party = f"""    role: party
    salience: {fives}
    clout: 0.5
    stubbornness: {{value: 0.6, assumption: "no sign of movement"}}
    batna: 0.6
    cost_of_war: 0.005
"""
    text = f"""extends: {COMMON}
name: my-snapshot
require_basis: {"true" if demand_basis else "false"}
sources:
  minister-2025:
    outlet: A Local Paper
    date: 2025-01-07
    headline: Minister rules out concessions
    file: minister.txt
{source_extra}status_quo: {{territory: 0.15, ceasefire: 0.0, security: 0.3, sanctions: 0.9, consent: 0.5}}
actors:
  ukraine:
    name: Ukraine
    position:
      territory: {{value: 0.95, evidence: {{source: minister-2025, quote: "{quote}", anchor: 1}}}}
      ceasefire: 0.5
      security: 0.5
      sanctions: 0.5
      consent: 0.5
{party}{number_extra}  russia:
    name: Russia
    position: {fives}
{party}"""
    path = folder / "my-snapshot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_users_own_article_end_to_end(tmp_path: Path) -> None:
    path = own_snapshot(tmp_path, "We won't give up a single village")
    code, out, err = negsim_main("evidence", str(path))
    assert code == 0, err
    assert "1 of 1 quotes found" in out
    code, out, _ = negsim_main("evidence", str(path), "--format", "json")
    counts = {g["name"]: g["counts"] for g in json.loads(out)["files"][0]["groups"]}
    assert counts["ukraine"]["evidence"] == 1 and counts["ukraine"]["assumption"] == 1
    assert counts["russia"]["bare"] == 13 and counts["status_quo"]["bare"] == 5


def test_a_bare_number_is_refused_where_the_common_file_demands_a_basis(tmp_path: Path) -> None:
    path = own_snapshot(tmp_path, "We won't give up a single village", demand_basis=True)
    code, _, err = negsim_main("evidence", str(path))
    assert code == 2
    lines = path.read_text().splitlines()
    clout = next(i for i, text in enumerate(lines, 1) if text.strip() == "clout: 0.5")
    assert f"{path}:{clout}:" in err and "actors.ukraine.clout: this number has no basis" in err
    assert "require_basis" in err and "assumption" in err  # what to write instead


def test_a_users_own_article_with_a_wrong_quote(tmp_path: Path) -> None:
    path = own_snapshot(tmp_path, "We will not give up a single village")
    code, _, err = negsim_main("evidence", str(path))
    assert code == 2
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "quote:" in text)
    assert f"{path}:{line}:" in err and "actors.ukraine.position.territory.evidence.quote" in err
    assert "the nearest passage reads: We won't give up a single village" in err
    assert (
        "single village." in err and "Talks" not in err
    )  # nothing of the article beyond the nearest passage


def test_a_source_that_is_not_text(tmp_path: Path) -> None:
    path = own_snapshot(tmp_path, "We won't give up a single village")
    (tmp_path / "minister.txt").write_bytes(b"\xff\xfe binary")
    code, _, err = negsim_main("evidence", str(path))
    assert code == 2 and "sources.minister-2025.file" in err and "is not UTF-8" in err
    (tmp_path / "minister.txt").unlink()
    (tmp_path / "minister.txt").mkdir()
    code, _, err = negsim_main("evidence", str(path))
    assert code == 2 and "is not a regular file" in err


DATA_SOURCE = """  survey:
    outlet: A survey
    date: 2025-01-01
    headline: Coded positions
{file}"""
DATA_NUMBER = "    trust: {{russia: {{value: 0.1, data: {{source: survey, row: 2, column: trust}}}}}}\n"


def test_a_data_source_is_checked_only_when_it_names_a_file(tmp_path: Path) -> None:
    quote = "We won't give up a single village"
    number = DATA_NUMBER.format()
    path = own_snapshot(tmp_path, quote, DATA_SOURCE.format(file=""), number)
    assert negsim_main("evidence", str(path))[0] == 0
    path = own_snapshot(tmp_path, quote, DATA_SOURCE.format(file="    file: survey.csv\n"), number)
    code, _, err = negsim_main("evidence", str(path))
    assert code == 2 and "sources.survey.file" in err and "survey.csv" in err
    (tmp_path / "survey.csv").write_text("actor,trust\nukraine,10\n", encoding="utf-8")
    code, out, _ = negsim_main("evidence", str(path), "--format", "json")
    assert code == 0 and json.loads(out)["files"][0]["overall"]["counts"]["data"] == 1


def test_every_path_of_a_comparison_is_checked_once(tmp_path: Path) -> None:
    copy = copy_snapshot(SNAPSHOT_2024, tmp_path)
    comparison = tmp_path / "paths.yaml"
    comparison.write_text(
        f"""extends: {copy.name}
name: two-paths
variants:
  quiet: {{}}
  loud:
    actors:
      russia:
        clout: {{value: 0.9, evidence: {{source: scmp-2024-12, quote: "Not in the article at all"}}}}
""",
        encoding="utf-8",
    )
    code, out, _ = negsim_main("evidence", str(comparison), "--sources", str(SEEDS), "--format", "json")
    assert code == 2
    file = json.loads(out)["files"][0]
    assert file["numbers"] == numbers_written(copy) + 1  # the path's own number, once
    messages = [p for p in json.loads(out)["problems"] if p["message"].startswith("quote")]
    if SEEDS.is_dir():
        assert [p["key_path"] for p in messages] == ["variants.loud.actors.russia.clout.evidence.quote"]
        assert messages[0]["line"] == 8


def test_sources_folder_must_exist(tmp_path: Path) -> None:
    code, _, err = negsim_main("evidence", str(SNAPSHOT_2024), "--sources", str(tmp_path / "none"))
    assert code == 2 and "does not exist" in err


def test_a_file_that_does_not_load_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n", encoding="utf-8")
    code, _, err = negsim_main("evidence", str(bad))
    assert code == 2 and "bad.yaml" in err


def test_an_observed_outcome_quote_is_checked(tmp_path: Path) -> None:
    quoted = '{value: 0.2, evidence: {source: minister-2025, quote: "We will not"}}'
    observed = f"observed:\n  territory: {quoted}\n"
    path = own_snapshot(tmp_path, "We won't give up a single village", source_extra=observed)
    code, out, _ = negsim_main("evidence", str(path), "--format", "json")
    assert code == 2
    (problem,) = json.loads(out)["problems"]
    assert problem["key_path"] == "observed.territory.evidence.quote"
    lines = path.read_text().splitlines()
    assert problem["line"] == next(i for i, text in enumerate(lines, 1) if "We will not" in text)
    groups = {g["name"]: g for g in json.loads(out)["files"][0]["groups"]}
    assert groups["observed"]["counts"]["evidence"] == 1 and not groups["observed"]["actor"]
