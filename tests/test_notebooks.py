"""Static checks of the committed notebooks: executed, clean, and renderable by Quarto."""

import json
import re

import pytest
import yaml

from lessonlib.book import CROSSREF, equations_in, read_bibtex, references_in
from lessonlib.book import chapters as book_chapters


def notebooks(root):
    return [p for p in book_chapters(root) if p.suffix == ".ipynb"]


def cells(path, kind=None):
    nb = json.loads(path.read_text())
    return [c for c in nb["cells"] if kind is None or c["cell_type"] == kind]


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def options(cell):
    """A code cell's Quarto options: its leading `#|` lines as a dict."""
    lines = source(cell).splitlines()
    head = 0
    while head < len(lines) and lines[head].startswith("#|"):
        head += 1
    return yaml.safe_load("\n".join(l[3:] for l in lines[:head])) or {}


def prose(path):
    """The Markdown a chapter shows: a notebook's markdown cells and figure captions, or a .qmd/.md file."""
    if path.suffix != ".ipynb":
        return [path.read_text()]
    return [source(c) for c in cells(path, "markdown")] + [str(options(c)["fig-cap"]) for c in cells(path, "code")
                                                           if "fig-cap" in options(c)]


def test_every_code_cell_was_executed_top_to_bottom(root):
    for path in notebooks(root):
        counts = [c["execution_count"] for c in cells(path, "code")]
        assert counts == list(range(1, len(counts) + 1)), f"{path.name}: run it top to bottom in a fresh kernel"


def test_no_errors_widgets_or_memory_addresses_in_outputs(root):
    for path in notebooks(root):
        for cell in cells(path, "code"):
            for out in cell.get("outputs", []):
                assert out["output_type"] != "error", f"{path.name}: a cell raised {out.get('ename')}"
                data = out.get("data", {})
                assert "application/vnd.jupyter.widget-view+json" not in data, f"{path.name}: widget output"
                text = "".join(out.get("text", "")) + "".join(data.get("text/plain", ""))
                assert not re.search(r" at 0x[0-9a-f]{6,}", text), f"{path.name}: object repr with an address: {text!r}"
                assert out.get("name") != "stderr", f"{path.name}: stderr output (a warning?): {text[:200]!r}"


def test_ignored_outputs_carry_a_one_line_reason(root):
    for path in notebooks(root):
        for cell in cells(path, "code"):
            tags = cell.get("metadata", {}).get("tags", [])
            if "nbval-ignore-output" in tags or "nbval-skip" in tags:
                reason = cell["metadata"].get("nbval-ignore-reason", "")
                assert reason.strip() and "\n" not in reason, f"{path.name}: ignored cell without a reason: {source(cell)[:80]!r}"


def test_cell_options_are_the_first_lines_and_valid_yaml(root):
    for path in notebooks(root):
        for cell in cells(path, "code"):
            lines = source(cell).splitlines()
            head = 0
            while head < len(lines) and lines[head].startswith("#|"):
                head += 1
            assert not any(l.startswith("#|") for l in lines[head:]), f"{path.name}: '#|' option below code"
            options = yaml.safe_load("\n".join(l[3:] for l in lines[:head])) or {}
            assert isinstance(options, dict), f"{path.name}: bad cell options {lines[:head]}"
            if "label" in options:
                assert options["label"].startswith("fig-") and "fig-cap" in options, f"{path.name}: {options}"


def test_figure_labels_are_unique_across_the_book(root):
    labels = []
    for path in notebooks(root):
        for cell in cells(path, "code"):
            labels += re.findall(r"^#\| label: (\S+)", source(cell), flags=re.M)
    assert len(labels) == len(set(labels)), sorted(labels)


def test_each_page_opens_with_a_title(root):
    # a comment may come first: the home page's keeps Quarto from numbering it (quarto-cli#8526)
    for path in notebooks(root):
        first = cells(path)[0]
        text = re.sub(r"\A(<!--.*?-->\s*)+", "", source(first), flags=re.S)
        assert first["cell_type"] == "markdown" and text.startswith("# "), path.name


@pytest.mark.parametrize("pattern", [r"<video[^>]*\ssrc=", r"\{\{<\s*video"])
def test_videos_use_source_elements_that_work_everywhere(root, pattern):
    # bare <video src> is not copied by Quarto; a {{< video >}} shortcode shows as text in Jupyter
    for path in notebooks(root):
        for cell in cells(path, "markdown"):
            assert not re.search(pattern, source(cell)), f"{path.name}: use <video><source src=...></video>"


def test_referenced_media_exist_and_are_mp4_h264(root):
    from lessonlib.video import probe_mp4
    found = 0
    for path in notebooks(root):
        for cell in cells(path, "markdown"):
            for src in re.findall(r'<source src="([^"]+)" type="video/mp4"', source(cell)):
                media = path.parent / src
                assert media.is_file(), f"{path.name} shows {src}, which does not exist: run make book"
                info = probe_mp4(media)
                assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p" and info["faststart"], info
                found += 1
    assert found >= 1


def test_chapter_files_are_named_by_topic(root):
    for path in (root / "chapters").glob("*.ipynb"):
        assert not re.match(r"^\d", path.name), f"{path.name}: name chapters by topic, not number"


def test_citations_and_references_bib_match(root):
    # every [@key] / @key of the book has an entry, and every entry is cited: no dead references
    bib = read_bibtex(root / yaml.safe_load((root / "_quarto.yml").read_text())["bibliography"])
    cited = {}
    for path in book_chapters(root):
        for text in prose(path):
            for key in references_in(text):
                if not CROSSREF.match(key):
                    cited.setdefault(key, path.name)
    unknown = {key: where for key, where in cited.items() if key not in bib}
    assert not unknown, f"cited but not in references.bib: {unknown}"
    dead = sorted(set(bib) - set(cited))
    assert not dead, f"entries of references.bib that no chapter cites (cite them or remove them): {dead}"


def test_every_figure_has_a_label_a_caption_and_alt_text(root):
    for path in notebooks(root):
        for cell in cells(path, "code"):
            if not any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
                continue
            opts = options(cell)
            where = f"{path.name}: {source(cell)[:80]!r}"
            assert str(opts.get("label", "")).startswith("fig-"), f"{where}: add `#| label: fig-...`"
            assert opts.get("fig-cap"), f"{where}: add `#| fig-cap:`"
            assert opts.get("fig-alt"), f"{where}: add `#| fig-alt:`, what the picture shows, for screen readers"
            assert opts["fig-alt"] != opts["fig-cap"], f"{where}: the alt text should describe, not repeat the caption"


def test_figure_references_name_figures_of_the_same_chapter_and_every_figure_is_referenced(root):
    for path in notebooks(root):
        labels = {options(c).get("label") for c in cells(path, "code")}
        figures = {label for label in labels if str(label).startswith("fig-")}
        referenced = {key for text in prose(path) for key in references_in(text) if key.startswith("fig-")}
        assert referenced <= figures, f"{path.name}: @fig- references to no figure of this chapter: {sorted(referenced - figures)}"
        assert figures <= referenced, f"{path.name}: figures the text never refers to (write @label): {sorted(figures - referenced)}"


def test_equation_references_name_equations_of_the_same_chapter_and_every_equation_is_referenced(root):
    # `$$ ... $$ {#eq-label}` numbers an equation; `@eq-label` refers to it ("Equation 3.1")
    every = []
    for path in notebooks(root):
        labels = [label for cell in cells(path, "markdown") for label in equations_in(source(cell))]
        referenced = {key for text in prose(path) for key in references_in(text) if key.startswith("eq-")}
        assert referenced <= set(labels), f"{path.name}: @eq- references to no equation of this chapter: {sorted(referenced - set(labels))}"
        assert set(labels) <= referenced, f"{path.name}: equations the text never refers to (write @label): {sorted(set(labels) - referenced)}"
        every += labels
    assert every, "no labelled equations in the book: label the key ones, `$$ ... $$ {#eq-name}`"
    assert len(every) == len(set(every)), f"equation labels must be unique in the book: {sorted(every)}"
