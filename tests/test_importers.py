"""`negsim import`: published cases become scenario files that validate and run, every number
equal to its cell and citing it; malformed files are refused with their line, nothing written."""

from __future__ import annotations

import csv
import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.errors import NegsimError
from sim.importers import bdm, deu, document, ktab, spatial
from sim.importers.document import nice_scale
from sim.importers.source import identifier
from sim.scenario.loader import load_scenario
from sim.scenario.references import check_id
from tests import processes
from tests.conftest import negsim_main

FIXTURES = Path(__file__).parent / "data" / "validation"
KTAB = FIXTURES / "ktab"
DEU_EXTRACT = FIXTURES / "deu" / "deu3-extract.tsv"
TANKERS = FIXTURES / "bdm" / "deu-tankers.csv"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "validation"
DEU_DEV = SHARED / "deu" / "deu3-dev.tsv"


def negsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return processes.negsim(*args, cwd=cwd, timeout=180)


def documents(folder: Path) -> dict[str, dict[str, Any]]:
    """Every scenario file under `folder` (relative path -> parsed YAML)."""
    return {
        p.relative_to(folder).as_posix(): yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted(folder.rglob("*.yaml"))
    }


def table(path: Path, delimiter: str) -> list[list[str]]:
    """The file's lines as cells, read independently of the importers (index 0 = line 1)."""
    with path.open(newline="", encoding="utf-8-sig") as stream:
        return [[cell.strip() for cell in row] for row in csv.reader(stream, delimiter=delimiter)]


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir()) if parent.exists() else []


# --- KTAB ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "actors", "dimensions"),
    [("SOE-Policy.csv", 26, 1), ("SOE-Competitive.csv", 34, 1), ("dummyData_3Dim.csv", 7, 3)],
)
def test_ktab_csv_imports_and_every_file_validates(
    tmp_path: Path, name: str, actors: int, dimensions: int
) -> None:
    done = negsim("import", "ktab", str(KTAB / name), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    written = documents(tmp_path / "out")
    assert list(written) == [f"{Path(name).stem}.yaml"]
    loaded = load_scenario(tmp_path / "out" / f"{Path(name).stem}.yaml")
    scenario = loaded.variants["base"]
    assert len(scenario.actors) == actors and len(scenario.issues) == dimensions
    assert {a.role for a in scenario.actors.values()} == {"stakeholder"}
    assert scenario.decision_rule.rule == "weighted_majority" and scenario.mediation.chair
    report = json.loads((tmp_path / "out" / document.REPORT).read_text())
    assert report["counts"] == {"actors": actors, "issues": dimensions, "files": 1}


def test_ktab_csv_numbers_equal_their_cells_and_cite_them() -> None:
    path = KTAB / "SOE-Policy.csv"
    doc = spatial.to_scenario(ktab.read_ktab(path), name="soe")
    lines = table(path, ",")
    header = lines[1]
    influence = {row[0]: float(row[2]) for row in lines[2:] if row and row[0]}
    largest = max(influence.values())
    assert len(doc["actors"]) == 26
    for number, row in enumerate(lines[2:], start=3):
        actor = doc["actors"][row[0]]
        position = actor["position"]["policy"]
        assert position["value"] == float(row[3])
        assert position["data"] == {
            "source": "ktab",
            "row": number,
            "column": header[3],
            "note": "as given, on the issue's scale",
        }
        salience = actor["salience"]["policy"]
        assert salience["value"] == pytest.approx(float(row[4]) / 100)
        assert (salience["data"]["row"], salience["data"]["column"]) == (number, header[4])
        assert salience["data"]["note"] == f"{row[4]} of 100, divided by 100"
        assert actor["clout"]["value"] == pytest.approx(float(row[2]) / largest, abs=1e-6)
        assert actor["votes"] == {
            "value": float(row[2]),
            "spread": 0,
            "data": {
                "source": "ktab",
                "row": number,
                "column": header[2],
                "note": "the capability as vote weight",
            },
        }
        assert actor["stubbornness"]["assumption"]
    assert doc["issues"]["policy"]["scale"] == {"low": 0, "high": 100}
    assert doc["status_quo"]["policy"]["value"] == 50 and "assumption" in doc["status_quo"]["policy"]


def test_ktab_dimension_names_come_from_the_header() -> None:
    case = ktab.read_ktab(KTAB / "dummyData_3Dim.csv")
    assert [issue.id for issue in case.issues] == ["pstn1", "pstn2", "pstn3"]
    actor = case.actors[2]
    assert actor.id == "SActor-02" and actor.positions["pstn3"].value == 0.07
    assert actor.saliences["pstn2"].column == "Sal2" and actor.saliences["pstn2"].line == 5


def test_the_ktab_xml_example_is_refused_where_its_position_is_blank(tmp_path: Path) -> None:
    """KTAB left Alice's first coordinate empty to test its own error handling: refused, with
    the line, and a way forward."""
    done = negsim("import", "ktab", str(KTAB / "smpExample.xml"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert "smpExample.xml:32: Actor Alice: Position/dCoord 1: no position: the cell is blank" in done.stderr
    assert "--missing midpoint" in done.stderr
    assert leftovers(tmp_path) == []


def test_the_ktab_xml_example_imports_with_the_blank_as_an_assumption(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = negsim("import", "ktab", str(KTAB / "smpExample.xml"), "--missing", "midpoint", "--out", str(out))
    assert done.returncode == 0, done.stderr
    [(name, doc)] = documents(out).items()
    load_scenario(out / name)
    alice, bob = doc["actors"]["Alice"], doc["actors"]["Bob"]
    assert alice["position"]["firstdim"]["value"] == 50
    assert "line 32" in alice["position"]["firstdim"]["assumption"]
    xml_lines = (KTAB / "smpExample.xml").read_text(encoding="utf-8-sig").splitlines()
    cell = bob["position"]["firstdim"]
    assert cell["value"] == 15.9
    assert xml_lines[cell["data"]["row"] - 1].strip() == "<dCoord>15.9</dCoord>"
    capability = bob["clout"]["data"]["row"]
    assert xml_lines[capability - 1].strip() == "<capability>93.2</capability>"
    assert bob["clout"]["value"] == pytest.approx(93.2 / 135.4, abs=1e-6)
    assert bob["salience"]["yadn"]["value"] == pytest.approx(0.265)
    assert [issue["scale"] for issue in doc["issues"].values()] == [{"low": 0, "high": 100}] * 3
    # KTAB's own settings are recorded, not used
    assert (
        "VotingRule=PropCbc" in doc["description"] and "prngSeed=03507583219545544127" in doc["description"]
    )
    assert "Bob towards Alice 0.07" in doc["description"]
    assert "read as 0..100" in doc["issues"]["firstdim"]["description"]


def test_ktab_xml_positions_on_0_to_1_are_detected_and_said(tmp_path: Path) -> None:
    text = (KTAB / "smpExample.xml").read_text(encoding="utf-8-sig")
    text = text.replace("<dCoord></dCoord>", "<dCoord>52.8</dCoord>")
    for value in (
        "52.8",
        "39.8",
        "39.6",
        "15.9",
        "61.4",
        "72.0",
        "61.1",
        "86.5",
        "44.5",
        "26.3",
        "16.5",
        "73.3",
    ):
        text = text.replace(f"<dCoord>{value}</dCoord>", f"<dCoord>{float(value) / 100:.3f}</dCoord>")
    path = tmp_path / "unit.xml"
    path.write_text(text, encoding="utf-8")
    case = ktab.read_ktab(path)
    assert {(issue.low, issue.high) for issue in case.issues} == {(0.0, 1.0)}
    assert "read as 0..1" in case.issues[0].scale_note
    doc = spatial.to_scenario(case, name="unit")
    assert doc["actors"]["Alice"]["position"]["firstdim"]["value"] == 0.528
    assert doc["status_quo"]["firstdim"]["value"] == 0.5
    document.write_files([document.ScenarioFile(Path("unit.yaml"), doc, "test")], tmp_path / "o", {}, path)
    load_scenario(tmp_path / "o" / "unit.yaml")


# --- Bueno de Mesquita-style tables -------------------------------------------------------


def test_bdm_table_imports_one_scenario_per_issue(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = negsim("import", "bdm", str(TANKERS), "--per-issue", "--out", str(out))
    assert done.returncode == 0, done.stderr
    written = documents(out)
    assert sorted(written) == ["deu-tankers-d00067i1.yaml", "deu-tankers-d00067i2.yaml"]
    for name in written:
        load_scenario(out / name)
    lines = table(TANKERS, ",")
    first = written["deu-tankers-d00067i1.yaml"]
    assert len(first["actors"]) == 15 and len(written["deu-tankers-d00067i2.yaml"]["actors"]) == 14
    for number, row in enumerate(lines[1:], start=2):
        doc = written[f"deu-tankers-{row[0]}.yaml"]
        actor = doc["actors"][row[1]]
        assert actor["name"] == row[2]
        position = actor["position"][row[0]]
        assert position["value"] == float(row[4])
        assert (position["data"]["row"], position["data"]["column"]) == (number, "Position")
        assert actor["salience"][row[0]]["value"] == pytest.approx(float(row[5]) / 100)
        assert actor["votes"]["value"] == float(row[3])
    assert first["issues"]["d00067i1"]["scale"] == {"low": 0, "high": 100}
    assert "smallest range of round numbers" in first["issues"]["d00067i1"]["description"]


def test_bdm_table_with_an_actor_missing_on_an_issue_needs_per_issue(tmp_path: Path) -> None:
    done = negsim("import", "bdm", str(TANKERS), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "deu-tankers.csv:3: actor `ep` has no row for issue `d00067i2`" in done.stderr
    assert "--per-issue" in done.stderr and leftovers(tmp_path) == []


def test_bdm_single_issue_scale_and_salience_detection(tmp_path: Path) -> None:
    path = tmp_path / "emissions.csv"
    path.write_text(
        "ACTOR,Capability,Position,SALIENCE,description,notes\n"
        "us,100,4.2,0.9,United States,x\n"
        "eu,80,9.6,0.8,European Union,\n"
        "cn,90,6,0.5,China,\n",
        encoding="utf-8",
    )
    case = bdm.read_bdm(path)
    [issue] = case.issues
    assert (issue.low, issue.high) == (4.0, 10.0)
    assert "4.2 to 9.6" in issue.scale_note
    assert case.salience_scale == 1.0 and "Columns not read: notes." in case.notes
    doc = spatial.to_scenario(case, name="emissions")
    assert doc["actors"]["us"]["name"] == "United States"
    assert doc["actors"]["us"]["salience"]["issue"] == {
        "value": 0.9,
        "data": {"source": "bdm", "row": 2, "column": "SALIENCE", "note": "0.9, a share (0..1) as given"},
    }
    assert doc["status_quo"]["issue"]["value"] == 7
    given = bdm.read_bdm(path, low=0, high=12, unit="years")
    assert (given.issues[0].low, given.issues[0].high, given.issues[0].unit) == (0, 12, "years")
    with pytest.raises(NegsimError, match=r"position 9.6 is outside the scale \[0, 8\]") as caught:
        bdm.read_bdm(path, low=0, high=8)
    assert caught.value.problems[0].line == 3
    out = tmp_path / "out"
    done = negsim(
        "import", "bdm", str(path), "--low", "0", "--high", "12", "--status-quo", "5", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    doc = documents(out)["emissions.yaml"]
    assert doc["issues"]["issue"]["scale"] == {"low": 0, "high": 12}
    assert doc["status_quo"]["issue"]["value"] == 5
    load_scenario(out / "emissions.yaml")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([4.2, 9.6], (4, 10)),
        ([12, 87], (10, 90)),
        ([0, 100], (0, 100)),
        ([0.2, 0.85], (0.2, 0.9)),
        ([5, 5], (4, 6)),
    ],
)
def test_positions_widen_to_round_numbers(values: list[float], expected: tuple[float, float]) -> None:
    assert nice_scale(values) == pytest.approx(expected)


# --- DEU -----------------------------------------------------------------------------------


def test_read_deu_gives_typed_issues_with_their_lines() -> None:
    issues = deu.read_deu(DEU_EXTRACT)
    assert len(issues) == 15
    first = issues[0]
    assert (first.proposal, first.issue, first.title, first.procedure, first.voting) == (
        "d00062",
        "d00062i1",
        "landmines",
        "COD",
        "QMV",
    )
    assert first.line == 3 and first.capability_line == 2
    assert first.rp is None and first.out == 90
    assert first.positions["com"] == 100 and first.saliences["at"] == 20 and first.positions["fr"] == 0
    assert "bu" not in first.positions  # blank: no position
    assert first.capabilities["de"] == 4.1 and first.capabilities["mt"] == 0.02
    assert first.member_states == ["at", "be", "fr", "de", "ie", "lu", "nl", "pt", "es"]
    by_id = {issue.issue: issue for issue in issues}
    assert by_id["d05127i2"].voting == "Unan" and by_id["d05127i2"].out is None
    assert by_id["n98189i2"].voters == ["com", "de"]  # one member state: the Commission votes too
    assert by_id["d04156i1"].saliences["el"] is None and by_id["d04156i1"].positions["el"] is not None


@pytest.mark.slow  # about 2 s
def test_deu_import_writes_a_validating_file_per_issue(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = negsim("import", "deu", str(DEU_EXTRACT), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "15 issues of 7 proposals -> 15 files; 7 without rp" in done.stdout
    written = documents(out)
    assert len(written) == 15 and "d00062/d00062i1.yaml" in written
    for name in written:
        load_scenario(out / name)
    lines = table(DEU_EXTRACT, "\t")
    header = lines[0]
    for doc in written.values():
        issue = doc["name"]
        row_number = next(n for n, row in enumerate(lines, 1) if len(row) > 4 and row[4] == issue)
        row = dict(zip(header, lines[row_number - 1], strict=True))
        for actor_id, actor in doc["actors"].items():
            position = actor["position"][issue]
            assert position["value"] == float(row["p" + actor_id])
            assert (position["data"]["row"], position["data"]["column"]) == (row_number, "p" + actor_id)
            assert actor["role"] == "stakeholder"
        states = [a for a in doc["actors"] if a not in ("com", "ep")]
        if row["counvte"].startswith("QMV"):
            assert doc["decision"]["rule"] == "qualified_majority" and doc["decision"]["threshold"] == 0.74
            for state in doc["decision"]["voters"]:
                votes = doc["actors"][state]["votes"]
                assert votes["value"] == float(lines[1][header.index("p" + state)]) and votes["spread"] == 0
        else:
            assert doc["decision"]["rule"] == "unanimity"
        assert doc["decision"]["voters"] == (states if len(states) >= 2 else ["com", *states])
        status_quo = doc["status_quo"][issue]
        if row["rp"]:
            assert status_quo["value"] == float(row["rp"]) and status_quo["data"]["column"] == "rp"
        else:
            assert status_quo["value"] == 50 and "rp not coded" in status_quo["assumption"]
        if row["out"]:
            assert doc["observed"][issue]["value"] == float(row["out"])
            assert doc["observed"][issue]["data"] == {
                "source": "deu3",
                "row": row_number,
                "column": "out",
                "note": "the outcome, as coded",
            }
        else:
            assert "observed" not in doc
        assert doc["sources"]["deu3"]["file"] == "deu3-extract.tsv"
        assert "10.34810/data53" in doc["sources"]["deu3"]["outlet"]
        assert "not part of DEU" in doc["sources"]["deu3-capability"]["outlet"]
    blank = written["d04156/d04156i1.yaml"]["actors"]["el"]["salience"]["d04156i1"]
    assert blank["value"] == 0.5 and "salience not coded" in blank["assumption"]
    report = json.loads((out / document.REPORT).read_text())
    assert report["counts"]["without_rp"] == 7 and report["counts"]["with_observed_outcome"] == 14
    assert "d00062i1" in report["without_rp"] and report["counts"]["salience_not_coded"] == 4


def test_deu_equal_capability(tmp_path: Path) -> None:
    [issue] = [i for i in deu.read_deu(DEU_EXTRACT) if i.issue == "d00067i1"]
    doc = deu.to_scenario(issue, capability="equal", threshold=0.7)
    assert "deu3-capability" not in doc["sources"] and doc["decision"]["threshold"] == 0.7
    for actor in doc["actors"].values():
        assert actor["clout"]["value"] == 1 and "assumption" in actor["clout"] and "votes" not in actor


def test_an_empty_folder_may_receive_the_import_but_a_full_one_is_never_overwritten(tmp_path: Path) -> None:
    issues = deu.read_deu(DEU_EXTRACT)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert len(deu.write_scenarios(issues, empty)) == 15
    done = negsim("import", "deu", str(DEU_EXTRACT), "--out", str(empty))
    assert done.returncode == 2 and "already exists; negsim never overwrites an import" in done.stderr
    assert len(documents(empty)) == 15


def test_a_file_that_does_not_validate_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issues = deu.read_deu(DEU_EXTRACT)

    def refuse(path: Path) -> None:
        if path.name == "d00184i2.yaml":
            raise NegsimError.single(str(path), "broken", key_path="actors")

    monkeypatch.setattr(document, "load_scenario", refuse)
    with pytest.raises(NegsimError) as caught:
        deu.write_scenarios(issues, tmp_path / "out")
    assert caught.value.problems[0].line == 9 and "does not validate" in caught.value.problems[0].message
    assert leftovers(tmp_path) == []


@pytest.mark.slow
@pytest.mark.skipif(not DEU_DEV.exists(), reason="../shared/validation/deu is not beside the clone")
def test_the_deu_dev_file_imports_all_237_issues(tmp_path: Path) -> None:
    out = tmp_path / "deu"
    done = negsim("import", "deu", str(DEU_DEV), "--out", str(out))
    assert done.returncode == 0, done.stderr
    written = documents(out)
    assert len(written) == 237
    assert len({name.split("/")[0] for name in written}) == 94
    for name in written:
        load_scenario(out / name)
    lines = table(DEU_DEV, "\t")
    out_column = lines[0].index("out")
    coded = {row[4]: float(row[out_column]) for row in lines[2:] if row[out_column]}
    observed = {
        doc["name"]: doc["observed"][doc["name"]]["value"] for doc in written.values() if "observed" in doc
    }
    assert observed == coded and len(coded) == 231
    report = json.loads((out / document.REPORT).read_text())
    assert report["counts"] == {
        "issues": 237,
        "proposals": 94,
        "files": 237,
        "without_rp": 80,
        "with_observed_outcome": 231,
        "salience_not_coded": 39,
    }


# --- refusals ------------------------------------------------------------------------------

KTAB_HEAD = "Case,a test case,3,1,\nActor,Description,Influence,Pos,Sal,\n"
KTAB_ROWS = "A,Alpha,100,20,60,\nB,Beta,50,80,40,\nC,Gamma,30,50,50,\n"
BDM_HEAD = "actor,capability,position,salience\n"
DEU_TEXT = (DEU_EXTRACT.read_text(encoding="utf-8")).splitlines(keepends=True)


def _deu(line: int, column: str, value: str) -> str:
    """The DEU extract with one cell changed (line 1 = the header)."""
    lines = list(DEU_TEXT)
    header = lines[0].rstrip("\n").split("\t")
    cells = lines[line - 1].rstrip("\n").split("\t")
    cells[header.index(column)] = value
    lines[line - 1] = "\t".join(cells) + "\n"
    return "".join(lines)


MALFORMED = [
    # (format, file name, content, line, words in the message)
    (
        "ktab",
        "cols.csv",
        KTAB_HEAD + "A,Alpha,100,20,\nB,Beta,50,80,40,\nC,Gamma,30,50,50,\n",
        3,
        "has 4 fields, expected 5",
    ),
    (
        "ktab",
        "word.csv",
        KTAB_HEAD + "A,Alpha,100,twenty,60,\nB,Beta,50,80,40,\nC,Gamma,30,50,50,\n",
        3,
        "Pos: expected a position, got 'twenty'",
    ),
    (
        "ktab",
        "neg.csv",
        KTAB_HEAD + "A,Alpha,100,20,60,\nB,Beta,-5,80,40,\nC,Gamma,30,50,50,\n",
        4,
        "Influence: expected a capability",
    ),
    ("ktab", "nohead.csv", "Case,a test case,3,1,\n" + KTAB_ROWS, 2, "holds numbers"),
    (
        "ktab",
        "range.csv",
        KTAB_HEAD + "A,Alpha,100,120,60,\nB,Beta,50,80,40,\nC,Gamma,30,50,50,\n",
        3,
        "from 0 to 100, got 120",
    ),
    (
        "ktab",
        "count.csv",
        KTAB_HEAD + "A,Alpha,100,20,60,\nB,Beta,50,80,40,\n",
        1,
        "announces 3 actors, but 2",
    ),
    ("bdm", "cols.csv", BDM_HEAD + "a,10,1,50\nb,20,2\nc,5,3,20\n", 3, "has 3 fields, expected 4"),
    ("bdm", "word.csv", BDM_HEAD + "a,10,1,50\nb,20,two,40\n", 3, "position: expected a position, got 'two'"),
    ("bdm", "neg.csv", BDM_HEAD + "a,10,1,50\nb,-20,2,40\n", 3, "capability: expected a capability"),
    ("bdm", "nohead.csv", "a,10,1,50\nb,20,2,40\n", 1, "should be the header, but it holds numbers"),
    ("bdm", "header.csv", "actor,capability,position\na,10,1\nb,20,2\n", 1, "has no column `salience`"),
    (
        "deu",
        "cols.tsv",
        "".join(DEU_TEXT[:4]) + DEU_TEXT[4].rstrip("\n") + "\t5\n",
        5,
        "has 76 tab-separated fields, expected 75",
    ),
    ("deu", "word.tsv", _deu(6, "pde", "high"), 6, "pde: expected a position, got 'high'"),
    ("deu", "neg.tsv", _deu(2, "pfr", "-2.8"), 2, "pfr: expected a capability"),
    ("deu", "rule.tsv", _deu(7, "counvte", "Majority"), 7, "expected the Council's voting rule QMV or Unan"),
    ("deu", "header.tsv", "".join(DEU_TEXT).replace("\trp\t", "\trefpoint\t", 1), 1, "has no column `rp`"),
    (
        "ktab",
        "doctype.xml",
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n]>\n'
        "<Scenario><name>&lol;</name></Scenario>\n",
        2,
        "document type declaration",
    ),
    (
        "ktab",
        "broken.xml",
        "<Scenario>\n<name>x</name>\n<Actors>\n</Scenario>\n",
        4,
        "is not well-formed XML: mismatched tag",
    ),
]


FRESH_PROCESS = ("ktab-word.csv", "bdm-cols.csv", "deu-neg.tsv", "ktab-doctype.xml")


def refuse(tmp_path: Path, kind: str, name: str, content: str, line: int, words: str, fresh: bool) -> None:
    """Import `content` as `name`: exit status 2, one message at FILE:LINE with a hint, no
    traceback, nothing written."""
    source = tmp_path / "in"
    source.mkdir()
    path = source / name
    path.write_text(content, encoding="utf-8")
    written = tmp_path / "written"
    written.mkdir()
    args = ("import", kind, str(path), "--out", str(written / "out"))
    if fresh:
        done = negsim(*args)
        code, stdout, stderr = done.returncode, done.stdout, done.stderr
    else:
        code, stdout, stderr = negsim_main(*args)
    assert code == 2, stdout + stderr
    assert stderr.startswith(f"error: {path}:{line}: "), stderr
    assert words in stderr and "\n    hint: " in stderr
    assert "Traceback" not in stderr and len(stderr.splitlines()) == 2
    assert leftovers(written) == []


@pytest.mark.parametrize(
    ("kind", "name", "content", "line", "words"), MALFORMED, ids=[f"{m[0]}-{m[1]}" for m in MALFORMED]
)
def test_malformed_input_is_refused_with_its_line_and_nothing_is_written(
    tmp_path: Path, kind: str, name: str, content: str, line: int, words: str
) -> None:
    refuse(tmp_path, kind, name, content, line, words, fresh=False)


@pytest.mark.parametrize(
    ("kind", "name", "content", "line", "words"),
    [m for m in MALFORMED if f"{m[0]}-{m[1]}" in FRESH_PROCESS],
    ids=list(FRESH_PROCESS),
)
def test_malformed_input_is_refused_by_the_negsim_command(
    tmp_path: Path, kind: str, name: str, content: str, line: int, words: str
) -> None:
    """The same refusals from `negsim` in a fresh process, one per format."""
    refuse(tmp_path, kind, name, content, line, words, fresh=True)


def test_a_missing_file_or_wrong_kind_is_refused(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    code, _, stderr = negsim_main("import", "deu", str(tmp_path / "nowhere.tsv"), "--out", out)
    assert code == 2 and "nowhere.tsv: file not found" in stderr
    other = tmp_path / "case.json"
    other.write_text("{}")
    code, _, stderr = negsim_main("import", "ktab", str(other), "--out", str(tmp_path / "out"))
    assert code == 2 and "does not end in .csv or .xml" in stderr
    binary = tmp_path / "case.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    code, _, stderr = negsim_main("import", "bdm", str(binary), "--out", str(tmp_path / "out"))
    assert code == 2 and "not valid UTF-8" in stderr
    assert leftovers(tmp_path) == ["case.csv", "case.json"]


# --- imported cases run ----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "source", "options"),
    [
        ("ktab", KTAB / "SOE-Policy.csv", []),
        ("ktab", KTAB / "SOE-Competitive.csv", []),
        ("ktab", KTAB / "smpExample.xml", ["--missing", "midpoint"]),
        ("bdm", TANKERS, ["--per-issue"]),
        ("deu", DEU_EXTRACT, []),
    ],
    ids=["SOE-Policy", "SOE-Competitive", "smpExample", "bdm", "deu"],
)
def test_imported_cases_run(tmp_path: Path, kind: str, source: Path, options: list[str]) -> None:
    out = tmp_path / "scenarios"
    done = negsim("import", kind, str(source), *options, "--out", str(out))
    assert done.returncode == 0, done.stderr
    files = sorted(out.rglob("*.yaml"))
    for file in files[:2]:
        result = tmp_path / f"run-{file.stem}"
        ran = negsim("run", str(file), "--runs", "50", "--workers", "1", "--no-plots", "--out", str(result))
        assert ran.returncode == 0, ran.stderr
        summary = json.loads((result / "summary.json").read_text())
        assert sum(summary["paths"]["base"]["outcomes"].values()) == pytest.approx(1.0)


@pytest.mark.slow  # about 2 s
def test_the_default_folder_is_under_scenarios_imported(tmp_path: Path) -> None:
    done = negsim("import", "ktab", str(KTAB / "dummyData_3Dim.csv"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "scenarios" / "imported" / "dummyData_3Dim" / "dummyData_3Dim.yaml").is_file()
    again = negsim("import", "ktab", str(KTAB / "dummyData_3Dim.csv"), cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_odd_characters_in_names_neither_break_lines_nor_the_yaml(tmp_path: Path) -> None:
    """U+0085 and U+2028 are line breaks to str.splitlines but not to the file's lines; YAML
    syntax and a bidirectional override in a cell stay text."""
    path = tmp_path / "odd.csv"
    path.write_text(
        "actor,description,capability,position,salience\n"
        "A\u202e,Evil\u0085name \u2028 x,10,1,50\n"
        '"B: [x]",{y: 1} & *z,20,2,40\n'
        "中国,China,30,3,oops\n",
        encoding="utf-8",
    )
    with pytest.raises(NegsimError) as caught:
        bdm.read_bdm(path)
    assert caught.value.problems[0].line == 4  # not 6: U+0085 and U+2028 do not end a line
    path.write_text(path.read_text(encoding="utf-8").replace("oops", "30"), encoding="utf-8")
    out = tmp_path / "out"
    document.write_files(
        [document.ScenarioFile(Path("odd.yaml"), spatial.to_scenario(bdm.read_bdm(path), name="odd"), "odd")],
        out,
        {},
        path,
    )
    actors = load_scenario(out / "odd.yaml").variants["base"].actors
    assert {key: actor.name for key, actor in actors.items()} == {
        "A": "Evil\u0085name \u2028 x",
        "B_x": "{y: 1} & *z",
        "中国": "China",
    }


FUZZ_SOURCES = [
    ("ktab", KTAB / "SOE-Policy.csv"),
    ("ktab", KTAB / "dummyData_3Dim.csv"),
    ("ktab", KTAB / "smpExample.xml"),
    ("bdm", TANKERS),
    ("deu", DEU_EXTRACT),
]
FUZZ_PIECES = [
    *",\t\n\r\"'<>/&;!-.0123456789eE abc\x85\u2028",
    *("<!DOCTYPE x>", "NaN", "1e999", "]]>", "</Actor>", '<?xml version="1.0" encoding="UF-8"?>'),
]


@pytest.mark.slow
def test_damaged_files_give_a_negsim_error_or_scenarios_that_validate(tmp_path: Path) -> None:
    """A few hundred fixed random edits of the fixtures: each file is refused with a NegsimError
    or imported into files that validate; never another exception."""
    rng = random.Random(20240611)
    imported = 0
    for attempt in range(300):
        kind, source = rng.choice(FUZZ_SOURCES)
        chars = list(source.read_text(encoding="utf-8-sig"))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(chars))
            edit = rng.random()
            if edit < 0.4:
                chars[at] = rng.choice(FUZZ_PIECES)
            elif edit < 0.7:
                del chars[at]
            else:
                chars.insert(at, rng.choice(FUZZ_PIECES))
        path = tmp_path / f"case{attempt}{source.suffix}"
        path.write_text("".join(chars), encoding="utf-8")
        try:
            if kind == "deu":
                files = deu.deu_scenarios(deu.read_deu(path))
            else:
                case = ktab.read_ktab(path) if kind == "ktab" else bdm.read_bdm(path)
                files = [
                    document.ScenarioFile(
                        Path(f"{k}.yaml"), spatial.to_scenario(part, name=f"c{k}", missing="midpoint"), ""
                    )
                    for k, part in enumerate(spatial.split_by_issue(case))
                ]
            document.write_files(files, tmp_path / f"out{attempt}", {}, path)  # validates each file
            imported += 1
        except NegsimError as exc:
            assert "does not validate" not in exc.problems[0].message, (path.read_text(), str(exc))
    assert imported > 30  # the edits leave many files readable


@pytest.mark.parametrize(
    ("text", "made"),
    [("-ZD", "ZD"), ("A B", "A_B"), ("a-", "a-"), ("中国", "中国"), ("--", "fallback"), ("", "fallback")],
)
def test_ids_made_from_cells_are_valid_ids(text: str, made: str) -> None:
    assert identifier(text, "fallback") == made and check_id(made) is None


def test_another_deu_format_data_set_is_cited_as_itself(tmp_path: Path) -> None:
    issues = deu.read_deu(DEU_EXTRACT)[:2]
    cited_as = "DEU II (Thomson et al. 2012)"
    paths = deu.write_scenarios(issues, tmp_path / "out", citation=cited_as, date="2012")
    doc = yaml.safe_load(paths[0].read_text(encoding="utf-8"))
    assert doc["sources"]["deu"]["outlet"] == cited_as and "deu3" not in doc["sources"]
    assert doc["actors"]["com"]["position"]["d00062i1"]["data"]["source"] == "deu"
    assert doc["observed"]["d00062i1"]["data"]["source"] == "deu"
    load_scenario(paths[0])
