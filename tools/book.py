"""Build tooling, not lesson code: the chapter list, executing notebooks, rendering with Quarto.

    python tools/book.py execute [NOTEBOOK ...]   # run the chapters in place (make execute)
    python tools/book.py render                   # find Quarto, `quarto render` (make render),
                                                  # then zip _book/ (optimisation-book.zip)
    python tools/book.py setup-cells              # write every notebook's set-up cell (make execute)

Quarto renders the book (`_quarto.yml`) and nbclient executes the notebooks; this file only
finds and calls them. The tests import `chapters` and `find_quarto` from here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import nbformat
import yaml
import zmq
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
QUARTO_VERSION = "1.7.34"  # also pinned in .github/workflows/publish.yml
CELL_TIMEOUT = 1200  # seconds one cell may run: training cells are slow on a CPU
SHARED_QUARTO = "../shared/tools/quarto/install"  # the project's machines: Quarto offline
OFFLINE_ZIP = "optimisation-book.zip"  # _book/ zipped for reading offline, beside _book/
STORED = {".mp4", ".png", ".jpg", ".jpeg", ".woff", ".woff2", ".zip"}  # compressed already


class BookError(Exception):
    """A problem the reader can fix; `main()` prints it as one `error:` message."""


def chapters(root=ROOT) -> list[Path]:
    """The files under `book: chapters:` in `_quarto.yml`, in order, parts flattened."""
    config_path = Path(root) / "_quarto.yml"
    if not config_path.is_file():
        raise BookError(f"{config_path} not found: run this in the book's folder.")
    try:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise BookError(f"{config_path} is not valid YAML: {' '.join(str(err).split())}") from None
    names = []
    for entry in (config.get("book") or {}).get("chapters") or []:
        if isinstance(entry, dict):  # a part: its own page if it names a file, then its chapters
            part = str(entry.get("part", ""))
            names += [part] if part.endswith((".ipynb", ".qmd", ".md")) else []
            names += entry.get("chapters") or []
        else:
            names.append(entry)
    if not names:
        raise BookError(f"{config_path} lists no chapters under `book: chapters:`.")
    missing = [str(name) for name in names if not (Path(root) / str(name)).is_file()]
    if missing:
        raise BookError(f"{config_path} lists {', '.join(missing)}, which does not exist: "
                        "create it, or fix that line under `book: chapters:`.")
    return [Path(root) / name for name in names]


# --- the first code cell of every notebook: lessonlib importable anywhere ---------------------------

SETUP_ID = "setup-lessonlib"  # the id of that cell in every notebook of the book
SETUP_METADATA = {"tags": ["nbval-ignore-output"], "nbval-checked-by": "no claim",
                  "nbval-ignore-reason": "the device depends on the reader's hardware"}
SETUP_TEMPLATE = """#| code-fold: true
#| code-summary: "Set-up: lessonlib, and the device this notebook runs on"
# In the book's repository lessonlib is installed and this cell only prints the
# device. Alone (Colab, Binder, a download) the notebook installs lessonlib
# {version} from the book's repository; torch, numpy and matplotlib are kept.
import importlib.util
import os

if importlib.util.find_spec("lessonlib") is None:
    source = os.environ.get("LESSONLIB_SOURCE", "{source}")
    if not source:
        raise ModuleNotFoundError(
            "lessonlib is not installed and this copy of the book names no "
            "repository to install it from: pip install it from the book's "
            "repository, or set LESSONLIB_SOURCE to a wheel or requirement")
    %pip install --quiet {{source}}
    importlib.invalidate_caches()
from lessonlib.device import get_device

print("lessonlib runs this notebook on", get_device())"""


def lessonlib_requirement(root=ROOT) -> str:
    """What pip installs lessonlib from on a hosted service: the repository named by `book:
    repo-url` in _quarto.yml at the tag v<version> of pyproject.toml, or '' if none is named."""
    config = yaml.safe_load((Path(root) / "_quarto.yml").read_text(encoding="utf-8")) or {}
    url = str((config.get("book") or {}).get("repo-url") or "").rstrip("/")
    version = tomllib.loads((Path(root) / "pyproject.toml").read_text())["project"]["version"]
    return f"lessonlib @ git+{url}@v{version}" if url else ""


def setup_source(root=ROOT) -> str:
    """The source of the set-up cell for this book's repository and version."""
    version = tomllib.loads((Path(root) / "pyproject.toml").read_text())["project"]["version"]
    return SETUP_TEMPLATE.format(version=version, source=lessonlib_requirement(root))


def sync_setup_cells(root=ROOT, notebooks=None) -> list[Path]:
    """Make the set-up cell the first code cell of every notebook; returns those it changed."""
    paths = notebooks or [path for path in chapters(root) if path.suffix == ".ipynb"]
    source, changed = setup_source(root), []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        cell = next((c for c in nb.cells if c.get("id") == SETUP_ID), None)
        if cell is not None and cell.source == source and cell.metadata == SETUP_METADATA:
            continue
        if cell is None:
            cell = nbformat.v4.new_code_cell(source, id=SETUP_ID)
            first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"),
                              len(nb.cells))
            nb.cells.insert(first_code, cell)
        cell.source, cell.outputs, cell.execution_count = source, [], None
        cell.metadata = nbformat.from_dict(SETUP_METADATA)
        nbformat.write(nb, path)
        changed.append(path)
    return changed


def execute(root=ROOT, notebooks=None) -> None:
    """Run the chapter notebooks (or `notebooks`) in this Python's kernel, saving them in place."""
    os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")  # this environment's kernel first
    argv0 = KernelSpecManager().get_kernel_spec("python3").argv[0]  # "python": this Python
    this_python = Path(sys.executable).resolve()
    if argv0 not in ("python", "python3") and Path(argv0).resolve() != this_python:
        raise BookError(f"Jupyter's python3 kernel runs {argv0}, not {sys.executable}: run "
                        f"`{sys.executable} -m ipykernel install --sys-prefix`.")
    if notebooks is None:
        paths = [path for path in chapters(root) if path.suffix == ".ipynb"]
    else:
        paths = [Path(root) / name for name in notebooks]
    config = Config()
    if zmq.has("curve"):  # encrypted kernel traffic: ipykernel warns on every start otherwise
        config.KernelManager.transport_encryption = "auto"
    for path in paths:
        if not path.is_file():
            raise BookError(f"{path} does not exist; name notebooks relative to {root}.")
        print(f"executing {os.path.relpath(path, root)} ...", end=" ", flush=True)
        start = time.perf_counter()
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT, config=config,
                                record_timing=False,  # no timestamps in the cells: clean diffs
                                resources={"metadata": {"path": str(path.parent)}})
        try:
            client.execute()
        except CellExecutionError as err:
            raise BookError(f"{path.name}: cell {_failed_cell(nb)} raised {err.ename}: "
                            f"{err.evalue}. The notebook is unchanged; fix that cell in "
                            "Jupyter.") from None
        except CellTimeoutError:
            raise BookError(f"{path.name}: a cell ran longer than {CELL_TIMEOUT} s. The notebook "
                            "is unchanged; make that cell faster.") from None
        except DeadKernelError:
            raise BookError(f"{path.name}: the kernel died (out of memory?). The notebook is "
                            "unchanged; run it in Jupyter to find the cell.") from None
        nb.metadata.pop("widgets", None)  # widget state changes on every run
        nbformat.write(nb, path)
        print(f"done in {time.perf_counter() - start:.0f} s", flush=True)


def find_quarto(install=False, root=ROOT) -> str | None:
    """Quarto on PATH, else in this environment, else (with `install`) installed now, else None."""
    beside = Path(sys.executable).parent / "quarto"  # pip's quarto-cli in this environment
    found = shutil.which("quarto") or (str(beside) if beside.is_file() else None)
    if found or not install:
        return found
    shared = (Path(root) / SHARED_QUARTO).resolve()
    if shared.is_file():
        print(f"==> Quarto not found: installing the project's copy with {shared}", flush=True)
        result = subprocess.run([str(shared)], stdout=subprocess.PIPE, text=True)
        folder = result.stdout.strip().splitlines()[-1:] if result.returncode == 0 else []
        if folder and (Path(folder[0]) / "quarto").is_file():
            return str(Path(folder[0]) / "quarto")
    print(f"==> Quarto not found: pip install quarto-cli=={QUARTO_VERSION} into {sys.prefix}",
          flush=True)
    pip = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
           f"quarto-cli=={QUARTO_VERSION}"]
    result = subprocess.run(pip, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode == 0 and beside.is_file():
        return str(beside)
    last = [line.strip() for line in result.stdout.splitlines() if line.strip()][-1:]
    print(f"    pip failed: {last[0] if last else 'no message'}", flush=True)
    return None


def render(root=ROOT) -> None:
    """`quarto render` of the book into `_book/`, finding or installing Quarto first."""
    quarto = find_quarto(install=True, root=root)
    if quarto is None:
        raise BookError(f"rendering needs Quarto, which is neither on PATH nor in {sys.prefix}, "
                        "and installing it failed. Get it one of these ways, then run `make "
                        f"render` again:\n{ways_to_get_quarto(sys.executable)}")
    version = subprocess.run([quarto, "--version"], stdout=subprocess.PIPE, text=True).stdout
    if version.strip() != QUARTO_VERSION:
        print(f"warning: {quarto} is Quarto {version.strip()}; the book is tested with "
              f"{QUARTO_VERSION}", flush=True)
    print(f"==> {quarto} render (Quarto {version.strip()})", flush=True)
    if subprocess.run([quarto, "render"], cwd=root).returncode != 0:
        raise BookError("`quarto render` failed; its messages above name the problem.")
    archive = bundle(Path(root) / "_book", Path(root) / OFFLINE_ZIP)
    print(f"==> {archive.name}: the book for reading offline ({archive.stat().st_size / 1e6:.1f} "
          "MB; unzip it and open index.html)", flush=True)


def bundle(site: Path, archive: Path) -> Path:
    """`site` zipped into `archive` under one folder named like the archive, to read offline.

    Unzipped, the folder's index.html opens from the file system (file://): every page, figure,
    video, the explorer and the maths work there (tests/test_browser.py opens such a copy), only
    the site search does not (it fetches search.json, which browsers refuse to file:// pages).
    """
    site, archive = Path(site), Path(archive)
    if not (site / "index.html").is_file():
        raise BookError(f"{site} has no index.html: render the book first (`make render`).")
    folder = archive.name.removesuffix(".zip")
    scratch = archive.with_name(archive.name + ".partial")
    with zipfile.ZipFile(scratch, "w") as zipped:
        for path in sorted(site.rglob("*")):
            if path.is_file() and path.resolve() != archive.resolve():
                method = zipfile.ZIP_STORED if path.suffix.lower() in STORED \
                    else zipfile.ZIP_DEFLATED
                zipped.write(path, f"{folder}/{path.relative_to(site).as_posix()}",
                             compress_type=method)
    scratch.replace(archive)  # never a half-written zip under the real name
    return archive


def ways_to_get_quarto(python="python") -> str:
    """How to get Quarto, one way a line, for messages."""
    return (f"  - install Quarto {QUARTO_VERSION} from https://quarto.org/docs/download/;\n"
            f"  - {python} -m pip install quarto-cli=={QUARTO_VERSION}  (needs internet);\n"
            f"  - on the project's machines, offline: export PATH=\"$({SHARED_QUARTO}):$PATH\"")


def main(argv=None) -> None:
    """The command line: `python tools/book.py {execute [NOTEBOOK ...],render}`."""
    parser = argparse.ArgumentParser(prog="tools/book.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("execute", help="run the chapter notebooks in place")
    run.add_argument("notebooks", nargs="*", help="only these, relative to the book's folder")
    commands.add_parser("render", help="render the book into _book/ with Quarto")
    commands.add_parser("setup-cells", help="write the set-up cell of every notebook")
    args = parser.parse_args(argv)
    try:
        if args.command == "execute":
            execute(ROOT, args.notebooks or None)
        elif args.command == "setup-cells":
            for path in sync_setup_cells(ROOT):
                print(f"wrote the set-up cell of {os.path.relpath(path, ROOT)}")
        else:
            render(ROOT)
    except BookError as err:
        print(f"\nerror: {err}", file=sys.stderr)
        raise SystemExit(1) from None


def _failed_cell(nb) -> int | str:
    """The number of the first cell whose outputs hold an error, for messages."""
    for number, cell in enumerate(nb.cells, 1):
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return number
    return "?"


if __name__ == "__main__":
    main()
