"""The documentation site (mkdocs.yml): the pages of docs/ and the API reference from the docstrings
build with every warning an error, and a broken link, a missing heading or a missing API object
stops the build.

Every build writes into the test's own folder, never into the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import processes

pytest.importorskip("mkdocs")
pytest.importorskip("mkdocstrings_handlers.python")
pytest.importorskip("material")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CONFIG = ROOT / "mkdocs.yml"
BUILD_SECONDS = 300  # a build takes a few seconds


def build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of `config` into `site`, in a process of its own."""
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's notice about MkDocs 2.0
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    return processes.run(
        [*command, "--config-file", str(config)], timeout=BUILD_SECONDS, env=environment, cwd=config.parent
    )


def test_the_site_builds_with_every_warning_an_error(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = build(CONFIG, site)
    assert result.returncode == 0, result.stderr[-8000:]

    assert (site / "index.html").is_file()
    for page in sorted(DOCS.glob("*.md")):  # every page of docs/, each at <name>/index.html
        if page.stem != "index":
            assert (site / page.stem / "index.html").is_file(), page.name
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "doc doc-object" in api, "the API reference shows no object from the docstrings"
    assert (site / "search" / "search_index.json").is_file()
    assert (site / "img" / "cost-growth.png").is_file()  # the pages' pictures come along


@pytest.mark.slow  # a whole site build each; the quick subset builds the real site once
@pytest.mark.parametrize(
    ("added", "named"),
    [
        ("See [a page that is not there](nowhere.md).", "nowhere.md"),
        ("See [a heading that is not there](model.md#no-such-heading).", "no-such-heading"),
        ("See [a file outside docs/](../README.md).", "../README.md"),
        ("::: sim.no_such_module", "sim.no_such_module"),
    ],
    ids=["missing-page", "missing-heading", "outside-docs", "missing-api-object"],
)
def test_a_broken_reference_stops_the_build(tmp_path: Path, added: str, named: str) -> None:
    """A copy of the site with one broken reference added to its home page fails, naming it."""
    shutil.copytree(DOCS, tmp_path / "docs")
    shutil.copy(CONFIG, tmp_path / "mkdocs.yml")
    (tmp_path / "sim").symlink_to(ROOT / "sim", target_is_directory=True)  # the API's `paths: [.]`
    home = tmp_path / "docs" / "index.md"
    home.write_text(home.read_text(encoding="utf-8") + f"\n{added}\n", encoding="utf-8")

    result = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    output = result.stdout + result.stderr  # the warnings on stderr, "Aborted ..." on stdout
    assert result.returncode != 0, output[-8000:]
    assert named in result.stderr, output[-8000:]
    assert "Aborted" in output, output[-8000:]
