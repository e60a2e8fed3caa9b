"""The Quarto book configuration: structure checked against Quarto's documented options, and the
chapter list against the files and the home page (without copying the order from _quarto.yml)."""

import json
import re

import yaml

# Top-level keys of a Quarto project file, from https://quarto.org/docs/reference/projects/books.html,
# .../projects/options.html and the document options every format accepts.
DOCUMENTED_TOP_LEVEL = {"project", "book", "website", "format", "execute", "bibliography", "csl", "crossref",
                        "filters", "metadata-files", "lang", "editor", "jupyter", "engine", "title", "author",
                        "date", "profile", "number-sections", "toc", "citation", "license", "copyright"}
DOCUMENTED_BOOK = {"title", "subtitle", "author", "date", "chapters", "appendices", "search", "repo-url",
                   "repo-actions", "repo-branch", "repo-subdir", "site-url", "downloads", "sharing", "favicon",
                   "sidebar", "navbar", "page-footer", "page-navigation", "reader-mode", "cover-image",
                   "output-file", "abstract", "description", "references", "doi", "license", "google-analytics",
                   "cookie-consent", "comments", "twitter-card", "open-graph", "margin-header", "margin-footer",
                   "body-header", "body-footer", "bread-crumbs", "image", "date-format", "cover-image-alt"}


def load(root):
    return yaml.safe_load((root / "_quarto.yml").read_text())


def flat_chapters(entries):
    for entry in entries:
        if isinstance(entry, dict):
            if str(entry.get("part", "")).endswith((".qmd", ".ipynb", ".md")):
                yield entry["part"]
            yield from flat_chapters(entry.get("chapters", []))
        else:
            yield entry


def test_only_documented_keys(root):
    config = load(root)
    assert set(config) <= DOCUMENTED_TOP_LEVEL, set(config) - DOCUMENTED_TOP_LEVEL
    assert set(config["book"]) <= DOCUMENTED_BOOK, set(config["book"]) - DOCUMENTED_BOOK


def test_is_a_book_rendered_into_book_folder(root):
    project = load(root)["project"]
    assert project["type"] == "book"
    assert project["output-dir"] == "_book"


def test_home_page_first_references_last_and_every_listed_chapter_exists(root):
    chapters = list(flat_chapters(load(root)["book"]["chapters"]))
    assert chapters[0] in {"index.qmd", "index.ipynb", "index.md"}, f"first: {chapters[0]}"
    assert chapters[-1] in {"references.qmd", "references.md"}, f"last: {chapters[-1]}"
    assert len(chapters) == len(set(chapters)), "a chapter is listed twice"
    missing = [c for c in chapters if not (root / c).is_file()]
    assert not missing, f"listed in _quarto.yml but missing: {missing}"


def test_every_chapter_notebook_is_listed(root):
    listed = set(flat_chapters(load(root)["book"]["chapters"]))
    on_disk = {p.relative_to(root).as_posix() for p in (root / "chapters").glob("*.ipynb")}
    assert on_disk, "no chapter notebooks found"
    assert on_disk <= listed, f"chapters not in _quarto.yml: {sorted(on_disk - listed)}"


# "3. [Title](path)" in the home page's markdown
HOME_LIST_ITEM = re.compile(r"^(\d+)\.\s+\[[^\]]*\]\(([^)#\s]+)", re.MULTILINE)


def test_home_page_numbers_the_chapters_in_the_order_of_quarto_yml(root):
    # the numbered list of chapters in index.ipynb's markdown: item k must be the k-th chapter
    chapters = list(flat_chapters(load(root)["book"]["chapters"]))
    numbered = [c for c in chapters if c.startswith("chapters/")]  # the preface and references: no number
    cells = json.loads((root / chapters[0]).read_text(encoding="utf-8"))["cells"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    items = [(int(n), path) for n, path in HOME_LIST_ITEM.findall(markdown)
             if path.startswith("chapters/")]
    assert items, "the home page has no numbered list of chapter links (1. [Title](chapters/...))"
    assert [path for _, path in items] == numbered, \
        f"the home page lists {[path for _, path in items]}, _quarto.yml {numbered}"
    assert [n for n, _ in items] == list(range(1, len(numbered) + 1)), \
        f"the home page numbers the chapters {[n for n, _ in items]}"


def test_html_format_folds_code_numbers_sections_and_typesets_maths_from_the_site(root):
    config = load(root)
    html = config["format"]["html"]
    assert html["code-summary"] == "Show the code"
    assert html["number-sections"] is True
    assert config["book"]["search"] is True
    # KaTeX from the site's own copy (vendor/katex/), never a CDN; pages one folder down
    # (chapters/_metadata.yml) reach it through ../
    math = html["html-math-method"]
    assert math["method"] == "katex" and not re.match(r"\w+:", math["url"]), math
    assert (root / math["url"] / "katex.min.js").is_file(), math
    assert (root / math["url"] / "LICENSE").is_file(), "KaTeX's licence goes with it"
    for folder in {chapter.parent for chapter in (root / c for c in
                                                  flat_chapters(config["book"]["chapters"]))}:
        if folder == root:
            continue
        metadata = folder / "_metadata.yml"
        assert metadata.is_file(), f"pages in {folder.name}/ need {folder.name}/_metadata.yml " \
                                   "with the KaTeX url relative to them (see chapters/)"
        meta = yaml.safe_load(metadata.read_text(encoding="utf-8"))
        url = meta["format"]["html"]["html-math-method"]["url"]
        assert (folder / url / "katex.min.js").resolve() == (root / math["url"] /
                                                             "katex.min.js").resolve(), url
    globs = [g for g in config["project"]["resources"] if g.startswith(math["url"])]
    assert globs, f"project: resources: must copy {math['url']} into the site"


def test_resources_cover_the_committed_media(root):
    resources = load(root)["project"]["resources"]
    media = sorted((root / "chapters" / "media").glob("*.mp4"))
    assert media, "no media committed"
    covered = {m for pattern in resources for m in root.glob(pattern)}
    assert set(media) <= covered, f"media Quarto would not copy: {set(media) - covered}"
