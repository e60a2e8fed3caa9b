"""Lighthouse scores of every page of the rendered book: a report, not a test.

    python tools/lighthouse.py [SITE] [--preset mobile|desktop] [--json FILE]

SITE (default `_book/`, as `make render` writes it) is served on 127.0.0.1 and Lighthouse runs once
per page of `_quarto.yml`, in the system's Chromium, for four categories: performance,
accessibility, best practices and SEO. A Markdown table of the scores goes to stdout, followed by
the audits that cost each page points (failed audits with a weight in a category), so a score
below the goal says what holds it. Lighthouse's timings vary between runs and with the load of
the machine, so this reports and never fails on a score (a test would be flaky).

Needs Node.js 18+ and npm's `lighthouse@12.2.3` (12.x runs on Node 18/20; 13.x needs Node 22):

    npm install --prefix . --no-save --no-package-lock lighthouse@12.2.3   # into node_modules/

and Chromium (Debian's `chromium`; or set CHROME_PATH). Neither is needed to build or test the book.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.book import ROOT, BookError, chapters  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update"]
COMPRESSED = ("text/", "application/javascript", "application/json", "image/svg+xml")
INSTALL = "npm install --prefix . --no-save --no-package-lock lighthouse@12.2.3"


class Quiet(SimpleHTTPRequestHandler):
    """Serves the site without an access log; gzips text, as GitHub Pages does, unless told not to."""

    gzip = True

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        kind = self.guess_type(str(path))
        if not (self.gzip and path.is_file() and "gzip" in self.headers.get("Accept-Encoding", "")
                and kind.startswith(COMPRESSED)):
            return super().do_GET()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def pages(root=ROOT) -> list[str]:
    """The site's pages in `_quarto.yml` order, relative to the site ("chapters/adam-maths.html")."""
    return [path.relative_to(root).with_suffix(".html").as_posix() for path in chapters(root)]


def chromium() -> str:
    found = os.environ.get("CHROME_PATH") or shutil.which("chromium") \
        or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        raise BookError("no Chromium found: install Debian's `chromium` or set CHROME_PATH.")
    return found


def run_lighthouse(url: str, preset: str, out: Path) -> dict:
    """Lighthouse's JSON report (its `lhr`) for one URL."""
    command = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
               f"--only-categories={','.join(CATEGORIES)}",
               f"--chrome-flags={' '.join(CHROME_FLAGS)}"]
    if preset == "desktop":
        command.append("--preset=desktop")
    env = dict(os.environ, CHROME_PATH=chromium())
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, timeout=600)
    if result.returncode != 0 or not out.is_file():
        raise BookError(f"lighthouse failed on {url}:\n{result.stdout[-2000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def losses(report: dict) -> list[str]:
    """The audits that cost points: weighted in a category and scored below 1."""
    found = []
    for key in CATEGORIES:
        category = report["categories"][key]
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] > 0 and audit.get("score") is not None and audit["score"] < 1:
                value = audit.get("displayValue") or f"score {audit['score']:.2f}"
                found.append(f"{key}: {audit['title']} ({value})")
    return found


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="tools/lighthouse.py", description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default=str(ROOT / "_book"),
                        help="the rendered site (default: _book/)")
    parser.add_argument("--preset", choices=["mobile", "desktop"], default="mobile",
                        help="Lighthouse's form factor and throttling (default: mobile)")
    parser.add_argument("--no-gzip", action="store_true",
                        help="serve files uncompressed (by default text is gzipped, as on "
                             "GitHub Pages)")
    parser.add_argument("--json", help="also write every page's scores and losses to this file")
    args = parser.parse_args(argv)
    try:
        site = Path(args.site)
        names = pages()
        missing = [name for name in names if not (site / name).is_file()]
        if missing:
            raise BookError(f"{site} lacks {', '.join(missing)}: run `make render` first, or "
                            "name the rendered site.")
        if not LIGHTHOUSE.is_file():
            raise BookError(f"Lighthouse is not installed in node_modules/: run `{INSTALL}`.")
        Quiet.gzip = not args.no_gzip
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        rows, details = [], {}
        with tempfile.TemporaryDirectory() as scratch:
            for number, name in enumerate(names):
                print(f"lighthouse {name} ...", file=sys.stderr, flush=True)
                report = run_lighthouse(base + name, args.preset, Path(scratch) / f"{number}.json")
                scores = {key: round(100 * (report["categories"][key]["score"] or 0))
                          for key in CATEGORIES}
                rows.append((name, scores))
                details[name] = {"scores": scores, "losses": losses(report)}
        server.shutdown()
    except BookError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"| page ({args.preset}) | performance | accessibility | best practices | SEO |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, scores in rows:
        print(f"| {name} | " + " | ".join(str(scores[key]) for key in CATEGORIES) + " |")
    for name, detail in details.items():
        if detail["losses"]:
            print(f"\n{name}:\n  " + "\n  ".join(detail["losses"]))
    if args.json:
        Path(args.json).write_text(json.dumps(details, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
