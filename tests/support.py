"""Shared by the tests: the book's pages, and a skip (under $CI a failure) for a missing tool."""

import os
from pathlib import Path

import pytest
import yaml

from tools.book import chapters

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = chapters(ROOT)  # the order of `book: chapters:` in _quarto.yml
PAGES = [path.relative_to(ROOT).with_suffix(".html").as_posix() for path in CHAPTERS]


def needs(what: str, how: str) -> None:
    """Skip the calling test for lack of `what`, saying `how` to get it; under $CI, fail instead."""
    message = f"this test needs {what}: {how}"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so every test must run, but {message}", pytrace=False)
    pytest.skip(message)


def cell_options(source: str) -> dict:
    """A code cell's Quarto options: its leading `#|` lines, read as YAML ({} when it has none)."""
    lines = source.splitlines()
    head = 0
    while head < len(lines) and lines[head].startswith("#|"):
        head += 1
    return yaml.safe_load("\n".join(line[3:] for line in lines[:head])) or {}
