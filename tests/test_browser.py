"""Quarto's site in a real browser: every page loads whole from the site itself, with its figures,
videos, links, folds and maths, passes an accessibility audit, and reads offline from the zip.

The site Quarto renders from the committed notebooks (once per session, tests/conftest.py) is served
over HTTP on 127.0.0.1 and opened in Chromium through Playwright. Per page (in `_quarto.yml` order):

* it loads (HTTP 200, a title), no request for a local file fails, and no request leaves the site:
  every request to another host is aborted and counted, and the count must be zero (no web font,
  no CDN, no polyfill: the site is whole on its own);
* every <img> has loaded and every <video> has decoded its first frame and reports a duration
  (so the browser plays our H.264); no video plays by itself, and each has a text description
  (aria-describedby naming non-empty elements, or the <figcaption> of its <figure>);
* the home page links every chapter and each page links the next one;
* folded code cells (`#| code-fold: true`) are closed <details> with the right <summary>;
* the maths is typeset by the site's own KaTeX (vendor/katex/): every `span.math` holds a `.katex`
  rendering, none is a `.katex-error`, no raw TeX is left in the text, and KaTeX's fonts loaded;
* axe-core (PyPI's axe-playwright-python, which bundles it) finds no violation of impact
  "serious" or "critical"; all its findings are written to test-artifacts/browser/axe-<page>.json;
* a full-page screenshot goes to test-artifacts/browser/<page>.png.

The offline copy: the rendered site zipped as `make book` zips it (tools/book.py `bundle`),
unzipped, and every page opened through file://: pages, figures, videos, the maths (with its
fonts), the next-page links and the explorer work, and no request goes to any host. What cannot
work there is allowed, by name: Quarto's two JavaScript modules (Chromium runs no module from a
file:// page: the table of contents does not follow the scroll) and the search (search.json).
The run's summary (pages, media, equations, outside requests, audit findings) is printed at the
end and written to test-artifacts/browser/browser-report.txt (conftest.py's
pytest_terminal_summary).

Needs Debian's `chromium` (apt install chromium) and the Python packages `playwright` (no
`playwright install`: the system's Chromium is used) and `axe-playwright-python` (both in
pyproject.toml's `book` extra). Without them the tests are skipped, or fail when $CI is set.
"""

import json
import zipfile
from collections import Counter
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import nbformat
import pytest
import yaml

from support import CHAPTERS, HOST, PAGES, REPORT, ROOT, cell_options, needs
from tools.book import OFFLINE_ZIP, bundle

MEDIA_TIMEOUT_MS = 15_000  # per <video>/<img> on a page: local files, so only a broken one waits
BLOCKING = {"serious", "critical"}  # axe impacts that fail a page; "moderate", "minor" are listed
STATS = Counter()


# --- what the notebooks lead us to expect --------------------------------------------------------


def folded_cells(chapter: Path) -> list[str | None]:
    """The custom `code-summary` (or None) of every cell the chapter folds closed."""
    if chapter.suffix != ".ipynb":
        return []
    summaries = []
    for cell in nbformat.read(str(chapter), as_version=4).cells:
        if cell.cell_type == "code":
            options = cell_options(cell.source)
            if options.get("code-fold") is True and options.get("echo") is not False \
                    and options.get("include") is not False:
                summaries.append(options.get("code-summary"))
    return summaries


def default_summary() -> str:
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    return str(((config.get("format") or {}).get("html") or {}).get("code-summary") or "Code")


# --- JavaScript run in the page -------------------------------------------------------------------

IMAGES_JS = """async (timeoutMs) => {
  const images = [...document.images];
  await Promise.all(images.map(img => {
    img.loading = 'eager';
    if (img.complete) return null;
    return new Promise(resolve => {
      img.addEventListener('load', resolve, {once: true});
      img.addEventListener('error', resolve, {once: true});
      setTimeout(resolve, timeoutMs);
    });
  }));
  return images.map(img => ({src: img.currentSrc || img.src, alt: img.alt,
                             complete: img.complete, naturalWidth: img.naturalWidth}));
}"""

VIDEOS_JS = """async (timeoutMs) => Promise.all([...document.querySelectorAll('video')].map(v => new Promise(resolve => {
  let finished = false, poll = null, timer = null;
  const source = () => v.currentSrc || (v.querySelector('source') || {}).src || v.src || '';
  const described = () => {
    const ids = (v.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    const texts = ids.map(id => document.getElementById(id)).filter(Boolean)
      .map(e => e.textContent.trim());
    const figure = v.closest('figure');
    const caption = figure && figure.querySelector('figcaption');
    return {ids, texts, caption: caption ? caption.textContent.trim() : ''};
  };
  const done = (error) => {
    if (finished) return;
    finished = true;
    clearInterval(poll);
    clearTimeout(timer);
    resolve({src: source(), error, readyState: v.readyState, networkState: v.networkState,
             duration: v.duration, videoWidth: v.videoWidth, videoHeight: v.videoHeight,
             autoplay: v.autoplay || v.hasAttribute('autoplay'), paused: v.paused,
             description: described()});
  };
  const check = () => {
    if (v.error) return done(`MediaError ${v.error.code}: ${v.error.message || '(no message)'}`);
    if (v.readyState >= 2) return done(null);
    if (v.networkState === 3) return done('no playable source (NETWORK_NO_SOURCE: every <source> failed)');
  };
  for (const event of ['loadeddata', 'canplay', 'error', 'emptied', 'stalled']) v.addEventListener(event, check);
  v.querySelectorAll('source').forEach(s => s.addEventListener('error', () => setTimeout(check, 0)));
  poll = setInterval(check, 100);
  timer = setTimeout(() => done(`timed out after ${timeoutMs} ms at readyState ${v.readyState}`), timeoutMs);
  check();
  if (!finished) { v.preload = 'auto'; v.load(); }
})))"""

FOLDS_JS = """() => [...document.querySelectorAll('details')].map(d => {
  const summary = d.querySelector(':scope > summary');
  return {summary: summary ? summary.textContent.trim() : null, open: d.open};
})"""

# Pandoc writes maths as `<span class="math inline">TeX</span>` (`display` for $$); KaTeX renders
# each into a `.katex` element, or a `.katex-error` holding the TeX it could not parse. Raw TeX left
# in the text (outside code and KaTeX's output) or a KaTeX font that failed to load means failure.
MATHS_JS = r"""async () => {
  const spans = [...document.querySelectorAll('span.math')];
  const result = {spans: spans.length, typeset: 0, errors: [], raw: [], loaded: !!window.katex,
                  fonts: [], failedFonts: []};
  if (!spans.length) return result;
  await document.fonts.ready;
  result.typeset = spans.filter(s => s.querySelector('.katex') && !s.querySelector('.katex-error')).length;
  result.errors = [...document.querySelectorAll('.katex-error')]
    .map(e => (e.getAttribute('title') || '') + ': ' + e.textContent).slice(0, 5);
  const text = (document.querySelector('main') || document.body).cloneNode(true);
  text.querySelectorAll('pre, code, script, style, .katex').forEach(e => e.remove());
  const tex = /.{0,30}(\\\(|\\\[|\$\$|\\begin\{|\\frac|\\mathbf|\\hat\b|\^\{|_\{).{0,30}/g;
  result.raw = (text.textContent.match(tex) || []).slice(0, 5);
  const katexFonts = [...document.fonts].filter(f => f.family.replace(/"/g, '').startsWith('KaTeX'));
  result.fonts = katexFonts.filter(f => f.status === 'loaded').map(f => f.family);
  result.failedFonts = katexFonts.filter(f => f.status === 'error').map(f => f.family);
  return result;
}"""

EXPLORER_JS = """() => {
  const root = document.getElementById('optimiser-explorer');
  const canvas = root && root.querySelector('canvas');
  const api = window.optimiserExplorer;
  const adam = api && api.run({optimiser: 'Adam', lr: 0.01});
  return {ready: !!(root && root.dataset.ready), canvas: canvas ? canvas.clientWidth : 0,
          results: root ? [...root.querySelectorAll('.ox-results li')].map(li => li.textContent) : [],
          controls: root ? root.querySelectorAll('input, select, button').length : 0,
          labelled: root ? [...root.querySelectorAll('input, select')].every(
            c => c.labels && c.labels.length > 0) : false,
          adam: adam && {converged: adam.converged, iterations: adam.iterations, last: adam.xy.at(-1)}};
}"""


def normal(url: str) -> str:
    """`url` without its #fragment or ?query, with a folder meaning its index.html."""
    url = urldefrag(url).url.split("?")[0]
    return url + "index.html" if url.endswith("/") else url


def is_local(url: str) -> bool:
    """Served by the test's own server (http://127.0.0.1:PORT/), or a file of the offline copy."""
    parts = urlsplit(url)
    return parts.hostname == HOST or parts.scheme in ("file", "data", "blob")


def open_page(browser, url: str):
    """A new page at `url`; every request that leaves the site is aborted and listed in
    `page.outside`, failed local requests in `page.failed`, JavaScript errors in `page.errors`.
    (Chromium itself cancels a video's requests as it moves to ranges of the file, or as the page
    closes: those are no failure; the video checks prove that it plays.)"""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.outside, page.failed, page.errors = [], [], []

    def abort_outside(route):
        page.outside.append(route.request.url)
        route.abort()

    page.route(lambda u: not is_local(u), abort_outside)
    page.on("pageerror", lambda error: page.errors.append(f"JavaScript error: {error}"))
    page.on("requestfailed", lambda r: is_local(r.url) and r.url not in page.outside
            and not (r.resource_type == "media" and "ERR_ABORTED" in (r.failure or ""))
            and page.failed.append(f"{r.url}: {r.failure}"))
    page.on("response", lambda r: is_local(r.url) and r.status >= 400
            and page.failed.append(f"{r.url}: HTTP {r.status}"))
    page.goto(url, wait_until="load")
    return page


def media_and_maths(page) -> tuple[list[str], dict]:
    """The problems of a loaded page's images, videos and maths, and what it counted."""
    problems = []
    images = page.evaluate(IMAGES_JS, MEDIA_TIMEOUT_MS)
    images = [img for img in images if is_local(img["src"])]
    problems += [f"image {img['src'][-80:]} (alt {img['alt'][:60]!r}) did not load"
                 for img in images if not (img["complete"] and img["naturalWidth"] > 0)]

    videos = page.evaluate(VIDEOS_JS, MEDIA_TIMEOUT_MS)
    for video in videos:
        name = video["src"].rsplit("/", 1)[-1]
        if video["error"] is not None:
            problems.append(f"video {name} does not play: {video['error']} ({video})")
        elif not (video["duration"] > 0 and video["videoWidth"] > 0):
            problems.append(f"video {name} has no duration or picture: {video}")
        if video["autoplay"] or not video["paused"]:
            problems.append(f"video {name} plays by itself (autoplay): readers start it")
        described = video["description"]
        if described["ids"] and len(described["texts"]) < len(described["ids"]):
            problems.append(f"video {name}: aria-describedby names {described['ids']}, but "
                            f"only {len(described['texts'])} of them are on the page")
        longest = max([len(t) for t in described["texts"]] + [len(described["caption"])])
        if longest < 40:
            problems.append(f"video {name} has no text description (aria-describedby naming a "
                            f"paragraph, or a <figcaption>) of at least 40 characters: "
                            f"{described}")

    maths = page.evaluate(MATHS_JS)
    if maths["spans"] and not maths["loaded"]:
        problems.append(f"{maths['spans']} maths elements but KaTeX did not load")
    elif maths["typeset"] != maths["spans"]:
        problems.append(f"KaTeX typeset {maths['typeset']} of {maths['spans']} maths spans")
    problems += [f"KaTeX error: {error}" for error in maths["errors"]]
    problems += [f"raw TeX left in the page: {raw!r}" for raw in maths["raw"]]
    if maths["spans"] and (maths["failedFonts"] or not maths["fonts"]):
        problems.append(f"KaTeX's fonts: loaded {sorted(set(maths['fonts']))}, failed "
                        f"{sorted(set(maths['failedFonts']))}")
    return problems, {"images": len(images), "videos": len(videos), "maths": maths["typeset"]}


@pytest.fixture(scope="session")
def axe():
    """axe-core, as PyPI's axe-playwright-python bundles it."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        needs("the Python package `axe-playwright-python`", "pip install -e '.[book]'")
    return Axe()


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(PAGES)), ids=PAGES)
def test_page_in_browser(index, browser, site_url, axe, artifacts):
    name, chapter = PAGES[index], CHAPTERS[index]
    url = site_url + name
    page = open_page(browser, url)
    problems = []  # every problem of the page is reported, not just the first
    try:
        if not page.title().strip():
            problems.append("the <title> is empty")
        found, counts = media_and_maths(page)
        problems += found

        links = {normal(href) for href in
                 page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")}
        if index == 0:
            problems += [f"the home page does not link the chapter {p}" for p in PAGES[1:]
                         if normal(site_url + p) not in links]
        next_links = page.eval_on_selector_all("a[rel=next][href], .nav-page-next a[href]",
                                               "as => as.map(a => a.href)")
        if index + 1 < len(PAGES):
            if normal(site_url + PAGES[index + 1]) not in {normal(href) for href in next_links}:
                problems.append(f"no next-page link (a[rel=next] or .nav-page-next a) to "
                                f"{PAGES[index + 1]}; next links found: {next_links}")
        elif next_links:
            problems.append(f"the last page links a next page: {next_links}")

        expected = folded_cells(chapter)
        if expected:
            shown = default_summary()
            summaries = {shown} | {s for s in expected if s}  # a cell's own code-summary
            folds = [d for d in page.evaluate(FOLDS_JS) if d["summary"] in summaries]
            if len(folds) != len(expected):
                problems.append(f"{len(expected)} cells have `#| code-fold: true` but the page has "
                                f"{len(folds)} <details> with a <summary> in {sorted(summaries)}")
            if any(d["open"] for d in folds):
                problems.append(f"{sum(d['open'] for d in folds)} folded code cells are open "
                                "by default")
            if None in expected and not any(d["summary"] == shown for d in folds):
                problems.append(f"no <summary> reads {shown!r}")

        audit = axe.run(page, options={"resultTypes": ["violations"]}).response
        violations = audit["violations"]
        (artifacts / f"axe-{Path(name).stem}.json").write_text(
            json.dumps(violations, indent=1), encoding="utf-8")
        problems += [f"accessibility ({v['impact']}): {v['id']}, {len(v['nodes'])} elements, e.g. "
                     f"{v['nodes'][0]['target']}: {v['help']} ({v['helpUrl']})"
                     for v in violations if v["impact"] in BLOCKING]
        page.screenshot(path=str(artifacts / f"{Path(name).stem}.png"), full_page=True)
    finally:
        page.close()
    problems += page.errors
    problems += [f"local request failed: {f}" for f in page.failed]
    problems += [f"request to another host (aborted): {u}" for u in page.outside]
    assert not problems, f"{name} in Chromium:\n  " + "\n  ".join(problems)
    STATS.update(counts, pages=1, outside=len(page.outside))
    lesser = Counter(f"{v['id']} ({v['impact']})" for v in violations)
    REPORT["browser"].append(f"{name}: {counts['images']} images, {counts['videos']} videos, "
                             f"{counts['maths']} equations typeset, {len(page.outside)} requests "
                             f"to other hosts; axe: "
                             + (", ".join(f"{k} x{n}" for k, n in sorted(lesser.items()))
                                or "no violation"))


def test_explorer_on_the_rosenbrock_page(browser, site_url, site, artifacts):
    """The explorer of the rendered Rosenbrock chapter starts, draws, answers the keyboard and
    agrees with run_trajectory."""
    from lessonlib.optim import Optimiser
    from lessonlib.trajectory import run_trajectory

    name = next(p for p in PAGES if p.endswith("rosenbrock.html"))
    assert (site / "explorer" / "explorer.js").is_file(), \
        "Quarto did not copy explorer/ (project: resources:)"
    page = open_page(browser, site_url + name)
    try:
        found = page.evaluate(EXPLORER_JS)
        page.locator("#optimiser-explorer").screenshot(
            path=str(artifacts / "rosenbrock-explorer.png"))
        page.focus("#ox-adam-lr")
        before = page.locator(".ox-results").inner_text()
        page.keyboard.press("ArrowLeft")  # the keyboard still moves a slider in the book's page
        after = page.locator(".ox-results").inner_text()
    finally:
        page.close()
    assert not page.errors and not page.outside, (page.errors, page.outside)
    assert found["ready"] and found["canvas"] > 200 and found["controls"] >= 8, found
    assert found["labelled"], "every control of the explorer needs a <label>"
    assert any("Adam" in line for line in found["results"]), found["results"]
    assert after != before, "Adam's learning-rate slider does not answer the keyboard"
    # the chapter's classic run: Adam at lr 0.01 has not reached f < 1e-4 after 6,000 steps
    traj = run_trajectory(Optimiser("Adam", lr=0.01))
    assert found["adam"]["converged"] is traj.converged is False
    assert found["adam"]["iterations"] == traj.iterations == 6000
    assert max(abs(a - b) for a, b in zip(found["adam"]["last"], traj.xy[-1])) < 1e-9


@pytest.fixture(scope="session")
def offline_copy(site, tmp_path_factory) -> Path:
    """The site zipped as `make book` zips it, then unzipped: the folder that holds index.html."""
    scratch = tmp_path_factory.mktemp("offline")
    archive = bundle(site, scratch / OFFLINE_ZIP)
    with zipfile.ZipFile(archive) as zipped:
        folders = {name.split("/", 1)[0] for name in zipped.namelist()}
        assert folders == {archive.stem}, \
            f"the zip should hold one folder, {archive.stem}/: {folders}"
        zipped.extractall(scratch / "unzipped")
    return scratch / "unzipped" / archive.stem


@pytest.mark.parametrize("index", range(len(PAGES)), ids=PAGES)
def test_offline_copy_through_file_urls(index, browser, offline_copy):
    """A page of the unzipped copy, opened from the file system as a double-click opens it."""
    name = PAGES[index]
    page = open_page(browser, (offline_copy / name).as_uri())
    try:
        # Chromium runs no JavaScript module (<script type="module">) from a file:// page (its
        # origin is null, and modules need CORS): Quarto's quarto.js and tabsets.js, which
        # highlight the current section in the table of contents and switch tabsets, stay off.
        modules = set(page.eval_on_selector_all("script[type=module][src]",
                                                "s => s.map(x => x.src)"))
        problems, counts = media_and_maths(page)
        if name.endswith("rosenbrock.html"):
            explorer = page.evaluate(EXPLORER_JS)
            if not (explorer["ready"] and explorer["canvas"] > 200 and explorer["adam"]):
                problems.append(f"the explorer does not run from file://: {explorer}")
        if index + 1 < len(PAGES):
            nexts = page.eval_on_selector_all(".nav-page-next a[href]", "as => as.map(a => a.href)")
            wanted = (offline_copy / PAGES[index + 1]).as_uri()
            if wanted not in {normal(href) for href in nexts}:
                problems.append(f"no next-page link to {wanted}: {nexts}")
    finally:
        page.close()
    # Quarto's search fetches search.json, which Chromium refuses to file:// pages: expected
    problems += [f"local file failed: {f}" for f in page.failed if "search.json" not in f
                 and f.split(": ")[0] not in modules]
    problems += [e for e in page.errors if "search.json" not in e]
    problems += [f"request to another host (aborted): {u}" for u in page.outside]
    assert not problems, f"{name} from file://:\n  " + "\n  ".join(problems)
    STATS.update(offline_pages=1)


@pytest.fixture(scope="session", autouse=True)
def browser_summary():
    """The totals over every page, first in the run's browser report."""
    yield
    if STATS:
        REPORT["browser"].insert(0, (
            f"{STATS['pages']} pages over HTTP ({STATS['images']} images, {STATS['videos']} "
            f"videos, {STATS['maths']} equations typeset, {STATS['outside']} requests to other "
            f"hosts), {STATS['offline_pages']} pages of the offline copy through file://"))
