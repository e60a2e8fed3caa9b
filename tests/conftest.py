"""Shared test set-up: an off-screen matplotlib backend, the repository root, and the book as Quarto
renders it, once per session, into a temporary folder (so `make test` never touches `_book/`)."""

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pytest

from support import ROOT, needs
from tools.book import QUARTO_VERSION, find_quarto, ways_to_get_quarto

matplotlib.use("Agg")

RENDER_TIMEOUT = 600  # seconds; the book renders in about 15 s


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


@pytest.fixture(scope="session")
def rendering(tmp_path_factory) -> Rendering:
    """The committed notebooks rendered by Quarto (no execution) into a temporary folder."""
    quarto = find_quarto()
    if quarto is None:
        needs(f"Quarto {QUARTO_VERSION} on PATH",
              f"get it one of these ways:\n{ways_to_get_quarto()}")
    version = subprocess.run([quarto, "--version"], capture_output=True, text=True).stdout.strip()
    site = tmp_path_factory.mktemp("quarto") / "_book"
    start = time.perf_counter()
    command = [quarto, "render", "--output-dir", str(site)]
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, timeout=RENDER_TIMEOUT)
    return Rendering(site, result.returncode, result.stdout, time.perf_counter() - start, version)


@pytest.fixture(scope="session")
def site(rendering) -> Path:
    """The rendered site's folder; every test that reads it fails if the render failed."""
    if rendering.returncode != 0:
        pytest.fail(f"`quarto render` exited {rendering.returncode}:\n{rendering.output[-3000:]}",
                    pytrace=False)
    return rendering.site
