"""Tests of tools/book.py, the build tooling: chapter list, notebook execution, finding Quarto."""

import json
import subprocess
import sys
import zipfile
from types import SimpleNamespace

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tools import book


def make_book(root, chapters=("index.ipynb", "chapters/a.ipynb")):
    """A tiny book in `root`: `_quarto.yml` and an empty notebook per chapter."""
    config = {"book": {"chapters": list(chapters)}}
    (root / "_quarto.yml").write_text(json.dumps(config))  # JSON is YAML
    for name in ("index.ipynb", "chapters/a.ipynb", "chapters/b.ipynb"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(new_notebook(cells=[new_markdown_cell("# Title")]), root / name)


@pytest.fixture
def no_quarto(monkeypatch):
    """Neither Quarto on PATH nor in this environment."""
    monkeypatch.setattr(book.shutil, "which", lambda name: None)
    monkeypatch.setattr(book.sys, "executable", "/nowhere/bin/python")


def test_chapters_in_order_with_parts_flattened(tmp_path):
    make_book(tmp_path, [
        "index.ipynb", {"part": "chapters/b.ipynb", "chapters": ["chapters/a.ipynb"]}])
    assert book.chapters(tmp_path) == [tmp_path / "index.ipynb", tmp_path / "chapters/b.ipynb",
                                       tmp_path / "chapters/a.ipynb"]


def test_chapters_names_a_missing_chapter(tmp_path):
    make_book(tmp_path, ["index.ipynb", "chapters/nowhere.ipynb"])
    with pytest.raises(book.BookError, match="chapters/nowhere.ipynb, which does not exist"):
        book.chapters(tmp_path)


def test_chapters_without_quarto_yml(tmp_path):
    with pytest.raises(book.BookError, match="_quarto.yml not found"):
        book.chapters(tmp_path)


def test_execute_runs_in_this_python_and_writes_no_timestamps(tmp_path):
    make_book(tmp_path)
    path = tmp_path / "chapters" / "a.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("import sys; print(sys.prefix)")]), path)
    book.execute(tmp_path, ["chapters/a.ipynb"])
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].outputs[0].text.strip() == sys.prefix  # the kernel runs this environment
    assert nb.cells[0].execution_count == 1
    assert "execution" not in nb.cells[0].metadata  # no timing metadata: clean diffs
    assert path.read_text().startswith('{\n "cells": [\n  {\n')  # indent 1, as Jupyter writes


def test_execute_names_the_failing_cell_and_leaves_the_notebook(tmp_path):
    make_book(tmp_path)
    path = tmp_path / "chapters" / "b.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("1 / 0")]), path)
    before = path.read_text()
    with pytest.raises(book.BookError, match=r"b\.ipynb: cell 2 raised ZeroDivisionError"):
        book.execute(tmp_path, ["chapters/b.ipynb"])
    assert path.read_text() == before


def test_find_quarto_uses_the_projects_installer_when_none_is_found(tmp_path, no_quarto):
    folder = tmp_path / "quarto-bin"
    folder.mkdir()
    (folder / "quarto").write_text("#!/bin/sh\n")
    installer = tmp_path / "shared" / "tools" / "quarto" / "install"
    installer.parent.mkdir(parents=True)
    installer.write_text(f"#!/bin/sh\necho unpacking >&2\necho {folder}\n")
    installer.chmod(0o755)
    (tmp_path / "book").mkdir()
    assert book.find_quarto(install=False, root=tmp_path / "book") is None
    assert book.find_quarto(install=True, root=tmp_path / "book") == str(folder / "quarto")


def test_render_without_quarto_says_how_to_get_it(tmp_path, no_quarto, monkeypatch, capsys):
    (tmp_path / "book").mkdir()
    monkeypatch.setattr(book, "ROOT", tmp_path / "book")  # no ../shared beside it
    failed = SimpleNamespace(returncode=1, stdout="ERROR: no network\n")  # pip, offline
    monkeypatch.setattr(book.subprocess, "run", lambda command, **kw: failed)
    with pytest.raises(SystemExit) as exit_info:
        book.main(["render"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "error: rendering needs Quarto" in err and "Traceback" not in err
    for way in ("quarto.org", "pip install quarto-cli==1.7.34", "shared/tools/quarto/install"):
        assert way in err, f"the message does not name {way}: {err}"


def test_render_runs_quarto_render_in_the_book(tmp_path, monkeypatch, capsys):
    calls = []

    def run(command, **kw):
        calls.append((command, kw.get("cwd")))
        if command[1:] == ["render"]:  # what Quarto writes, in brief
            (tmp_path / "_book" / "chapters").mkdir(parents=True)
            (tmp_path / "_book" / "index.html").write_text("<title>Home</title>")
            (tmp_path / "_book" / "chapters" / "a.html").write_text("<title>A</title>")
        return subprocess.CompletedProcess(command, 0, stdout=book.QUARTO_VERSION + "\n")

    monkeypatch.setattr(book, "find_quarto", lambda install, root: "/opt/quarto/bin/quarto")
    monkeypatch.setattr(book.subprocess, "run", run)
    book.render(tmp_path)
    assert calls[-1] == (["/opt/quarto/bin/quarto", "render"], tmp_path)
    assert "warning" not in capsys.readouterr().out
    # then the offline copy: _book/ in one folder named like the zip
    with zipfile.ZipFile(tmp_path / book.OFFLINE_ZIP) as zipped:
        assert sorted(zipped.namelist()) == ["optimisation-book/chapters/a.html",
                                             "optimisation-book/index.html"]
        assert zipped.read("optimisation-book/chapters/a.html") == b"<title>A</title>"


def test_bundle_needs_a_rendered_site(tmp_path):
    with pytest.raises(book.BookError, match="has no index.html: render the book first"):
        book.bundle(tmp_path / "_book", tmp_path / "book.zip")
    assert not (tmp_path / "book.zip").exists()


def test_the_publishing_workflow_pins_the_same_quarto(root):
    workflow = yaml.safe_load((root / ".github" / "workflows" / "publish.yml").read_text())
    steps = [step for job in workflow["jobs"].values() for step in job.get("steps", [])]
    setup = [step for step in steps if "quarto-actions/setup" in step.get("uses", "")]
    assert [step["with"]["version"] for step in setup] == [book.QUARTO_VERSION]
    names = [step.get("name") or step.get("uses") for step in steps]
    assert names.index(setup[0]["name"]) < names.index("Test (make test)"), "tests need Quarto"


def book_with_repository(root, url, version="1.2.3"):
    """A tiny book whose _quarto.yml names `url` as its repository, at lessonlib `version`."""
    make_book(root)
    config = {"book": {"chapters": ["index.ipynb", "chapters/a.ipynb"], "repo-url": url}}
    (root / "_quarto.yml").write_text(json.dumps(config))
    (root / "pyproject.toml").write_text(f'[project]\nname = "lessonlib"\nversion = "{version}"\n')


def test_the_setup_cell_installs_the_release_from_the_named_repository(tmp_path):
    book_with_repository(tmp_path, "https://github.com/someone/optimisation-book/")
    assert book.lessonlib_requirement(tmp_path) == \
        "lessonlib @ git+https://github.com/someone/optimisation-book@v1.2.3"
    source = book.setup_source(tmp_path)
    assert '"lessonlib @ git+https://github.com/someone/optimisation-book@v1.2.3"' in source
    assert "%pip install --quiet {source}" in source and "# 1.2.3 from the book's" in source
    assert source.startswith("#| code-fold: true\n")


def test_without_a_repository_the_setup_cell_says_what_to_do(tmp_path):
    book_with_repository(tmp_path, "")
    assert book.lessonlib_requirement(tmp_path) == ""
    source = book.setup_source(tmp_path)
    assert 'os.environ.get("LESSONLIB_SOURCE", "")' in source
    assert "raise ModuleNotFoundError(" in source and "names no " in source


def test_setup_cells_go_first_and_are_written_once(tmp_path):
    book_with_repository(tmp_path, "https://github.com/o/r")
    path = tmp_path / "chapters" / "a.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Title"), new_code_cell("x = 1")]), path)
    assert book.sync_setup_cells(tmp_path) == [tmp_path / "index.ipynb", path]
    cells = nbformat.read(path, as_version=4).cells
    assert [c.get("id") for c in cells[:2]][1] == book.SETUP_ID and cells[2].source == "x = 1"
    assert cells[1].source == book.setup_source(tmp_path)
    assert "nbval-ignore-output" in cells[1].metadata["tags"]
    assert book.sync_setup_cells(tmp_path) == []  # nothing to change the second time
    book_with_repository(tmp_path, "https://github.com/o/other")  # a new repository: rewritten
    nbformat.write(new_notebook(cells=cells), path)
    assert path in book.sync_setup_cells(tmp_path)
    assert "github.com/o/other@v1.2.3" in nbformat.read(path, as_version=4).cells[1].source
