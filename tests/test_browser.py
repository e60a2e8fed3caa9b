"""Quarto's site in a real browser: every page loads, with its figures, videos, links, folds, maths.

The site Quarto renders from the committed notebooks (once per session, tests/conftest.py) is served
over HTTP on 127.0.0.1 and opened in Chromium through Playwright. Per page (in `_quarto.yml` order):

* it loads (HTTP 200, a title) and no request for a local file fails (other external requests are
  aborted, since the tests run offline, and counted in the report);
* every <img> has loaded and every <video> has decoded its first frame and reports a duration
  (so the browser plays our H.264);
* the home page links every chapter and each page links the next one;
* folded code cells (`#| code-fold: true`) are closed <details> with the right <summary>;
* the maths is typeset: MathJax, which the pages load from a CDN, is served from npm's `mathjax@3`
  package in node_modules/ (or $MATHJAX_DIR); every `span.math` holds an `mjx-container`, no raw TeX
  is left in the text and MathJax reports no error;
* a full-page screenshot goes to test-artifacts/browser/<page>.png, a summary line to report.txt.

Needs Debian's `chromium` (apt install chromium), `pip install playwright` (no `playwright install`:
the system's Chromium is used) and `npm install --prefix . --no-save mathjax@3`. Without them the
tests are skipped, or fail when $CI is set.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import nbformat
import pytest
import yaml

from support import CHAPTERS, HOST, PAGES, ROOT, cell_options, needs, serve

ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]
MEDIA_TIMEOUT_MS = 15_000  # per <video>/<img> on a page: local files, so only a broken one waits this long
MATHJAX = Path(os.environ.get("MATHJAX_DIR") or ROOT / "node_modules" / "mathjax")  # npm mathjax@3
MATHJAX_CDN = "**/mathjax@3/**"  # where Quarto's pages load MathJax from (cdn.jsdelivr.net)
GET_BROWSER = ("install Debian's `chromium` package (apt-get install chromium) and `pip install "
               "playwright` (not `playwright install`: the system Chromium is used)")

STATS = {"pages": 0, "images": 0, "videos": 0, "maths": 0, "external": 0}


# --- fixtures: served and launched once per module ------------------------------------------------


@pytest.fixture(scope="module")
def mathjax() -> Path:
    """npm's mathjax@3 package, served in place of the CDN; skipped (under $CI failed) if missing."""
    if not (MATHJAX / "es5" / "tex-chtml-full.js").is_file():
        how = "npm install --prefix . --no-save mathjax@3 (.ci/run does)"
        needs(f"MathJax 3 in {MATHJAX}", how)
    return MATHJAX


@pytest.fixture(scope="module")
def base_url(site) -> str:
    """`site` served over HTTP on 127.0.0.1 from a daemon thread."""
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright; skipped (or failed under $CI) when either is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        needs("the Python package `playwright`", GET_BROWSER)
    executable = shutil.which("chromium") or shutil.which("chromium-browser")  # Debian's name, then Ubuntu's
    if not executable:
        needs("a `chromium` executable on PATH", GET_BROWSER)
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


# --- what the notebooks lead us to expect --------------------------------------------------------


def folded_cells(chapter: Path) -> list[str | None]:
    """The custom `code-summary` (or None) of every cell the chapter folds closed (`#| code-fold: true`)."""
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
  const done = (error) => {
    if (finished) return;
    finished = true;
    clearInterval(poll);
    clearTimeout(timer);
    resolve({src: source(), error, readyState: v.readyState, networkState: v.networkState,
             duration: v.duration, videoWidth: v.videoWidth, videoHeight: v.videoHeight});
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

# Pandoc writes maths as `<span class="math">\(...\)</span>` (or `\[...\]`); MathJax replaces the
# TeX with an <mjx-container>. Raw TeX left in the text (outside code) or <mjx-merror> means failure.
MATHS_JS = r"""async () => {
  const spans = [...document.querySelectorAll('span.math')];
  const result = {spans: spans.length, typeset: 0, errors: [], raw: [], loaded: !!window.MathJax};
  if (!spans.length || !(window.MathJax && MathJax.startup)) return result;
  await MathJax.startup.promise;
  result.typeset = spans.filter(s => s.querySelector('mjx-container')).length;
  result.errors = [...document.querySelectorAll('mjx-merror, [data-mjx-error]')]
    .map(e => e.getAttribute('data-mjx-error') || e.textContent).slice(0, 5);
  const text = (document.querySelector('main') || document.body).cloneNode(true);
  text.querySelectorAll('pre, code, script, style, mjx-container').forEach(e => e.remove());
  const tex = /.{0,30}(\\\(|\\\[|\$\$|\\begin\{).{0,30}/g;  // \( \[ $$ \begin{
  result.raw = (text.textContent.match(tex) || []).slice(0, 5);
  return result;
}"""


def normal(url: str) -> str:
    """`url` without its #fragment or ?query, with a folder meaning its index.html."""
    url = urldefrag(url).url.split("?")[0]
    return url + "index.html" if url.endswith("/") else url


def is_local(url: str) -> bool:
    return urlsplit(url).hostname == HOST


# --- the tests ------------------------------------------------------------------------------------


def serve_mathjax(route) -> None:
    """Answer a request for the MathJax CDN from the local npm copy (these machines are offline)."""
    rest = urlsplit(route.request.url).path.partition("/mathjax@3/")[2]
    path = (MATHJAX / rest).resolve()
    if MATHJAX.resolve() in path.parents and path.is_file():
        route.fulfill(path=str(path))
    else:
        route.fulfill(status=404, body=f"{rest} is not in the local MathJax copy {MATHJAX}")


@pytest.mark.parametrize("index", range(len(PAGES)), ids=PAGES)
def test_page_in_browser(index, browser, base_url, mathjax):
    name, chapter = PAGES[index], CHAPTERS[index]
    url = base_url + name
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    failed, external, problems = [], [], []  # every problem of the page is reported, not just the first

    def abort_external(route):  # offline: a CDN would only time out
        external.append(route.request.url)
        route.abort()

    page.route(lambda u: not is_local(u) and urlsplit(u).scheme in ("http", "https"), abort_external)
    page.route(MATHJAX_CDN, serve_mathjax)  # the later route wins
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on("requestfailed", lambda r: is_local(r.url) and failed.append(f"{r.url}: {r.failure}"))
    page.on("response", lambda r: is_local(r.url) and r.status >= 400 and failed.append(f"{r.url}: HTTP {r.status}"))
    try:
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"
        if not page.title().strip():
            problems.append("the <title> is empty")

        images = page.evaluate(IMAGES_JS, MEDIA_TIMEOUT_MS)
        images = [img for img in images if is_local(img["src"]) or img["src"].startswith("data:")]
        problems += [f"image {img['src'][:80]} (alt {img['alt'][:60]!r}) did not load" for img in images
                     if not (img["complete"] and img["naturalWidth"] > 0)]

        videos = page.evaluate(VIDEOS_JS, MEDIA_TIMEOUT_MS)
        for video in videos:
            if video["error"] is not None:
                problems.append(f"video {video['src']} does not play: {video['error']} ({video})")
            elif not (video["duration"] > 0 and video["videoWidth"] > 0):
                problems.append(f"video {video['src']} has no duration or picture: {video}")

        links = {normal(href) for href in page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")}
        if index == 0:
            problems += [f"the home page does not link the chapter {p}" for p in PAGES[1:]
                         if normal(base_url + p) not in links]
        next_links = page.eval_on_selector_all("a[rel=next][href], .nav-page-next a[href]",
                                               "as => as.map(a => a.href)")
        if index + 1 < len(PAGES):
            if normal(base_url + PAGES[index + 1]) not in {normal(href) for href in next_links}:
                problems.append(f"no next-page link (a[rel=next] or .nav-page-next a) to {PAGES[index + 1]}; "
                                f"next links found: {next_links}")
        elif next_links:
            problems.append(f"the last page links a next page: {next_links}")

        expected = folded_cells(chapter)
        if expected:
            shown = default_summary()
            summaries = {shown} | {s for s in expected if s}  # Quarto writes a cell's own code-summary
            folds = [d for d in page.evaluate(FOLDS_JS) if d["summary"] in summaries]
            if len(folds) != len(expected):
                problems.append(f"{len(expected)} cells have `#| code-fold: true` but the page has {len(folds)} "
                                f"<details> with a <summary> in {sorted(summaries)}")
            if any(d["open"] for d in folds):
                problems.append(f"{sum(d['open'] for d in folds)} folded code cells are open by default")
            if None in expected and not any(d["summary"] == shown for d in folds):
                problems.append(f"no <summary> reads {shown!r}")

        maths = page.evaluate(MATHS_JS)
        if maths["spans"] and not maths["loaded"]:
            problems.append(f"{maths['spans']} maths elements but MathJax did not load")
        elif maths["typeset"] != maths["spans"]:
            problems.append(f"MathJax typeset {maths['typeset']} of {maths['spans']} maths spans")
        problems += [f"MathJax error: {error}" for error in maths["errors"]]
        problems += [f"raw TeX left in the page: {raw!r}" for raw in maths["raw"]]

        page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}.png"), full_page=True)
    finally:
        page.close()
    problems += [f"local request failed: {f}" for f in failed]
    assert not problems, f"{name} in Chromium:\n  " + "\n  ".join(problems)
    STATS["pages"] += 1
    STATS["images"] += len(images)
    STATS["videos"] += len(videos)
    STATS["maths"] += maths["typeset"]
    STATS["external"] += len(external)


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


def test_explorer_on_the_rosenbrock_page(browser, base_url, site):
    """The interactive explorer of the rendered Rosenbrock chapter starts, draws and agrees with it."""
    from lessonlib.optim import Optimiser
    from lessonlib.trajectory import run_trajectory

    name = next(p for p in PAGES if p.endswith("rosenbrock.html"))
    assert (site / "explorer" / "explorer.js").is_file(), "Quarto did not copy explorer/ (resources)"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route(lambda u: not is_local(u) and urlsplit(u).scheme in ("http", "https"),
               lambda route: route.abort())
    try:
        page.goto(base_url + name, wait_until="load")
        found = page.evaluate(EXPLORER_JS)
        page.locator("#optimiser-explorer").screenshot(path=str(ARTIFACTS / "rosenbrock-explorer.png"))
    finally:
        page.close()
    assert not errors, errors
    assert found["ready"] and found["canvas"] > 200 and found["controls"] >= 8, found
    assert found["labelled"], "every control of the explorer needs a <label>"
    assert any("Adam" in line for line in found["results"]), found["results"]
    # the chapter's classic run: Adam at lr 0.01 has not reached f < 1e-4 after 6,000 steps
    traj = run_trajectory(Optimiser("Adam", lr=0.01))
    assert found["adam"]["converged"] is traj.converged is False
    assert found["adam"]["iterations"] == traj.iterations == 6000
    assert max(abs(a - b) for a, b in zip(found["adam"]["last"], traj.xy[-1])) < 1e-9


def test_zz_browser_report(browser):
    """The summary line (pytest shows it with -rA or -s), also written to test-artifacts/browser/report.txt."""
    line = (f"browser: {STATS['pages']} pages, {STATS['images']} images, {STATS['videos']} videos, "
            f"{STATS['maths']} equations typeset checked; "
            f"{STATS['external']} external requests skipped")
    print(line)
    (ARTIFACTS / "report.txt").write_text(line + "\n", encoding="utf-8")
