"""A chapter notebook on its own, where a student would run it: lessonlib installed normally.

Each test builds lessonlib's wheel, makes a new virtual environment outside the repository and
copies one chapter notebook alone into an empty folder, then executes it there in a kernel of that
environment. The new environment sees the packages of this one (torch, numpy, matplotlib,
ipykernel...) through a .pth file, as a hosted notebook service has them preinstalled, but not
lessonlib: so nothing is downloaded (these machines are offline) and the chapter can only run if
lessonlib works when installed from a wheel, away from the repository's layout. The painting comes
from LESSONLIB_DATA_DIR, as on these machines.

- `test_a_chapter_runs_alone_with_lessonlib_installed_from_its_wheel`: pip installs the wheel
  (no index: the dependencies must already be satisfied, nothing reinstalls torch); the set-up
  cell then finds lessonlib and only prints the device.
- `test_the_setup_cell_installs_lessonlib_itself`: lessonlib is not installed; the notebook's
  set-up cell installs it, from LESSONLIB_SOURCE (the wheel) in place of the book's repository.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from support import ROOT
from tools.book import SETUP_ID

pytestmark = pytest.mark.notebook

PAINTING_CHAPTER = "chapters/siren-paints.ipynb"  # reads the painting, writes a film beside it
SMALL_CHAPTER = "chapters/adam-maths.ipynb"  # no painting, no files: the set-up cell's own test
TIMEOUT = 900  # seconds a cell may take


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """lessonlib's wheel, built from a copy of its sources without downloading anything."""
    out, source = tmp_path_factory.mktemp("wheel"), tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "lessonlib", source / "lessonlib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(out), str(source)], check=True)
    (found,) = out.glob("lessonlib-*.whl")
    return found


def fresh_environment(folder: Path) -> Path:
    """A new virtual environment that sees this one's packages except lessonlib; its python."""
    # without a pip or setuptools of its own, which would hide the newer ones that torch needs
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")],
                   check=True)
    python = folder / "venv" / "bin" / "python"
    here = Path(sysconfig.get_paths()["purelib"])
    preinstalled = folder / "preinstalled"
    preinstalled.mkdir()
    for entry in here.iterdir():
        if "lessonlib" not in entry.name.lower() and not entry.name.endswith(".pth"):
            (preinstalled / entry.name).symlink_to(entry)
    target = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                             "['purelib'])"], capture_output=True, text=True, check=True,
                            cwd=folder)
    (Path(target.stdout.strip()) / "preinstalled.pth").write_text(f"{preinstalled}\n")
    found = subprocess.run([str(python), "-c", "import importlib.util as u; "
                            "print(u.find_spec('lessonlib'), u.find_spec('torch') is not None)"],
                           capture_output=True, text=True, check=True, cwd=folder).stdout.split()
    assert found == ["None", "True"], f"the fresh environment must lack only lessonlib: {found}"
    return python


def run_alone(chapter: str, python: Path, folder: Path, monkeypatch, **environment) -> Path:
    """Execute `chapter`, copied alone into an empty folder, in a kernel of `python`."""
    alone = folder / "alone"
    alone.mkdir()
    notebook = alone / Path(chapter).name
    shutil.copy(ROOT / chapter, notebook)
    kernels = folder / "jupyter" / "kernels" / "fresh"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fresh environment", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(folder / "jupyter"))
    monkeypatch.setenv("LESSONLIB_PROGRESS", "0")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, kernel_name="fresh", timeout=TIMEOUT,
                   resources={"metadata": {"path": str(alone)}}).execute()
    nbformat.write(nb, notebook)
    return notebook


def setup_output(notebook: Path) -> str:
    cell = next(c for c in nbformat.read(notebook, as_version=4).cells if c.get("id") == SETUP_ID)
    return "".join(out.get("text", "") for out in cell.outputs)


def needs_the_painting():
    if not os.environ.get("LESSONLIB_DATA_DIR"):
        pytest.skip("set LESSONLIB_DATA_DIR to the folder with arnolfini.jpg (make test does)")


def test_a_chapter_runs_alone_with_lessonlib_installed_from_its_wheel(wheel, tmp_path,
                                                                     monkeypatch):
    needs_the_painting()
    python = fresh_environment(tmp_path)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-index", str(wheel)],
                   check=True, cwd=tmp_path)  # no index: every dependency must already be there
    where = subprocess.run([str(python), "-c", "import lessonlib; print(lessonlib.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert str(tmp_path / "venv") in where and str(ROOT) not in where
    committed = {f: f.stat().st_mtime_ns for f in (ROOT / "chapters" / "media").glob("*.mp4")}
    notebook = run_alone(PAINTING_CHAPTER, python, tmp_path, monkeypatch)
    assert "lessonlib runs this notebook on" in setup_output(notebook)
    films = list((notebook.parent / "media").glob("*.mp4"))
    assert films and all(f.stat().st_size > 10_000 for f in films), films  # next to the notebook
    assert committed == {f: f.stat().st_mtime_ns for f in committed}  # the repository's untouched


def test_the_setup_cell_installs_lessonlib_itself(wheel, tmp_path, monkeypatch):
    python = fresh_environment(tmp_path)
    notebook = run_alone(SMALL_CHAPTER, python, tmp_path, monkeypatch,
                         LESSONLIB_SOURCE=str(wheel), PIP_NO_INDEX="1")
    assert "lessonlib runs this notebook on" in setup_output(notebook)
    where = subprocess.run([str(python), "-c", "import lessonlib; print(lessonlib.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert str(tmp_path / "venv") in where  # the set-up cell installed it, into that environment
