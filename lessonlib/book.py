"""Build the book: run the chapter notebooks, then render them into a website.

Used by `make book` (through `make execute` and `make render`):

    python -m lessonlib.book execute   # run every chapter notebook in place
    python -m lessonlib.book render    # Quarto if installed, else a static HTML book

The chapter order comes from `_quarto.yml` (`book: chapters:`), the single
source of truth for Quarto and for the nbconvert fallback alike. Without Quarto the
fallback also does what Quarto would: citations (`[@key]`, `@key`, from the
`bibliography:` file) link to the page holding `::: {#refs}`, labelled figures are
numbered per chapter ("Figure 3.2") with `@fig-label` references linking to them, and so are
labelled display equations (`$$ ... $$ {#eq-label}`: "(3.1)", `@eq-label` reads "Equation 3.1").
"""

from __future__ import annotations

import argparse
import html
import posixpath
import re
import shutil
import subprocess
import sys
import time
import unicodedata
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

# Pandoc citations and Quarto cross-references: `[@key]`, `[see @a, p. 3; -@b]`, `@key`, `@fig-label`.
# A key starts with a letter, digit or _ and may hold internal punctuation (Pandoc's rule).
REF_KEY = r"\w+(?:[:.#$%&\-+?<>~/]\w+)*"
NARRATIVE_REF = re.compile(rf"(?<![\w@\\])@({REF_KEY})")  # not inside a word (e-mail), not `\@`
BRACKETED_REFS = re.compile(r"\[([^\[\]]*)\](?![(\[{])")  # not a link `[text](url)` or `[text][ref]`
REF_ITEM = re.compile(rf"\s*(.*?)(?<![\w@\\])(-?)@({REF_KEY})(.*?)\s*", re.DOTALL)
NUMBERED = re.compile(r"^(fig|eq)-")  # the cross-references the fallback numbers; Quarto's others are left as written
CROSSREF = re.compile(r"^(fig|tbl|lst|eq|sec|thm|lem|cor|prp|cnj|def|exm|exr|sol|rem|tip|nte|wrn|imp|cau)-")
# What Pandoc never reads citations in: code, maths, HTML tags, link targets and bare URLs.
NOT_PROSE = re.compile(r"""
    ^(?P<fence>```+|~~~+).*?^(?P=fence)[ \t]*$    # fenced code block
  | (?P<ticks>`+).+?(?P=ticks)                    # inline code
  | \$\$.+?\$\$ | (?<![\\$])\$[^$\n]+\$       # display and inline maths
  | <!--.*?--> | </?[A-Za-z][^>\n]*>              # an HTML comment or tag
  | \]\([^)\n]*\) | \b(?:https?|ftp|mailto):[^\s)>\]]+   # a link target, a bare URL
  | ^[ ]{0,3}\[[^\]\n]+\]:.*?$                   # a link reference definition `[label]: url`
""", re.MULTILINE | re.DOTALL | re.VERBOSE)
BIB_ENTRY = re.compile(r"@\s*(\w+)\s*([{(])")  # BibTeX: `@article{`
BIB_KEY = re.compile(r"\s*([^\s,{}()]+)\s*,")
BIB_FIELD = re.compile(r"([\w\-:.]+)\s*=\s*")
BIB_BARE = re.compile(r"[^\s,#{}()\"]+")  # a value without braces or quotes: a number, a month
# Display maths, labelled as Quarto does it: `$$ ... $$ {#eq-label}`. Code is matched too, to be skipped;
# every `$$ ... $$` is matched, labelled or not, so that the `$$` pair up as Pandoc pairs them.
EQUATION = re.compile(rf"""
    ^(?P<fence>```+|~~~+).*?^(?P=fence)[ \t]*$ | (?P<ticks>`+).+?(?P=ticks)   # code: left alone
  | \$\$(?P<maths>.+?)\$\$(?:[ \t]*\{{\#(?P<label>eq-{REF_KEY})\}})?         # display maths, maybe labelled
""", re.MULTILINE | re.DOTALL | re.VERBOSE)
REFS_DIV = re.compile(r"^:::+[ \t]*\{#refs\b[^}\n]*\}[ \t]*$.*?^:::+[ \t]*$", re.MULTILINE | re.DOTALL)


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
    refs = _references(config, pages, root)
    for page in pages:
        _prepare(page, pages, root, refs)  # a first pass: every citation checked, and collected for {#refs}
    for index, page in enumerate(pages):
        nb = _prepare(page, pages, root, refs)
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


def read_bibtex(path) -> dict[str, dict]:
    """The entries of a BibTeX file, {key: {"type": ..., field: value}}, values with braces kept.

    A small parser for the book's own `references.bib`: `@type{key, field = {value} # "more", ...}`,
    `{...}` or `"..."` values (braces nest), bare numbers and months; `%` comment lines and
    @comment/@preamble/@string skipped.
    Used by `render()` (citations without Quarto) and tests/test_notebooks.py.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    entries, pos = {}, 0

    def fail(at, problem):
        line = text.count("\n", 0, at) + 1
        raise BookError(f"{path}, line {line}: {problem}. Fix the BibTeX entry there.")

    def skip_space(at):
        while at < len(text) and text[at].isspace():
            at += 1
        return at

    def group(at):  # text[at] is `{` or `"`: the value inside and the position after it
        depth, i = 0, at + 1
        while i < len(text):
            char = text[i]
            if char == "\\":
                i += 2
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                if depth == 0:
                    if text[at] == "{":
                        return text[at + 1 : i], i + 1
                    fail(i, "a `}` closes nothing")
                depth -= 1
            elif char == '"' and text[at] == '"' and depth == 0:
                return text[at + 1 : i], i + 1
            i += 1
        fail(at, f"a `{text[at]}` is never closed")

    while True:
        at = text.find("@", pos)
        if at < 0:
            return entries
        match = BIB_ENTRY.match(text, at)
        line_start = text.rfind("\n", 0, at) + 1
        if not match or text[line_start:at].lstrip().startswith("%"):
            pos = at + 1  # an @ in a `%` comment or outside any entry: ignored, as biber does
            continue
        kind, opener = match.group(1).lower(), match.group(2)
        close = "}" if opener == "{" else ")"
        if kind in ("comment", "preamble", "string"):
            if opener == "{":
                pos = group(match.end() - 1)[1]
            else:
                end = text.find(")", match.end())
                pos = len(text) if end < 0 else end + 1
            continue
        key_match = BIB_KEY.match(text, match.end())
        if not key_match:
            fail(at, f"the @{kind} entry has no `key,` after its `{opener}`")
        key, at = key_match.group(1), key_match.end()
        if key in entries:
            fail(at, f"the key {key} is used by two entries")
        entry = {"type": kind, "key": key}
        while True:
            at = skip_space(at)
            if at < len(text) and text[at] == ",":
                at += 1
                continue
            if at >= len(text):
                fail(match.start(), f"the entry {key} is never closed")
            if text[at] == close:
                pos = at + 1
                break
            field = BIB_FIELD.match(text, at)
            if not field:
                fail(at, f"the entry {key} has something that is not `field = value`")
            name, at, parts = field.group(1).lower(), field.end(), []
            while True:
                at = skip_space(at)
                if at < len(text) and text[at] in '{"':
                    part, at = group(at)
                else:
                    bare = BIB_BARE.match(text, at)
                    if not bare:
                        fail(at, f"the field {name} of {key} has no value")
                    part, at = bare.group(0), bare.end()
                parts.append(part)
                at = skip_space(at)
                if at < len(text) and text[at] == "#":  # concatenation
                    at += 1
                    continue
                break
            entry[name] = " ".join("".join(parts).split())
        entries[key] = entry


def references_in(markdown: str) -> list[str]:
    """Every `@key` of the Markdown's prose, citations and cross-references alike, in order.

    Code, maths, HTML tags and URLs are skipped, as Pandoc does. Used by tests/test_notebooks.py.
    """
    prose = NOT_PROSE.sub(" ", markdown)
    return NARRATIVE_REF.findall(prose)


def equations_in(markdown: str) -> list[str]:
    """The labels of the Markdown's labelled display equations (`$$ ... $$ {#eq-label}`), in order.

    Used by `render()` (equation numbers without Quarto) and tests/test_notebooks.py.
    """
    return [match.group("label") for match in EQUATION.finditer(markdown) if match.group("label")]


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
    headings = (HEADING.search(cell.source) for cell in nb.cells if cell.cell_type == "markdown")
    heading = next((heading for heading in headings if heading), None)
    title = front.get("title") or (heading.group(1) if heading else path.stem)
    classes = (heading.group(2) or "").strip("{}").split() if heading else []
    html = path.relative_to(root).with_suffix(".html").as_posix()
    return {"source": path, "html": html, "title": str(title), "nb": nb,
            "unnumbered": ".unnumbered" in classes or "-" in classes}


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


def _prepare(page: dict, pages: list[dict], root: Path, refs: dict):
    """A copy of the page's notebook with Quarto's cell options, citations and cross-references applied."""
    path, nb = page["source"], nbformat.from_dict(page["nb"])
    chapter_files = {p["source"].resolve(): p for p in pages}
    cells = []
    for number, cell in enumerate(nb.cells, 1):
        if _is_front_matter(cell):
            continue
        if cell.cell_type == "markdown":
            source = _number_equations(_resolve_references(cell.source, page, refs, root), refs)
            source = REFS_DIV.sub(lambda match: _bibliography_html(refs), source)
            cell.source = HEADING_ATTRIBUTES.sub(r"\1", _link_chapters(source, path, chapter_files))
        if cell.cell_type == "code":
            options, cell.source = _cell_options(cell, number, path, root)
            if options.get("include") is False:
                continue
            if options.get("echo") is False:
                cell.metadata["transient"] = {"remove_source": True}
            if options.get("output") is False:
                cell.outputs = []
            caption = options.get("fig-cap")
            caption = _resolve_references(str(caption), page, refs, root, plain=True) if caption else None
            fold = options.get("code-fold")
            label = options.get("label")
            figure = refs["figures"].get(label) if isinstance(label, str) else None
            cell.metadata["book"] = {  # read by templates/fallback/index.html.j2
                "code_fold": fold if fold in (True, "show") else None,
                "code_summary": str(options["code-summary"]) if options.get("code-summary") else None,
                "caption": caption,
                "alt": str(options.get("fig-alt") or caption or "figure"),
                "label": options.get("label"),
                "figure": f"{refs['fig_title']} {figure['number']}" if figure else None,  # "Figure 3.2"
                "title_delim": refs["title_delim"],
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


def _references(config: dict, pages: list[dict], root: Path) -> dict:
    """What citations and cross-references resolve to: the bibliography, the numbers of the figures and
    equations, the {#refs} page."""
    names = config.get("bibliography") or []
    names = [names] if isinstance(names, str) else list(names)
    bib = {}
    for name in names:
        path = root / str(name)
        if not path.is_file():
            raise BookError(f"{root / '_quarto.yml'} names the bibliography {name}, but {path} does not exist. "
                            "Create it, or fix or remove the `bibliography:` line.")
        if path.suffix.lower() != ".bib":
            raise BookError(f"the bibliography {name} is not a .bib file; without Quarto the book reads BibTeX only. "
                            "Convert it to BibTeX or install Quarto.")
        bib.update(read_bibtex(path))
    crossref = config.get("crossref") or {}
    figures, equations, chapter = {}, {}, 0
    for index, page in enumerate(pages):  # chapters numbered in book order; the home page and {.unnumbered} not
        page["number"] = None if index == 0 or page["unnumbered"] else chapter + 1
        chapter = page["number"] or chapter
        count = 0
        for number, cell in enumerate(page["nb"].cells, 1):
            if cell.cell_type != "code":
                continue
            label = _cell_options(cell, number, page["source"], root)[0].get("label")
            if not (isinstance(label, str) and label.startswith("fig-")):
                continue
            if label in figures:
                raise BookError(f"{_shown(page['source'], root)}: the figure label {label} is also used in "
                                f"{_shown(figures[label]['page']['source'], root)}; labels must be unique in the book.")
            count += 1
            figures[label] = {"page": page, "number": f"{page['number']}.{count}" if page["number"] else str(count)}
        count = 0
        for cell in page["nb"].cells:
            if cell.cell_type != "markdown":
                continue
            for label in equations_in(cell.source):
                if label in equations:
                    raise BookError(f"{_shown(page['source'], root)}: the equation label {label} is also used in "
                                    f"{_shown(equations[label]['page']['source'], root)}; labels must be unique "
                                    "in the book.")
                count += 1
                equations[label] = {"page": page,
                                    "number": f"{page['number']}.{count}" if page["number"] else str(count)}
    refs_pages = [page for page in pages if any(cell.cell_type == "markdown" and REFS_DIV.search(cell.source)
                                                 for cell in page["nb"].cells)]
    return {
        "bib": bib,
        "bib_names": ", ".join(map(str, names)),
        "figures": figures,
        "equations": equations,
        "refs_html": refs_pages[0]["html"] if refs_pages else None,
        "cited": set(),
        "fig_title": str(crossref.get("fig-title", "Figure")),
        "fig_prefix": str(crossref.get("fig-prefix", "Figure")),
        "eq_prefix": str(crossref.get("eq-prefix", "Equation")),
        "title_delim": str(crossref.get("title-delim", ":")),
    }


def _resolve_references(source: str, page: dict, refs: dict, root: Path, plain=False) -> str:
    """Markdown whose citations read "(Author, Year)" or "Author (Year)", whose `@fig-x` read "Figure 3.2" and
    whose `@eq-x` read "Equation 3.1", each a link (the references page, the figure, the equation) unless
    `plain`; `[-@fig-x]` is the number alone. Unknown keys and labels are BookErrors."""
    here = posixpath.dirname(page["html"]) or "."
    protected = []

    def protect(match):
        protected.append(match.group(0))
        return f"\ue000{len(protected) - 1}\ue001"

    def link(text, href):
        if plain or href is None:
            return text
        return "[" + re.sub(r"([\\`*_\[\]<>])", r"\\\1", text) + f"]({href})"

    def crossref(label, suppress=False):  # a figure or an equation
        if label.startswith("fig-"):
            found, prefix = refs["figures"].get(label), refs["fig_prefix"]
            how = f"no figure has `#| label: {label}`. Fix the reference, or label the figure's cell."
        else:
            found, prefix = refs["equations"].get(label), refs["eq_prefix"]
            how = (f"no equation is labelled {{#{label}}}. Fix the reference, or label the display equation: "
                   f"`$$ ... $$ {{#{label}}}`.")
        if found is None:
            raise BookError(f"{_shown(page['source'], root)} refers to @{label}, but {how}")
        target = "" if found["page"] is page else posixpath.relpath(found["page"]["html"], here)
        return link(found["number"] if suppress else f"{prefix} {found['number']}", f"{target}#{label}")

    def cite(key):
        entry = refs["bib"].get(key)
        if entry is None:
            where = (f"{refs['bib_names']}" if refs["bib_names"] else
                     "no bibliography (_quarto.yml has no `bibliography:`)")
            raise BookError(f"{_shown(page['source'], root)} cites @{key}, which is not in {where}. Add the entry, "
                            "or fix the key (write \\@ for a literal @).")
        refs["cited"].add(key)
        href = posixpath.relpath(refs["refs_html"], here) + f"#ref-{key}" if refs["refs_html"] else None
        return _cite_authors(entry), _year(entry), href

    def bracketed(match):
        items = [REF_ITEM.fullmatch(item) for item in match.group(1).split(";")]
        if not all(items) or any(CROSSREF.match(i.group(3)) and not NUMBERED.match(i.group(3)) for i in items):
            return match.group(0)  # not a citation: plain brackets, or a cross-reference we do not number
        shown, any_citation = [], False
        for item in items:
            prefix, suppress, key, suffix = item.groups()
            if NUMBERED.match(key):
                text = crossref(key, bool(suppress))
            else:
                authors, year, href = cite(key)
                text, any_citation = link(year if suppress else f"{authors}, {year}", href), True
            shown.append((prefix.rstrip() + " " if prefix.strip() else "") + text + suffix)
        return ("(" if any_citation else "") + "; ".join(shown) + (")" if any_citation else "")

    def narrative(match):
        key = match.group(1)
        if NUMBERED.match(key):
            return crossref(key)
        if CROSSREF.match(key):
            return match.group(0)  # @sec-x, @tbl-x, ...: Quarto's, left as written
        authors, year, href = cite(key)
        return link(f"{authors} ({year})", href)

    text = NOT_PROSE.sub(protect, source)
    text = NARRATIVE_REF.sub(narrative, BRACKETED_REFS.sub(bracketed, text))
    return re.sub("\ue000(\\d+)\ue001", lambda match: protected[int(match.group(1))], text)


def _number_equations(source: str, refs: dict) -> str:
    r"""Markdown whose labelled display equations carry their number, `\tag{3.1}` for MathJax, inside a
    `<div id="eq-label">` for the links; blank lines around keep the maths a block of its own."""

    def number(match):
        label = match.group("label")
        if not label:
            return match.group(0)  # code, or maths without a label
        tag = r"\tag{" + refs["equations"][label]["number"] + "}"
        return (f'\n\n<div id="{html.escape(label)}" class="equation">\n\n'
                f"$${match.group('maths').rstrip()} {tag}$$\n\n</div>\n\n")

    return EQUATION.sub(number, source)


def _bibliography_html(refs: dict) -> str:
    """The {#refs} div: every cited entry, sorted by first author, as `<p id="ref-key">`."""
    def order(entry):
        names = _names(entry)
        return (names[0][0] if names else _latex_to_text(entry.get("title", ""))).lower(), _year(entry), entry["key"]

    entries = sorted((refs["bib"][key] for key in refs["cited"]), key=order)
    lines = ['<div id="refs" class="references" role="list">']
    lines += [f'<p id="ref-{html.escape(entry["key"])}" role="listitem">{_format_entry(entry)}</p>' for entry in entries]
    return "\n".join(lines + ["</div>"])


def _latex_to_text(value: str) -> str:
    r"""A BibTeX value as plain text: accents (`{\"u}`), `\&`, `--`, `~` and case-protecting braces resolved."""
    accents = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
               ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "r": "\u030a", "k": "\u0328"}
    value = re.sub(r"\\([\"'`^~=.])\s*\{?(\w)\}?|\\([cvuHrk])(?:\s*\{(\w)\}|\s+(\w))",
                   lambda m: (m.group(2) or m.group(4) or m.group(5)) + accents[m.group(1) or m.group(3)], value)
    value = value.replace("---", "\u2014").replace("--", "\u2013").replace("~", "\u00a0")
    value = re.sub(r"\\([&%$#_{}])", r"\1", value)
    return unicodedata.normalize("NFC", " ".join(value.replace("{", "").replace("}", "").split()))


def _split_top(value: str, separator: str) -> list[str]:
    """`value` split at `separator` (a regex) outside braces."""
    parts, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|" + separator, value):
        if match.group(0) == "{":
            depth += 1
        elif match.group(0) == "}":
            depth -= 1
        elif depth == 0:
            parts.append(value[start:match.start()])
            start = match.end()
    return [part.strip() for part in parts + [value[start:]] if part.strip()]


def _names(entry: dict) -> list[tuple[str, str]]:
    """The (surname with its von part, given names) of each author (else editor), as plain text."""
    people = []
    for name in _split_top(entry.get("author") or entry.get("editor") or "", r"\s+and\s+"):
        parts = _split_top(name, ",")
        if len(parts) > 1:  # "von Last, First" or "von Last, Jr, First"
            surname, given = parts[0], parts[-1]
        else:  # "First von Last": the surname starts at the first lower-case word, else it is the last word
            words = _split_top(name, r"\s+")
            first_lower = next((i for i, word in enumerate(words[:-1]) if word[:1].islower()), len(words) - 1)
            surname, given = " ".join(words[first_lower:]), " ".join(words[:first_lower])
        people.append((_latex_to_text(surname), _latex_to_text(given)))
    return people


def _year(entry: dict) -> str:
    """The entry's year (or the year of its date), else "n.d."."""
    year = entry.get("year") or entry.get("date", "")[:4]
    return _latex_to_text(year) or "n.d."


def _cite_authors(entry: dict) -> str:
    """"Surname", "Surname & Surname" or "Surname et al.", as in-text citations show them."""
    surnames = [surname for surname, _ in _names(entry)]
    if not surnames:
        return _latex_to_text(entry.get("title", entry["key"]))
    return surnames[0] if len(surnames) == 1 else " & ".join(surnames) if len(surnames) == 2 else f"{surnames[0]} et al."


def _format_entry(entry: dict) -> str:
    """One bibliography entry as HTML: "Authors (Year). Title. Venue. Link"."""

    def initials(given):
        return " ".join("-".join(part[:1] + "." for part in word.split("-") if part) for word in given.split())

    people = [f"{surname}, {initials(given)}" if given else surname for surname, given in _names(entry)]
    authors = people[0] if len(people) == 1 else ", ".join(people[:-1]) + " & " + people[-1] if people else ""

    def field(name):
        return _latex_to_text(entry.get(name, ""))

    def sentence(text):
        return text if not text or text[-1] in ".?!" else text + "."

    pages = field("pages")
    if entry["type"] == "article":
        volume = field("volume") + (f"({field('number')})" if field("number") else "")
        venue = ", ".join(part for part in (field("journal"), volume, pages) if part)
    elif field("booktitle"):
        series = " ".join(part for part in (field("series"), field("volume")) if part)
        venue = "In " + ", ".join(part for part in (field("booktitle"), series, pages) if part)
    else:
        venue = next((field(name) for name in ("howpublished", "publisher", "institution", "school", "journal")
                      if field(name)), "")
    parts = [html.escape(sentence(f"{authors} ({_year(entry)})" if authors else f"({_year(entry)})")),
             html.escape(sentence(field("title"))), html.escape(sentence(venue)), html.escape(sentence(field("note")))]
    url = f"https://doi.org/{field('doi')}" if field("doi") else field("url")
    if url:
        parts.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
    return " ".join(part for part in parts if part)


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
