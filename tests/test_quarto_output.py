"""The book as Quarto renders it (once per session, tests/conftest.py): a clean render, every
cross-reference resolved, figures with alt text and captions, the sidebar in `_quarto.yml` order, an
unnumbered preface then chapters 1 to n, every citation on the references page, the videos, and
the notebook links of every page made from a notebook (with no repository set, and rendered a
second time with the sample repository of _quarto-sample-repo.yml)."""

import json
import posixpath
import re
import shutil
import subprocess
from functools import cache
from urllib.parse import urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

from support import CHAPTERS, PAGES, ROOT, cell_options, needs
from tools.book import QUARTO_VERSION, find_quarto

UNNUMBERED = {PAGES[0], "references.html"}  # the preface and the references; the rest are 1, 2..
NUMBERS = {page: number for number, page in enumerate([p for p in PAGES if p not in UNNUMBERED], 1)}
BIB_ENTRY = re.compile(r"^\s*@(\w+)\s*\{\s*([^,\s]+)\s*,", re.MULTILINE)  # `@article{key,`


@cache
def soup(site, page: str) -> BeautifulSoup:
    """The rendered page, parsed, without its scripts and styles."""
    parsed = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
    for element in parsed(["script", "style"]):
        element.decompose()
    return parsed


def target(page: str, href: str) -> str:
    """The site-relative file a link on `page` points at (no #fragment)."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), href.split("#")[0]))


def number_in(text: str) -> str | None:
    """The chapter number a title starts with ("2\u00a0 The mathematics of Adam"), else None."""
    match = re.match(r"\s*(\d+)\s", text)
    return match.group(1) if match else None


def expected_number(page: str, count: int) -> str:
    """Figure or equation `count` of `page` as Quarto should number it: "2.3", or "3" unnumbered."""
    return f"{NUMBERS[page]}.{count}" if page in NUMBERS else str(count)


def test_render_exits_0_without_warnings(rendering):
    assert rendering.returncode == 0, f"quarto render failed:\n{rendering.output}"
    warnings = [line for line in rendering.output.splitlines() if "WARN" in line]
    assert not warnings, "quarto render warned:\n" + "\n".join(warnings)
    missing = [page for page in PAGES if not (rendering.site / page).is_file()]
    assert not missing, f"quarto render wrote no {missing}"
    print(f"quarto render (Quarto {rendering.version}): {len(PAGES)} pages in "
          f"{rendering.seconds:.1f} s")


def labels(site, page: str) -> set[str]:
    """The ids of a page's numbered figures and equations."""
    return {element["id"] for element in soup(site, page).select(
        "div.quarto-float[id^=fig-], span[id^=eq-]")}


@pytest.mark.parametrize("page", PAGES)
def test_every_cross_reference_resolves_to_its_own_page(site, page):
    # a reference to a figure or equation goes to the page that holds it (this page or another
    # chapter's), and every figure and equation of this page is referred to on it
    html = soup(site, page)
    unresolved = [span.get_text() for span in html.select(".quarto-unresolved-ref")]
    assert not unresolved and "?@" not in html.get_text(), f"{page}: unresolved {unresolved}"
    links = {a["href"] for a in html.select("a.quarto-xref") if re.search(r"#(fig|eq)-", a["href"])}
    labelled = labels(site, page)
    here = {link[1:] for link in links if link.startswith("#")}
    assert here <= labelled, f"{page}: references to no figure or equation of this page: " \
                             f"{sorted(here - labelled)}"
    for link in sorted(links - {"#" + label for label in here}):
        other, label = link.split("#")
        target = (site / page).parent / other
        assert target.is_file() and label in labels(site, str(target.relative_to(site))), \
            f"{page}: {link} points to no figure or equation of {other}"
    assert labelled <= here, f"{page}: figures or equations the text never refers to (write " \
                             f"@label): {sorted(labelled - here)}"


def test_equation_labels_are_unique_across_the_book(site):
    labels = [span["id"] for page in PAGES for span in soup(site, page).select("span[id^=eq-]")]
    assert labels, "no labelled equations in the book: label the key ones, `$$ ... $$ {#eq-name}`"
    assert len(labels) == len(set(labels)), f"equation labels used twice: {sorted(labels)}"


@pytest.mark.parametrize("page", PAGES)
def test_figures_below_the_first_load_lazily_and_keep_their_place(site, page):
    # site/lazy-images.lua: loading="lazy" after the first image; a PNG's own width and height,
    # so that nothing moves when it arrives, and still the responsive class
    images = soup(site, page).select("main img")
    for number, img in enumerate(images):
        src = img.get("src", "")
        assert (img.get("loading") == "lazy") == (number > 0), \
            f"{page}: image {number} ({src}) loading={img.get('loading')!r}"
        if src.endswith(".png") and "://" not in src:
            header = ((site / page).parent / src).read_bytes()[:24]
            size = (int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big"))
            assert (img.get("width"), img.get("height")) == tuple(map(str, size)), \
                f"{page}: {src} has width/height {img.get('width')}/{img.get('height')}, not {size}"
            assert "img-fluid" in img.get("class", []), f"{page}: {src} lost img-fluid"


@pytest.mark.parametrize("index", range(len(PAGES)), ids=PAGES)
def test_every_figure_has_alt_text_and_a_caption(site, index):
    page, chapter = PAGES[index], CHAPTERS[index]
    html = soup(site, page)
    no_alt = [img.get("src") for img in html.select("main img") if not img.get("alt", "").strip()]
    assert not no_alt, f"{page}: images without alt text: {no_alt}"
    figures = html.select("figure.quarto-float-fig")
    for figure in figures:
        caption = figure.find("figcaption")
        assert caption and re.match(r"\s*Figure\s\S+: \S", caption.get_text()), \
            f"{page}: a figure without a numbered caption: {figure.get_text()[:80]!r}"
        assert figure.find("img"), f"{page}: a figure without an image: {caption.get_text()!r}"
    if chapter.suffix == ".ipynb":
        cells = json.loads(chapter.read_text(encoding="utf-8"))["cells"]
        labels = [cell_options("".join(cell["source"])).get("label") for cell in cells
                  if cell["cell_type"] == "code"]
        wanted = sum(str(label).startswith("fig-") for label in labels)
        assert len(figures) == wanted, f"{page}: {len(figures)} figures, {wanted} labelled cells"


def test_sidebar_lists_every_chapter_in_order(site):
    for page in PAGES:
        sidebar = soup(site, page).select("#quarto-sidebar a.sidebar-link")
        links = [target(page, a["href"]) for a in sidebar]
        assert links == PAGES, f"{page}: the sidebar lists {links}, _quarto.yml {PAGES}"


def test_sidebar_numbers_the_chapters_after_an_unnumbered_preface(site):
    # a notebook's `# Preface {.unnumbered}` alone is not enough for Quarto (quarto-cli#8526): the
    # comment line above it in index.ipynb is what keeps the preface unnumbered
    for a in soup(site, PAGES[0]).select("#quarto-sidebar a.sidebar-link"):
        page, number = target(PAGES[0], a["href"]), a.select_one(".chapter-number")
        shown = number.get_text() if number else None
        wanted = str(NUMBERS[page]) if page in NUMBERS else None
        assert shown == wanted, f"the sidebar numbers {page} {shown}, expected {wanted}"


def test_home_page_list_numbers_the_chapters_as_the_book_does(site):
    lists = [ol for ol in soup(site, PAGES[0]).select("main ol")
             if any(target(PAGES[0], a["href"]) in NUMBERS for a in ol.select("a[href]"))]
    assert len(lists) == 1, f"the home page has {len(lists)} numbered lists of chapters, expected 1"
    items = lists[0].find_all("li", recursive=False)
    assert len(items) == len(NUMBERS), f"the home page lists {len(items)} chapters"
    for position, item in enumerate(items, 1):
        page = target(PAGES[0], item.find("a", href=True)["href"])
        assert NUMBERS.get(page) == position, \
            f"the home page lists {page} as chapter {position}, the book as {NUMBERS.get(page)}"


@pytest.mark.parametrize("page", PAGES)
def test_title_figures_and_equations_carry_the_chapter_number(site, page):
    html = soup(site, page)
    wanted = str(NUMBERS[page]) if page in NUMBERS else None
    assert number_in(html.title.get_text()) == wanted, f"{page}: <title> {html.title.get_text()!r}"
    heading = html.select_one("h1.title .chapter-number")
    assert (heading.get_text() if heading else None) == wanted, f"{page}: heading {heading}"
    captions = [re.match(r"\s*(?:Figure\s([\d.]+))?", figcaption.get_text()).group(1)
                for figcaption in html.select("figure.quarto-float-fig > figcaption")]
    assert captions == [expected_number(page, k) for k in range(1, len(captions) + 1)], captions
    # Quarto numbers an equation with \tag{2.1} for MathJax, \qquad(2.1) for KaTeX
    tags = [re.search(r"\\tag\{([^}]*)\}\s*$|\\qquad\(([^)]*)\)\s*$", maths.get_text())
            for maths in html.select("span[id^=eq-] span.math.display")]
    assert all(tags), f"{page}: a labelled equation without its number: {tags}"
    tags = [tag.group(1) or tag.group(2) for tag in tags]
    assert tags == [expected_number(page, k) for k in range(1, len(tags) + 1)], tags


def test_every_cited_work_is_on_the_references_page(site):
    cited = {}
    for page in PAGES:
        for a in soup(site, page).select("a[role=doc-biblioref]"):
            assert target(page, a["href"]) == "references.html", f"{page}: cites {a['href']}"
            cited.setdefault(a["href"].partition("#ref-")[2], page)
    listed = {entry["id"].removeprefix("ref-") for entry in
              soup(site, "references.html").select("div.csl-entry[id^=ref-]")}
    assert cited, "no citation links in the book"
    unknown = {key: page for key, page in cited.items() if key not in listed}
    assert not unknown, f"cited but not on the references page: {unknown}"
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    works = {key for kind, key in BIB_ENTRY.findall(bib)
             if kind.lower() not in ("comment", "string", "preamble")}
    assert listed == works, f"works of references.bib never cited: {sorted(works - listed)}, " \
                            f"listed but not in references.bib: {sorted(listed - works)}"


def test_chapter_videos_are_in_the_site_and_shown_by_the_pages(site):
    committed = sorted((ROOT / "chapters" / "media").glob("*.mp4"))
    assert committed, "no videos in chapters/media"
    shown = {target(page, source["src"]) for page in PAGES
             for source in soup(site, page).select("video source[src]")}
    for video in committed:
        name = video.relative_to(ROOT).as_posix()
        copied = site / name
        assert copied.is_file() and copied.stat().st_size == video.stat().st_size, \
            f"{name} is not in the rendered site (`project: resources:` in _quarto.yml)"
        assert name in shown, f"no page shows {name}"
    assert all((site / name).is_file() for name in shown), f"pages show missing videos: {shown}"


# --- "Open in Colab", "Launch Binder", "Download this notebook" (site/notebook-links.lua) -------

NOTEBOOK_PAGES = [(page, chapter) for page, chapter in zip(PAGES, CHAPTERS)
                  if chapter.suffix == ".ipynb"]
OUTSIDE_LINKS = ("colab.research.google.com", "mybinder.org")


def notebook_links(site, page: str) -> dict[str, list[str]]:
    """The hrefs of the page's notebook links, by kind (colab, binder, download)."""
    links = {"colab": [], "binder": [], "download": []}
    for a in soup(site, page).select(".notebook-links a[href]"):
        kind = next(c.removeprefix("notebook-link-") for c in a["class"]
                    if c.startswith("notebook-link-"))
        links[kind].append(a["href"])
    return links


def check_download(site, page: str, chapter, hrefs: list[str]) -> None:
    """One download link, to the site's own byte-for-byte copy of the page's notebook."""
    assert len(hrefs) == 1, f"{page}: download links {hrefs}"
    assert not re.match(r"\w+:", hrefs[0]), f"{page}: downloads from elsewhere: {hrefs[0]}"
    copy = site / target(page, hrefs[0])
    assert copy.is_file(), f"{page}: {hrefs[0]} is not in the site (`project: resources:`)"
    assert copy.read_bytes() == chapter.read_bytes(), f"{page}: {hrefs[0]} is not {chapter.name}"


def test_notebook_pages_without_a_repository_offer_only_the_download(site):
    assert NOTEBOOK_PAGES, "no page is made from a notebook"
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    repo = config["book"].get("repo-url")
    assert not repo, f"_quarto.yml sets repo-url {repo!r}: this test checks the book without one"
    for page, chapter in NOTEBOOK_PAGES:
        links = notebook_links(site, page)
        check_download(site, page, chapter, links["download"])
        assert not links["colab"] and not links["binder"], f"{page}: {links}"
    for page in PAGES:  # nowhere a link to a repository that is not set
        hrefs = [a["href"] for a in soup(site, page).select("a[href]")]
        bad = [h for h in hrefs if urlsplit(h).hostname in OUTSIDE_LINKS]
        bad += [a["href"] for a in soup(site, page).select("a.quarto-navigation-tool[href]")
                if a.select_one(".bi-github")]  # Quarto's own "Source Code" link
        assert not bad, f"{page} links {bad} with no repository set"


def test_notebook_pages_with_a_sample_repository_link_colab_and_binder(sample_repo_site):
    # the sample repository is the profile's input, _quarto-sample-repo.yml
    profile = yaml.safe_load((ROOT / "_quarto-sample-repo.yml").read_text(encoding="utf-8"))
    repo, branch = profile["book"]["repo-url"].rstrip("/"), profile["book"]["repo-branch"]
    owner, name = urlsplit(repo).path.strip("/").split("/")
    for page, chapter in NOTEBOOK_PAGES:
        path = chapter.relative_to(ROOT).as_posix()
        links = notebook_links(sample_repo_site, page)
        assert links["colab"] == [f"https://colab.research.google.com/github/{owner}/{name}/blob/"
                                  f"{branch}/{path}"], f"{page}: {links}"
        assert links["binder"] == [f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}"
                                   f"?labpath={path}"], f"{page}: {links}"
        check_download(sample_repo_site, page, chapter, links["download"])
    for page in PAGES:
        if page not in dict(NOTEBOOK_PAGES):
            assert not notebook_links(sample_repo_site, page)["colab"], page


def test_notebook_links_refuse_a_repository_not_on_github(tmp_path):
    """A one-page book with the same filter and a GitLab repo-url: the render stops, saying why."""
    quarto = find_quarto()
    if quarto is None:
        needs(f"Quarto {QUARTO_VERSION} on PATH", "see tests/conftest.py")
    shutil.copy(ROOT / "site" / "notebook-links.lua", tmp_path)
    (tmp_path / "_quarto.yml").write_text(json.dumps({  # JSON is YAML
        "project": {"type": "book"},
        "book": {"title": "T", "chapters": ["index.ipynb"],
                 "repo-url": "https://gitlab.com/owner/book"},
        "filters": [{"path": "notebook-links.lua", "at": "post-quarto"}]}))
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Preface"]}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "index.ipynb").write_text(json.dumps(notebook))
    result = subprocess.run([quarto, "render", "--no-execute"], cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    assert result.returncode != 0, f"rendered with a GitLab repo-url:\n{result.stdout[-2000:]}"
    assert "https://github.com/OWNER/REPO" in result.stdout, result.stdout[-2000:]
