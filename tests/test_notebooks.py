"""Static checks of the committed notebooks: executed, clean, and ready for Quarto.

What Quarto makes of them (references, citations, numbering) is checked on its output, in
tests/test_quarto_output.py.
"""

import json
import re

import pytest
import yaml

from support import cell_options
from tools.book import SETUP_ID, chapters, setup_source


def notebooks(root):
    return [p for p in chapters(root) if p.suffix == ".ipynb"]


def cells(path, kind=None):
    nb = json.loads(path.read_text())
    return [c for c in nb["cells"] if kind is None or c["cell_type"] == kind]


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def options_of(cell):
    """A code cell's Quarto options: its leading `#|` lines as a dict."""
    return cell_options(source(cell))


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


def test_every_notebook_starts_with_the_current_setup_cell(root):
    # Colab, Binder and a downloaded notebook install lessonlib through this cell
    want = setup_source(root)
    for path in notebooks(root):
        first = cells(path, "code")[0]
        assert first.get("id") == SETUP_ID and source(first) == want, \
            f"{path.name}: its first code cell is not the current set-up cell: run " \
            "`python tools/book.py setup-cells`, then execute the notebook"
        outputs = "".join("".join(o.get("text", "")) for o in first.get("outputs", []))
        assert "lessonlib runs this notebook on" in outputs, f"{path.name}: execute it"


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
            try:
                options = options_of(cell)
            except yaml.YAMLError as err:
                pytest.fail(f"{path.name}: cell options are not YAML: {err}", pytrace=False)
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


def test_every_figure_has_a_label_a_caption_and_alt_text(root):
    for path in notebooks(root):
        for cell in cells(path, "code"):
            if not any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
                continue
            opts = options_of(cell)
            where = f"{path.name}: {source(cell)[:80]!r}"
            assert str(opts.get("label", "")).startswith("fig-"), f"{where}: add `#| label: fig-...`"
            assert opts.get("fig-cap"), f"{where}: add `#| fig-cap:`"
            assert opts.get("fig-alt"), f"{where}: add `#| fig-alt:`, what the picture shows, for screen readers"
            assert opts["fig-alt"] != opts["fig-cap"], f"{where}: the alt text should describe, not repeat the caption"
