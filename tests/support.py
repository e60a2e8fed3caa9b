"""Shared by the tests: the book's pages, a skip (under $CI a failure) for a missing tool, a local
web server, where the browser tests put screenshots, and their report."""

import os
import threading
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tools.book import chapters

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = chapters(ROOT)  # the order of `book: chapters:` in _quarto.yml
PAGES = [path.relative_to(ROOT).with_suffix(".html").as_posix() for path in CHAPTERS]
HOST = "127.0.0.1"  # the browser tests serve pages here only
ARTIFACTS = ROOT / "test-artifacts" / "browser"  # screenshots and reports of the browser tests
# section -> lines, printed at the end of the run (conftest.py's pytest_terminal_summary)
REPORT: dict[str, list[str]] = {"browser": [], "explorer": []}


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


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder's files, without an access log on stderr."""

    def log_message(self, format, *args):
        pass


class ExplorerOnly(QuietHandler):
    """Serves the repository root, but only what lies in explorer/ (so ../explorer/ links resolve
    as in the book)."""

    def send_head(self):
        if not self.path.startswith("/explorer/"):
            self.send_error(404, "only explorer/ is served")
            return None
        return super().send_head()


class QuietServer(ThreadingHTTPServer):
    """A threaded HTTP server that does not report a browser hanging up mid-file."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


@contextmanager
def serve(directory, handler=QuietHandler):
    """`directory` served over HTTP on HOST from a daemon thread; yields its base URL."""
    server = QuietServer((HOST, 0), partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
