"""Shared test set-up: an off-screen matplotlib backend, the repository root, the book as Quarto
renders it, once per session, into a temporary folder (so `make test` never touches `_book/`), and
for the browser tests (test_browser.py, test_explorer.py): Chromium, launched once per session, the
local web servers, the folder for screenshots, and the summary printed at the end of the run."""

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pytest

from support import ARTIFACTS, REPORT, ROOT, ExplorerOnly, needs, serve
from tools.book import QUARTO_VERSION, find_quarto, ways_to_get_quarto

matplotlib.use("Agg")

RENDER_TIMEOUT = 600  # seconds; the book renders in about 20 s
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]
GET_BROWSER = ("install Debian's `chromium` package (apt-get install chromium) and `pip install "
               "playwright` (not `playwright install`: the system Chromium is used)")


# Tests that need Quarto's rendering or Chromium (marker `site`), or execute a chapter (marker
# `notebook`): `make check`, the contributors' fast lane, leaves them out; `make test` runs them all.
SITE_FIXTURES = {"rendering", "site", "sample_repo_site", "browser", "site_url", "explorer_url"}


def pytest_configure(config):
    config.addinivalue_line("markers", "site: needs the book rendered by Quarto or Chromium")
    config.addinivalue_line("markers", "notebook: executes a chapter notebook (slow)")


def pytest_collection_modifyitems(items):
    for item in items:
        if SITE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.site)


@pytest.fixture
def root() -> Path:
    return ROOT


@dataclass
class Rendering:
    """One `quarto render` of the book: where it wrote the site, and how it went."""

    site: Path
    returncode: int
    output: str  # stdout and stderr, interleaved
    seconds: float
    version: str


def render(tmp_path_factory, *options: str) -> Rendering:
    """The committed notebooks rendered by Quarto (no execution) into a temporary folder."""
    quarto = find_quarto()
    if quarto is None:
        needs(f"Quarto {QUARTO_VERSION} on PATH",
              f"get it one of these ways:\n{ways_to_get_quarto()}")
    version = subprocess.run([quarto, "--version"], capture_output=True, text=True).stdout.strip()
    site = tmp_path_factory.mktemp("quarto") / "_book"
    start = time.perf_counter()
    command = [quarto, "render", *options, "--output-dir", str(site)]
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, timeout=RENDER_TIMEOUT)
    return Rendering(site, result.returncode, result.stdout, time.perf_counter() - start, version)


def rendered(rendering: Rendering) -> Path:
    """The rendering's site; the test that asks for it fails if the render failed."""
    if rendering.returncode != 0:
        pytest.fail(f"`quarto render` exited {rendering.returncode}:\n{rendering.output[-3000:]}",
                    pytrace=False)
    return rendering.site


@pytest.fixture(scope="session")
def rendering(tmp_path_factory) -> Rendering:
    """The book as _quarto.yml renders it (no repository set)."""
    return render(tmp_path_factory)


@pytest.fixture(scope="session")
def site(rendering) -> Path:
    """The rendered site's folder; every test that reads it fails if the render failed."""
    return rendered(rendering)


@pytest.fixture(scope="session")
def sample_repo_site(tmp_path_factory) -> Path:
    """The book rendered with the profile `sample-repo` (_quarto-sample-repo.yml): as a copy
    published from a GitHub repository shows it. A second render: only the link tests use it."""
    return rendered(render(tmp_path_factory, "--profile", "sample-repo"))


# --- the browser tests -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/browser/ for screenshots and reports, emptied once, at the session's start."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, once per session; skipped (or failed under $CI)
    when either is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        needs("the Python package `playwright`", GET_BROWSER)
    executable = shutil.which("chromium") or shutil.which("chromium-browser")  # Debian, Ubuntu
    if not executable:
        needs("a `chromium` executable on PATH", GET_BROWSER)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def site_url(site) -> str:
    """The rendered site served over HTTP on 127.0.0.1; its base URL."""
    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def explorer_url() -> str:
    """explorer/ served from the repository (only that folder), so that demo.html loads the
    explorer through ../explorer/ as the chapter page does; the folder's URL."""
    with serve(ROOT, ExplorerOnly) as url:
        yield url + "explorer/"


def pytest_terminal_summary(terminalreporter):
    """The browser tests' summary (pages, media, maths, requests, accessibility; the explorer's
    timings and differences), also written to test-artifacts/browser/<section>-report.txt."""
    for section, lines in REPORT.items():
        if not lines:
            continue
        terminalreporter.write_sep("-", f"{section} report")
        for line in lines:
            terminalreporter.write_line(line)
        if ARTIFACTS.is_dir():
            (ARTIFACTS / f"{section}-report.txt").write_text("\n".join(lines) + "\n",
                                                             encoding="utf-8")
