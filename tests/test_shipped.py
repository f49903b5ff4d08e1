"""The shipped scenarios: found by bare name, copied out by `negsim examples`, opened by the page."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sim.errors import NegsimError
from sim.scenario import shipped
from sim.scenario.loader import load_scenario
from sim.scenario.shipped import FLAGSHIP, copy_examples, resolve, shipped_folder, shipped_names
from sim.seminar.setup import snapshots
from tests.conftest import ROOT, SCENARIOS, negsim_main


def test_the_shipped_folder_is_the_edited_one() -> None:
    """In a clone (and the editable install) the package's folder links to scenarios/."""
    assert shipped_folder().resolve() == SCENARIOS.resolve()
    assert (ROOT / "sim" / "scenarios").is_symlink()


def test_the_wheel_ships_what_the_module_copies() -> None:
    """pyproject.toml's package-data and `shipped.PATTERNS` name the same files."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = config["tool"]["setuptools"]["package-data"]["sim"]
    assert data == [f"scenarios/{pattern}" for pattern in shipped.PATTERNS]


def test_shipped_names_are_the_runnable_files_flagship_first() -> None:
    names = shipped_names()
    assert names[0] == FLAGSHIP
    assert sorted(names) == sorted(p.name for p in SCENARIOS.glob("*.yaml"))


def test_a_bare_name_resolves_to_the_shipped_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    name = FLAGSHIP.removesuffix(".yaml")
    assert resolve(name) == shipped_folder() / FLAGSHIP
    assert resolve(Path(name)) == shipped_folder() / FLAGSHIP


def test_a_file_name_is_never_taken_for_a_shipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`./2024-12-mediation-paths.yaml` reaches negsim as `2024-12-mediation-paths.yaml` (click
    drops the `./`): a missing local file must be reported, not replaced by the shipped one."""
    monkeypatch.chdir(tmp_path)
    assert resolve(FLAGSHIP) == Path(FLAGSHIP)
    with pytest.raises(NegsimError) as caught:
        load_scenario(FLAGSHIP)
    message = str(caught.value)
    assert "file not found" in message and "2024-12-mediation-paths" in message


def test_an_existing_file_wins_over_a_shipped_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / FLAGSHIP).write_text("name: mine\n", encoding="utf-8")
    assert resolve(FLAGSHIP) == Path(FLAGSHIP)
    assert resolve(tmp_path / FLAGSHIP) == tmp_path / FLAGSHIP


@pytest.mark.parametrize(
    "given", ["nowhere.yaml", "actors/2024-12.yaml", "sub/2024-12-mediation-paths.yaml", "_common.yaml"]
)
def test_anything_else_is_left_as_given(given: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve(given) == Path(given)


def test_a_missing_bare_name_is_refused_with_the_shipped_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NegsimError) as caught:
        load_scenario("2024-12-mediation-path")
    message = str(caught.value)
    assert message.startswith("2024-12-mediation-path: file not found")
    assert "did you mean `2024-12-mediation-paths`?" in message
    assert FLAGSHIP.removesuffix(".yaml") in message and "negsim examples DIR" in message


def test_a_missing_path_gets_no_shipped_names(tmp_path: Path) -> None:
    with pytest.raises(NegsimError) as caught:
        load_scenario(tmp_path / "missing.yaml")
    assert "file not found" in str(caught.value) and "shipped" not in str(caught.value)


def test_every_command_reads_a_shipped_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = negsim_main("validate", "2024-12-mediation-paths", "2023-04-mediation-paths")
    assert code == 0, err
    assert "ok 2024-12-mediation-paths: 6 path(s)" in out
    code, out, err = negsim_main("show", "2023-04-mediation-paths", "--path", "china_mediates")
    assert code == 0, err
    assert load_scenario("2024-12-mediation-paths").path == shipped_folder() / FLAGSHIP


def test_copied_examples_are_every_shipped_file_and_load(tmp_path: Path) -> None:
    written = copy_examples(tmp_path / "mine")
    copied = sorted(p.relative_to(tmp_path / "mine") for p in written)
    expected = sorted(
        p.relative_to(SCENARIOS) for pattern in shipped.PATTERNS for p in SCENARIOS.glob(pattern)
    )
    assert copied == expected and written[0] == tmp_path / "mine" / FLAGSHIP
    for path in written:
        assert path.read_bytes() == (SCENARIOS / path.relative_to(tmp_path / "mine")).read_bytes()
    for name in shipped_names():
        loaded = load_scenario(tmp_path / "mine" / name)
        assert loaded.digest() == load_scenario(SCENARIOS / name).digest(), name
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]  # no staging folder left


def test_examples_go_into_an_existing_folder_beside_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "actors").mkdir()
    written = copy_examples(tmp_path)
    assert all(path.is_file() for path in written)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_an_existing_file_is_never_overwritten_and_nothing_is_copied(tmp_path: Path) -> None:
    (tmp_path / "actors").mkdir()
    (tmp_path / "actors" / "_common.yaml").write_text("mine", encoding="utf-8")
    (tmp_path / FLAGSHIP).write_text("mine too", encoding="utf-8")
    with pytest.raises(NegsimError) as caught:
        copy_examples(tmp_path)
    message = str(caught.value)
    assert f"already holds {FLAGSHIP}, actors/_common.yaml; nothing was copied" in message
    assert "choose another folder" in message
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        FLAGSHIP,
        "actors",
        "actors/_common.yaml",
    ]
    assert (tmp_path / "actors" / "_common.yaml").read_text(encoding="utf-8") == "mine"


def test_an_interrupted_copy_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C halfway through moving the copies in takes back what was moved."""
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    real, moves = Path.rename, []

    def interrupted(self: Path, target: Path) -> Path:
        moves.append(target)
        if len(moves) == 3:
            raise KeyboardInterrupt
        return real(self, target)

    monkeypatch.setattr(Path, "rename", interrupted)
    with pytest.raises(KeyboardInterrupt):
        copy_examples(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_the_examples_command_copies_and_says_what_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = negsim_main("examples", "mine")
    assert code == 0, err
    assert f"mine/{FLAGSHIP}" in out and "mine/actors/_common.yaml" in out
    assert f"negsim run mine/{FLAGSHIP}" in " ".join(out.split())
    code, out, err = negsim_main("validate", *(f"mine/{name}" for name in shipped_names()))
    assert code == 0, err


def test_the_examples_command_refuses_a_folder_with_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert negsim_main("examples", "mine")[0] == 0
    before = {p: p.read_bytes() for p in (tmp_path / "mine").rglob("*") if p.is_file()}
    code, out, err = negsim_main("examples", "mine")
    assert code == 2 and out == ""
    assert err.startswith("error: mine: already holds ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 2  # the message and its hint
    assert {p: p.read_bytes() for p in (tmp_path / "mine").rglob("*") if p.is_file()} == before


def test_the_page_opens_on_the_shipped_flagship() -> None:
    choices = snapshots()
    first = next(iter(choices.values()))
    assert first == shipped_folder() / FLAGSHIP and first.is_file()
    assert load_scenario(first).name == "2024-12-mediation-paths"
