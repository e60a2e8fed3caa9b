"""Build the book: run the chapter notebooks, then render them into a website.

Used by `make book` (through `make execute` and `make render`):

    python -m lessonlib.book execute   # run every chapter notebook in place
    python -m lessonlib.book render    # Quarto if installed, else a static HTML book

The chapter order comes from `_quarto.yml` (`book: chapters:`), the single
source of truth for Quarto and for the nbconvert fallback alike.
"""

from __future__ import annotations

import argparse
import posixpath
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import nbformat
import yaml
import zmq
from ipykernel.kernelspec import get_kernel_dict
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter
from traitlets import default

TEMPLATES = Path(__file__).parent / "templates"  # holds fallback/, our nbconvert template
CELL_TIMEOUT = 1200  # seconds one cell may run: training cells are slow on a CPU
CHAPTER_SUFFIXES = (".ipynb", ".qmd", ".md")

FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\n(.*?)\n---[ \t]*(\n|\Z)", re.DOTALL)
OPTION_LINE = re.compile(r"#\|\s?(.*)")  # Quarto cell options: `#| echo: false`
HEADING = re.compile(r"^# +(.+?)\s*(\{[^}]*\})?\s*$", re.MULTILINE)
HEADING_ATTRIBUTES = re.compile(r"^(#{1,6} +.+?)\s*\{[^}]*\}\s*$", re.MULTILINE)  # `## Title {#sec-x .unnumbered}`
MEDIA_REF = re.compile(r"""\bsrc\s*=\s*["']([^"']+)["']|!\[[^\]]*\]\(\s*<?([^)\s>]+)""")
CHAPTER_LINK = re.compile(r"""(\]\(\s*<?|\bhref\s*=\s*["'])([^)\s"'<>#?:]+)(\.(?:ipynb|qmd|md))(?=[)\s"'>#?])""")
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//|^#")


class BookError(Exception):
    """A problem the reader can fix; `main()` prints it as one `error:` paragraph."""


def chapters(root=".") -> list[Path]:
    """The chapter files under `book: chapters:` in `_quarto.yml`, in order. Used by `make book`."""
    root = Path(root)
    entries = (_config(root).get("book") or {}).get("chapters")
    if not entries:
        raise BookError(f"{root / '_quarto.yml'} lists no chapters under `book: chapters:`; "
                        "add them there, index.ipynb first.")
    names = []
    for entry in entries:
        if isinstance(entry, dict) and "part" in entry:
            if str(entry["part"]).endswith(CHAPTER_SUFFIXES):  # a part with its own page
                names.append(entry["part"])
            names.extend(entry.get("chapters") or [])
        else:
            names.append(entry)
    paths = []
    for name in names:
        if not isinstance(name, str):
            raise BookError(f"{root / '_quarto.yml'}: `book: chapters:` has an entry Quarto does not understand, "
                            f"{name!r}; use a file name or a `part:` with its `chapters:`.")
        path = root / name
        if not path.is_file():
            raise BookError(f"{root / '_quarto.yml'} lists the chapter {name}, but {path} does not exist. "
                            "Create it, or fix or remove that line under `book: chapters:`.")
        paths.append(path)
    return paths


def execute(root=".", notebooks=None) -> None:
    """Run every notebook chapter (or just `notebooks`) and save it in place. Used by `make execute`."""
    root = Path(root)
    if notebooks is None:
        paths = [path for path in chapters(root) if path.suffix == ".ipynb"]
    else:
        paths = [root / name for name in notebooks]
        for path in paths:
            if not path.is_file():
                raise BookError(f"{path} does not exist; name notebooks relative to {root}, "
                                "e.g. chapters/foo.ipynb.")
    total = time.perf_counter()
    for path in paths:
        shown = _shown(path, root)
        print(f"executing {shown} ...", end=" ", flush=True)
        start = time.perf_counter()
        nb = _read_notebook(path, root)
        client = NotebookClient(
            nb,
            kernel_name="python3",
            kernel_manager_class=ThisPythonKernel,  # the venv's Python, whatever `python3` Jupyter knows
            timeout=CELL_TIMEOUT,
            record_timing=False,  # no timestamps in cell metadata: clean diffs
            resources={"metadata": {"path": str(path.parent)}},  # cwd = the notebook's folder
        )
        try:
            client.execute()
        except CellExecutionError as err:
            print("failed", flush=True)
            raise BookError(f"executing {shown} failed: {_failed_cell(nb)} raised {err.ename}: "
                            f"{_one_line(err.evalue)}. The notebook was left unchanged; fix that cell "
                            "(open the notebook in Jupyter and run it), then run `make execute` again.") from None
        except CellTimeoutError:
            print("failed", flush=True)
            raise BookError(f"executing {shown} failed: a cell ran longer than {CELL_TIMEOUT} s and was stopped. "
                            "The notebook was left unchanged; make that cell faster (a smaller run) "
                            "or raise CELL_TIMEOUT in lessonlib/book.py.") from None
        except DeadKernelError:
            print("failed", flush=True)
            raise BookError(f"executing {shown} failed: the Python kernel died (often: out of memory). "
                            "The notebook was left unchanged; run it in Jupyter to find the cell, "
                            "then run `make execute` again.") from None
        nb.metadata.pop("widgets", None)  # widget state changes on every run
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        nbformat.write(nb, str(path))  # nbformat 4, indent 1, sorted keys: as Jupyter saves it
        print(f"done in {time.perf_counter() - start:.1f} s", flush=True)
    print(f"executed {len(paths)} notebooks in {time.perf_counter() - total:.1f} s")


def render(root=".", out="_book") -> Path:
    """Render the book with Quarto, or a static HTML book with nbconvert without it. Used by `make render`."""
    root = Path(root)
    chapters(root)  # a missing _quarto.yml or chapter fails here, with a clear message
    if shutil.which("quarto"):
        command = ["quarto", "render"] + (["--output-dir", str(out)] if str(out) != "_book" else [])
        print(f"rendering with `{' '.join(command)}`", flush=True)
        try:
            subprocess.run(command, cwd=root, check=True)
        except subprocess.CalledProcessError as err:
            raise BookError(f"`{' '.join(command)}` failed with exit code {err.returncode}; its messages are "
                            "above. Fix what they name, then run `make render` again.") from None
        return root / out
    print("Quarto was not found on PATH: building a static HTML book with nbconvert instead "
          "(install Quarto, https://quarto.org, for the full website).", flush=True)
    return build_fallback(root, out)


def build_fallback(root=".", out="_book") -> Path:
    """Write one HTML page per chapter into `out`, with navigation, plus the media. Used by `render()`."""
    root, out_dir = Path(root), Path(root) / out
    config = _config(root)
    pages = [_load_page(path, root) for path in chapters(root)]
    exporter = HTMLExporter(
        template_name="fallback",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    media = set(_resource_files(config, root, out_dir))
    for page in pages:
        media.update(_media_files(page, root))  # fails early on a missing file
    for index, page in enumerate(pages):
        nb = _prepare(page, pages, root)
        resources = {
            "metadata": {"name": page["title"], "path": str(page["source"].parent)},
            "book": _navigation(pages, index, (config.get("book") or {}).get("title") or "Book"),
        }
        html, _ = exporter.from_notebook_node(nb, resources=resources)
        target = out_dir / page["html"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        print(f"wrote {_shown(target, root)}", flush=True)
    for name in sorted(media):
        (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, out_dir / name)
    print(f"copied {len(media)} media files into {_shown(out_dir, root)}")
    print(f"book: {_shown(out_dir / pages[0]['html'], root)} ({len(pages)} pages)")
    return out_dir


class ThisPythonKernel(AsyncKernelManager):
    """A kernel manager that starts ipykernel on this very interpreter (the venv), whatever specs Jupyter has."""

    @property
    def kernel_spec(self) -> KernelSpec:
        """ipykernel's own spec, whose argv starts with sys.executable. Used by `execute()`."""
        if self._kernel_spec is None:
            spec = get_kernel_dict()  # argv: [sys.executable, "-m", "ipykernel_launcher", ...]
            self._kernel_spec = KernelSpec(name="python3", argv=spec["argv"], display_name=spec["display_name"],
                                           language="python", metadata=spec.get("metadata", {}))
        return self._kernel_spec

    @default("transport_encryption")
    def _encrypt_when_possible(self) -> str:
        """Encrypt the kernel's traffic when pyzmq can (ipykernel warns on every start otherwise)."""
        return "auto" if zmq.has("curve") else "disabled"


def main(argv=None) -> None:
    """The command line, `python -m lessonlib.book {execute,render}`. Used by `make book`."""
    parser = argparse.ArgumentParser(prog="python -m lessonlib.book",
                                     description="Execute the chapter notebooks and render the book.")
    parser.add_argument("--root", default=".", help="the book's folder, holding _quarto.yml (default: .)")
    root_again = argparse.ArgumentParser(add_help=False)  # so --root also works after the subcommand
    root_again.add_argument("--root", default=argparse.SUPPRESS, help="the book's folder, holding _quarto.yml")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("execute", parents=[root_again], help="run every chapter notebook in place")
    run.add_argument("notebooks", nargs="*", help="only these notebooks, relative to --root (default: all)")
    build = commands.add_parser("render", parents=[root_again], help="render the book (Quarto, else nbconvert)")
    build.add_argument("--out", default="_book", help="output folder, relative to --root (default: _book)")
    args = parser.parse_args(argv)
    try:
        if args.command == "execute":
            execute(args.root, args.notebooks or None)
        else:
            render(args.root, args.out)
    except BookError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(1) from None


# --- helpers ---------------------------------------------------------------


def _config(root: Path) -> dict:
    """`_quarto.yml` as a dict."""
    path = root / "_quarto.yml"
    if not path.is_file():
        raise BookError(f"{path} not found. Run this from the book's folder (the one with _quarto.yml), "
                        "or pass --root PATH.")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise BookError(f"{path} is not valid YAML: {_one_line(err)}. Fix it and run again.") from None


def _shown(path: Path, root: Path) -> str:
    """`path` relative to `root` for messages, or as given when outside it."""
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


def _one_line(text, limit=300) -> str:
    """`text` squeezed onto one line and cut to `limit` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read_notebook(path: Path, root: Path):
    """The notebook at `path` (nbformat 4)."""
    try:
        return nbformat.read(str(path), as_version=4)
    except (OSError, ValueError) as err:
        raise BookError(f"{_shown(path, root)} is not a readable notebook ({_one_line(err)}). "
                        "Restore it from git or re-save it in Jupyter.") from None


def _failed_cell(nb) -> str:
    """'cell N (`first line`)' for the cell that stopped execution, for error messages."""
    for number, cell in enumerate(nb.cells, 1):
        if "raises-exception" in cell.metadata.get("tags", []):
            continue
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            code = [line for line in cell.source.splitlines() if line.strip() and not line.startswith("#|")]
            return f"cell {number} (`{_one_line(code[0] if code else '', 80)}`)"
    return "a cell"


def _load_page(path: Path, root: Path) -> dict:
    """A chapter as {source, html, title, nb}: its notebook (Markdown chapters become one cell)."""
    if path.suffix == ".ipynb":
        nb = _read_notebook(path, root)
    else:
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^```\{(\w+)[^}]*\}", r"```\1", text, flags=re.MULTILINE)  # ```{python} -> ```python
        front = FRONT_MATTER.match(text)
        cells = [nbformat.v4.new_raw_cell(front.group(0).strip())] if front else []
        cells.append(nbformat.v4.new_markdown_cell(text[front.end() if front else 0 :]))
        nb = nbformat.v4.new_notebook(cells=cells)
    front = _front_matter(nb, path, root)
    title = front.get("title")
    if not title:
        headings = (HEADING.search(cell.source) for cell in nb.cells if cell.cell_type == "markdown")
        title = next((heading.group(1) for heading in headings if heading), path.stem)
    html = path.relative_to(root).with_suffix(".html").as_posix()
    return {"source": path, "html": html, "title": str(title), "nb": nb}


def _front_matter(nb, path: Path, root: Path) -> dict:
    """The YAML front matter of a notebook (its first raw `---` cell), or {}."""
    for cell in nb.cells:
        if _is_front_matter(cell):
            try:
                front = yaml.safe_load(FRONT_MATTER.match(cell.source).group(1))
            except yaml.YAMLError as err:
                raise BookError(f"{_shown(path, root)}: the front matter (the raw `---` cell) is not valid YAML: "
                                f"{_one_line(err)}. Fix it in Jupyter and run again.") from None
            return front if isinstance(front, dict) else {}
    return {}


def _is_front_matter(cell) -> bool:
    """Whether `cell` is a raw cell holding `---` YAML front matter."""
    return cell.cell_type == "raw" and FRONT_MATTER.match(cell.source) is not None


def _cell_options(cell, number: int, path: Path, root: Path) -> tuple[dict, str]:
    """A code cell's Quarto options (its leading `#|` lines) and its source without them."""
    lines = cell.source.splitlines(keepends=True)
    options = []
    while lines and OPTION_LINE.match(lines[0]):
        options.append(OPTION_LINE.match(lines.pop(0)).group(1).rstrip("\n"))
    if not options:
        return {}, cell.source
    try:
        parsed = yaml.safe_load("\n".join(options))
    except yaml.YAMLError as err:
        parsed = err
    if not isinstance(parsed, dict):
        raise BookError(f"{_shown(path, root)}: cell {number} has `#|` options that are not `key: value` YAML "
                        f"({_one_line(parsed)}). Fix them in Jupyter and run again.")
    return parsed, "".join(lines)


def _prepare(page: dict, pages: list[dict], root: Path):
    """A copy of the page's notebook with Quarto's cell options applied, for the template."""
    path, nb = page["source"], nbformat.from_dict(page["nb"])
    chapter_files = {p["source"].resolve(): p for p in pages}
    cells = []
    for number, cell in enumerate(nb.cells, 1):
        if _is_front_matter(cell):
            continue
        if cell.cell_type == "markdown":
            cell.source = HEADING_ATTRIBUTES.sub(r"\1", _link_chapters(cell.source, path, chapter_files))
        if cell.cell_type == "code":
            options, cell.source = _cell_options(cell, number, path, root)
            if options.get("include") is False:
                continue
            if options.get("echo") is False:
                cell.metadata["transient"] = {"remove_source": True}
            if options.get("output") is False:
                cell.outputs = []
            caption = options.get("fig-cap")
            fold = options.get("code-fold")
            cell.metadata["book"] = {  # read by templates/fallback/index.html.j2
                "code_fold": fold if fold in (True, "show") else None,
                "caption": str(caption) if caption else None,
                "alt": str(options.get("fig-alt") or caption or "figure"),
                "label": options.get("label"),
            }
        cells.append(cell)
    nb.cells = cells
    nb.metadata["title"] = page["title"]
    return nb


def _link_chapters(source: str, path: Path, chapter_files: dict) -> str:
    """Markdown whose links to other chapters' .ipynb/.qmd/.md files point at their .html pages."""

    def to_html(match):
        start, stem, suffix = match.groups()
        is_chapter = (path.parent / (stem + suffix)).resolve() in chapter_files
        return start + stem + ".html" if is_chapter else match.group(0)

    return CHAPTER_LINK.sub(to_html, source)


def _navigation(pages: list[dict], index: int, title: str) -> dict:
    """The links for page `index`: book title, every chapter, previous and next."""
    here = posixpath.dirname(pages[index]["html"]) or "."

    def link(page):
        return {"title": page["title"], "href": posixpath.relpath(page["html"], here)}

    return {
        "title": title,
        "home": link(pages[0])["href"],
        "pages": [dict(link(page), current=i == index) for i, page in enumerate(pages)],
        "prev": link(pages[index - 1]) if index > 0 else None,
        "next": link(pages[index + 1]) if index + 1 < len(pages) else None,
    }


def _resource_files(config: dict, root: Path, out_dir: Path) -> list[str]:
    """The files matched by the `project: resources:` globs of `_quarto.yml`, relative to `root`."""
    patterns = (config.get("project") or {}).get("resources") or []
    files = []
    for pattern in [patterns] if isinstance(patterns, str) else patterns:
        matches = sorted(root.glob(str(pattern).lstrip("/")))
        if not matches:
            print(f"note: `project: resources:` pattern {pattern!r} matches no file")
        for match in matches:
            for file in sorted(match.rglob("*")) if match.is_dir() else [match]:
                if file.is_file() and out_dir not in file.parents:
                    files.append(file.relative_to(root).as_posix())
    return files


def _media_files(page: dict, root: Path) -> list[str]:
    """The local files a chapter's Markdown shows (`src="..."`, `![](...)`), relative to `root`."""
    path, files = page["source"], []
    for cell in page["nb"].cells:
        if cell.cell_type != "markdown":
            continue
        for match in MEDIA_REF.finditer(cell.source):
            ref = match.group(1) or match.group(2)
            if URL_SCHEME.match(ref):
                continue  # http(s), data:, attachment:, #anchor
            name = posixpath.normpath(posixpath.join(path.parent.relative_to(root).as_posix(),
                                                     unquote(ref.split("#")[0].split("?")[0])))
            if name.startswith("../"):
                raise BookError(f"{_shown(path, root)} shows {ref}, which lies outside the book's folder {root}; "
                                "move the file into the book and fix the path.")
            if not (root / name).is_file():
                raise BookError(f"{_shown(path, root)} shows {ref}, but {root / name} does not exist. Create that "
                                "file (e.g. run the notebook cell that writes it) or fix the path in the notebook.")
            files.append(name)
    return files


if __name__ == "__main__":
    main()
