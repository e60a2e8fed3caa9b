"""The Quarto book configuration: structure checked against Quarto's documented options."""

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


def test_home_page_first_and_every_listed_chapter_exists(root):
    chapters = list(flat_chapters(load(root)["book"]["chapters"]))
    assert chapters[0] in {"index.qmd", "index.ipynb", "index.md"}
    assert len(chapters) == len(set(chapters)), "a chapter is listed twice"
    missing = [c for c in chapters if not (root / c).is_file()]
    assert not missing, f"listed in _quarto.yml but missing: {missing}"


def test_every_chapter_notebook_is_listed(root):
    listed = set(flat_chapters(load(root)["book"]["chapters"]))
    on_disk = {p.relative_to(root).as_posix() for p in (root / "chapters").glob("*.ipynb")}
    assert on_disk, "no chapter notebooks found"
    assert on_disk <= listed, f"chapters not in _quarto.yml: {sorted(on_disk - listed)}"


def test_book_order(root):
    chapters = list(flat_chapters(load(root)["book"]["chapters"]))
    order = ["chapters/what-is-optimisation.ipynb", "chapters/adam-maths.ipynb", "chapters/rosenbrock.ipynb", "chapters/mlp-paints.ipynb",
             "chapters/siren-paints.ipynb", "chapters/hash-grid.ipynb", "chapters/adam-in-practice.ipynb"]
    assert [c for c in chapters if c in order] == order


def test_html_format_folds_code_numbers_sections_and_uses_mathjax(root):
    config = load(root)
    html = config["format"]["html"]
    assert html["code-summary"] == "Show the code"
    assert html["number-sections"] is True
    assert html["html-math-method"] == "mathjax"
    assert config["book"]["search"] is True


def test_resources_cover_the_committed_media(root):
    resources = load(root)["project"]["resources"]
    media = sorted((root / "chapters" / "media").glob("*.mp4"))
    assert media, "no media committed"
    covered = {m for pattern in resources for m in root.glob(pattern)}
    assert set(media) <= covered, f"media Quarto would not copy: {set(media) - covered}"
