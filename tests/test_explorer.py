"""The optimiser explorer (explorer/) in a real browser: present, interactive, fast, and computing what PyTorch computes.

explorer/demo.html (which loads explorer.js and explorer.css through ../explorer/, as the chapter
page will) is served on 127.0.0.1 and opened in headless Chromium through Playwright. Checked:

* the figure is there, every control has a <label>, and no request leaves the served folder;
* `window.optimiserExplorer.run(settings)` returns, for settings covering each optimiser, two
  learning rates, non-default betas, both landscapes and starts on both sides of the valley, the
  positions of `lessonlib.trajectory.run_trajectory` (float64) to 1e-9 for the first 500 steps
  (absolute; relative beyond |x| = 1, which only a diverging run reaches), and the same outcome
  (converged at the same step / diverged at the same step / not converged). Settings were chosen
  where the path is not chaotic: RMSprop at lr 1e-2 from (1.5, -0.5), for one, turns a 1e-16
  difference (PyTorch's kernels use fused multiply-adds, JavaScript cannot) into 1e-3 within 50 steps;
* moving a control by keyboard, clicking the map and switching the landscape change the picture;
* recomputing and redrawing 6,000 steps of four optimisers takes at most 50 ms (median);
* screenshots at desktop and phone width go to test-artifacts/browser/explorer-*.png, and at
  375 px nothing overflows sideways. Timings and differences are in the run's summary and in
  test-artifacts/browser/explorer-report.txt.

Chromium, the server of explorer/ and the screenshot folder are tests/conftest.py's fixtures. Needs
Debian's `chromium` and `pip install playwright` (the system Chromium is used); without them the
tests are skipped, or fail when $CI is set.
"""

import statistics

import numpy as np
import pytest

from lessonlib.functions import elongated_bowl
from lessonlib.landscapes import START as BOWL_START
from lessonlib.optim import Optimiser
from lessonlib.trajectory import run_trajectory
from support import REPORT

COMPARED = 500  # positions compared with run_trajectory
ATOL = 1e-9
BUDGET_MS = 50.0  # recompute + redraw of 4 optimisers x 6,000 steps

# (name, landscape, torch optimiser, start, settings): each optimiser, several learning rates,
# non-default betas, starts on both sides of Rosenbrock's valley, and runs that converge, diverge
# or use up the budget
CASES = [
    ("gd-1e-3", "rosenbrock", "SGD", (-0.8, 2.0), {"lr": 1e-3}),
    ("gd-1e-2-diverges", "rosenbrock", "SGD", (-0.8, 2.0), {"lr": 1e-2}),
    ("momentum-1e-3", "rosenbrock", "SGD", (-0.8, 2.0), {"lr": 1e-3, "momentum": 0.9}),
    ("momentum-5e-4-right", "rosenbrock", "SGD", (1.5, -0.5), {"lr": 5e-4, "momentum": 0.8}),
    ("rmsprop-1e-3", "rosenbrock", "RMSprop", (-0.8, 2.0), {"lr": 1e-3}),
    ("rmsprop-1e-3-right", "rosenbrock", "RMSprop", (1.5, -0.5), {"lr": 1e-3, "alpha": 0.9}),
    ("rmsprop-1e-4", "rosenbrock", "RMSprop", (-0.8, 2.0), {"lr": 1e-4}),
    ("adam-1e-2", "rosenbrock", "Adam", (-0.8, 2.0), {"lr": 1e-2}),
    ("adam-1", "rosenbrock", "Adam", (-0.8, 2.0), {"lr": 1.0}),
    ("adam-betas-right", "rosenbrock", "Adam", (1.5, -0.5), {"lr": 0.05, "betas": (0.8, 0.99)}),
    ("bowl-momentum", "bowl", "SGD", (-4.0, 1.0), {"lr": 0.013, "momentum": 0.9}),
    ("bowl-gd", "bowl", "SGD", (-4.0, 1.0), {"lr": 0.035}),
    ("bowl-rmsprop", "bowl", "RMSprop", (-4.0, 1.0), {"lr": 0.16}),
    ("bowl-adam", "bowl", "Adam", (-4.0, 1.0), {"lr": 0.2}),
    # Lion, lessonlib's (chapter "After Adam"): converges, betas and weight decay, the bowl
    ("lion-1e-3", "rosenbrock", "Lion", (-0.8, 2.0), {"lr": 1e-3}),
    ("lion-betas-decay-right", "rosenbrock", "Lion", (1.5, -0.5),
     {"lr": 3e-3, "betas": (0.95, 0.98), "weight_decay": 0.1}),
    ("bowl-lion", "bowl", "Lion", (-4.0, 1.0), {"lr": 3e-3}),
]

WORST = {}  # case -> its largest difference from run_trajectory


@pytest.fixture(scope="module", autouse=True)
def worst_difference():
    """After the module: the largest difference over all cases, for the run's report."""
    yield
    if WORST:
        name = max(WORST, key=WORST.get)
        REPORT["explorer"].append(f"worst difference over {len(WORST)} cases: "
                                  f"{WORST[name]:.2e} ({name})")


def open_page(browser, base_url, width, height=1000):
    """The demo page at `width` CSS pixels; requests outside the served folder are aborted and listed."""
    page = browser.new_page(viewport={"width": width, "height": height})
    outside, errors = [], []
    page.on("pageerror", lambda err: errors.append(str(err)))

    def guard(route):
        url = route.request.url
        if url.startswith(base_url):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", guard)
    page.goto(base_url + "demo.html")
    page.wait_for_function("typeof window.optimiserExplorer?.update === 'function'")
    page.outside, page.errors = outside, errors
    return page


@pytest.fixture(scope="module")
def page(browser, explorer_url):
    p = open_page(browser, explorer_url, 1200)
    yield p
    assert not p.errors, p.errors
    assert not p.outside, f"requests outside the site: {p.outside}"
    p.close()


def canvas_png(page) -> str:
    return page.evaluate("document.querySelector('.ox-canvas').toDataURL()")


def test_present_with_labelled_controls(page):
    assert page.locator("#optimiser-explorer canvas.ox-canvas").is_visible()
    controls = page.evaluate("""() => Array.from(document.querySelectorAll('#optimiser-explorer input, #optimiser-explorer button'))
        .map(c => ({id: c.id, type: c.type, label: c.type === 'button' ? c.textContent.trim()
                    : Array.from(c.labels || []).map(l => l.textContent.trim()).join(' ')}))""")
    kinds = {c["type"] for c in controls}
    assert {"range", "checkbox", "radio", "number", "button"} <= kinds, kinds
    unlabelled = [c["id"] for c in controls if not c["label"]]
    assert not unlabelled, f"controls without a label: {unlabelled}"
    ranges = [c["id"] for c in controls if c["type"] == "range"]
    for key in ("gd", "momentum", "rmsprop", "adam", "lion"):
        assert f"ox-{key}-lr" in ranges
    assert {"ox-momentum-momentum", "ox-adam-beta1", "ox-adam-beta2", "ox-lion-beta1", "ox-lion-beta2",
            "ox-steps"} <= set(ranges)
    results = page.locator(".ox-results li").all_inner_texts()  # Lion starts switched off
    assert len(results) == 4 and all("f" in r for r in results), results
    assert not page.is_checked("#ox-lion-on") and "Lion" in page.evaluate("window.optimiserExplorer.optimisers")
    assert "heavy ball" in page.locator(".ox-note").inner_text()
    # the second landscape starts where the chapter "The mathematics of Adam" starts its bowl
    assert page.evaluate("window.optimiserExplorer.landscapes.bowl.start") == list(BOWL_START)


@pytest.mark.parametrize("name, landscape, optimiser, start, settings", CASES, ids=[c[0] for c in CASES])
def test_same_path_as_run_trajectory(page, name, landscape, optimiser, start, settings):
    fn = elongated_bowl if landscape == "bowl" else None  # the bowl of "The mathematics of Adam"
    kwargs = {"fn": fn} if fn else {}
    ref = run_trajectory(Optimiser(optimiser, **settings), start=start, tol=1e-4, max_iter=6000, **kwargs)
    js_settings = dict(settings, optimiser=optimiser, start=list(start), landscape=landscape, tol=1e-4, maxIter=6000)
    if "betas" in js_settings:
        js_settings["betas"] = list(js_settings["betas"])
    got = page.evaluate("s => window.optimiserExplorer.run(s)", js_settings)
    assert (got["converged"], got["diverged"]) == (ref.converged, ref.diverged), (got["iterations"], ref)
    assert got["iterations"] == ref.iterations, (got["iterations"], ref)
    n = min(COMPARED, ref.iterations + 1)
    if ref.diverged:  # the last position overflowed (inf/nan): compare the finite ones before it
        n = min(n, ref.iterations)
    js = np.array(got["xy"][:n], dtype=float)
    # absolute on the map; a diverging run's positions grow to 1e80 and more, where 1e-9 is relative
    diff = float(np.max(np.abs(js - ref.xy[:n]) / np.maximum(1.0, np.abs(ref.xy[:n]))))
    REPORT["explorer"].append(
        f"max |explorer - run_trajectory| over the first {n} positions, {name}: {diff:.2e}")
    WORST[name] = diff
    assert diff <= ATOL, f"{name}: positions differ by {diff:.3g} (> {ATOL})"
    outcome = "converged" if ref.converged else "diverged" if ref.diverged else "not converged"
    print(f"{name}: {outcome} after {ref.iterations} steps; max difference {diff:.2e} over {n} positions")


def test_controls_change_the_paths(page):
    before, shot_before = canvas_png(page), page.locator(".ox-canvas").screenshot()
    results_before = page.locator(".ox-results").inner_text()
    page.focus("#ox-adam-lr")
    page.keyboard.press("ArrowLeft")  # Adam's learning rate one notch down, by keyboard
    after_key = canvas_png(page)
    assert after_key != before, "moving Adam's learning-rate slider did not change the picture"
    assert page.locator(".ox-canvas").screenshot() != shot_before, "the screenshot did not change"
    assert page.locator(".ox-results").inner_text() != results_before
    assert page.locator("#ox-adam-lr + output").inner_text() == "0.89"

    box = page.locator(".ox-canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.75)  # start on the right of the valley
    start = page.evaluate("window.optimiserExplorer.state.start")
    assert start[0] > 1 and start[1] < 0.5, start
    after_click = canvas_png(page)
    assert after_click != after_key, "clicking the map did not move the start"

    page.focus(".ox-canvas")
    page.keyboard.press("ArrowUp")  # the start by keyboard: 0.05 up
    assert page.evaluate("window.optimiserExplorer.state.start") == [start[0], round(start[1] + 0.05, 2)]
    assert float(page.locator("#ox-start-y").input_value()) == round(start[1] + 0.05, 2)
    page.fill("#ox-start-x", "1.5")
    page.press("#ox-start-x", "Enter")
    assert page.evaluate("window.optimiserExplorer.state.start")[0] == 1.5

    page.uncheck("#ox-gd-on")
    assert len(page.locator(".ox-results li").all()) == 3
    page.check("#ox-land-bowl")
    assert "Elongated bowl" in page.locator(".ox-hint").inner_text()
    assert canvas_png(page) != after_click
    page.click(".ox-reset")
    page.check("#ox-land-rosenbrock")
    assert page.evaluate("window.optimiserExplorer.state.start") == [-0.8, 2]
    assert canvas_png(page) == before, "Reset did not restore the first picture"


def test_redraw_within_budget(page):
    # four optimisers that all use the full 6,000 steps (none reaches f < 1e-4 sooner)
    page.check("#ox-land-rosenbrock")
    page.click(".ox-reset")
    page.evaluate("""() => {
        const set = (id, v) => { const e = document.getElementById(id); e.value = v; };
        // learning-rate slider index k is 10^((k - 80) / 20): 20 -> 1e-3, 40 -> 1e-2
        set('ox-gd-lr', 20); set('ox-momentum-lr', 1); set('ox-rmsprop-lr', 20); set('ox-adam-lr', 40);
    }""")
    times = page.evaluate("""() => {
        const ox = window.optimiserExplorer, ctx = document.querySelector('.ox-canvas').getContext('2d');
        const times = [];
        for (let r = 0; r < 25; r++) {
            const t0 = performance.now();
            ox.update();
            ctx.getImageData(0, 0, 1, 1);  // wait for the drawing itself, not just its commands
            times.push(performance.now() - t0);
        }
        return times;
    }""")
    steps = page.evaluate("window.optimiserExplorer.settings().map(s => s.maxIter)")
    iterations = page.evaluate("window.optimiserExplorer.settings().map(s => window.optimiserExplorer.simulate(s).iterations)")
    assert steps == [6000] * 4 and iterations == [6000] * 4, (steps, iterations)
    warm = times[5:]
    median, worst = statistics.median(warm), max(warm)
    REPORT["explorer"].append("redraw of 4 optimisers x 6,000 steps (ms, 20 repeats after 5 "
                              f"warm-up): median {median:.1f}, max {worst:.1f}")
    print(f"recompute + redraw, 4 optimisers x 6,000 steps: median {median:.1f} ms, max {worst:.1f} ms")
    assert median <= BUDGET_MS, f"redraw takes {median:.1f} ms (median), more than {BUDGET_MS} ms"


@pytest.mark.parametrize("label, width", [("desktop", 1200), ("phone", 375)])
def test_screenshots_and_no_overflow(browser, explorer_url, artifacts, label, width):
    page = open_page(browser, explorer_url, width, height=900)
    try:
        page.screenshot(path=str(artifacts / f"explorer-{label}.png"), full_page=True)
        page.check("#ox-land-bowl")
        page.locator("#optimiser-explorer").screenshot(
            path=str(artifacts / f"explorer-{label}-bowl.png"))
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"the page is {overflow} px wide at a {width} px screen"
        canvas = page.locator(".ox-canvas").bounding_box()
        assert canvas["width"] <= width and canvas["height"] > 100, canvas
        assert not page.errors, page.errors
        assert not page.outside, page.outside
    finally:
        page.close()
