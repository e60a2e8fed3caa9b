"""Text colours meet WCAG AA contrast (4.5:1; 3:1 for a focus ring): the figures' matplotlib style,
the explorer's CSS and canvas labels, and the site theme's grey. (axe-core checks the rendered
pages in tests/test_browser.py; it cannot see text drawn into a PNG or a canvas.)"""

import re

import matplotlib as mpl
import pytest
from matplotlib.colors import to_rgb

from lessonlib.style import BOOK_STYLE
from support import ROOT

AA_TEXT, AA_NON_TEXT = 4.5, 3.0
WHITE = "#ffffff"


def luminance(colour) -> float:
    """WCAG 2 relative luminance of a matplotlib or CSS colour ("#5a6570", "black", "0.3")."""
    channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                for c in to_rgb(colour)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast(foreground, background) -> float:
    high, low = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula():
    assert contrast("black", "white") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # famously just below


def test_figure_text_colours():
    with mpl.rc_context(BOOK_STYLE):
        params = mpl.rcParams
        text = params["text.color"]
        colours = {
            "text.color": text,
            "axes.labelcolor": params["axes.labelcolor"],
            "axes.titlecolor": text if params["axes.titlecolor"] == "auto"
            else params["axes.titlecolor"],
            "xtick.labelcolor": params["xtick.color"] if params["xtick.labelcolor"] == "inherit"
            else params["xtick.labelcolor"],
            "ytick.labelcolor": params["ytick.color"] if params["ytick.labelcolor"] == "inherit"
            else params["ytick.labelcolor"],
            "legend.labelcolor": params["legend.labelcolor"] or text,
        }
        backgrounds = [params["figure.facecolor"], params["axes.facecolor"],
                       params["savefig.facecolor"] if params["savefig.facecolor"] != "auto"
                       else params["figure.facecolor"]]
    low = {(key, str(bg)): round(contrast(colour, bg), 2) for key, colour in colours.items()
           for bg in backgrounds if contrast(colour, bg) < AA_TEXT}
    assert not low, f"figure text below {AA_TEXT}:1 (lessonlib/style.py): {low}"


def css_rules(text: str) -> list[tuple[str, dict]]:
    """(selector, {property: value}) of a flat stylesheet, comments removed."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    rules = []
    for selector, body in re.findall(r"([^{}@]+)\{([^{}]*)\}", text):
        declarations = dict(re.findall(r"([\w-]+)\s*:\s*([^;]+)", body))
        rules.append((" ".join(selector.split()), declarations))
    return rules


def test_explorer_css_colours():
    rules = css_rules((ROOT / "explorer" / "explorer.css").read_text(encoding="utf-8"))
    backgrounds = {sel: d["background"].strip() for sel, d in rules
                   if re.fullmatch(r"#[0-9a-fA-F]{3,6}", d.get("background", "").strip())}
    low, checked = [], 0
    for selector, declarations in rules:
        colour = declarations.get("color", "").strip()
        if re.fullmatch(r"#[0-9a-fA-F]{3,6}", colour):
            for background in {WHITE, backgrounds.get(selector, WHITE)}:
                checked += 1
                if contrast(colour, background) < AA_TEXT:
                    low.append((selector, colour, background))
        outline = re.search(r"#[0-9a-fA-F]{3,6}", declarations.get("outline", ""))
        if outline:
            checked += 1
            if contrast(outline.group(0), WHITE) < AA_NON_TEXT:
                low.append((selector, outline.group(0), WHITE))
    # text on buttons: the explorer's own text colour on each background it sets
    text = next(d["color"].strip() for sel, d in rules if sel == ".ox")
    low += [(sel, text, bg) for sel, bg in backgrounds.items() if contrast(text, bg) < AA_TEXT]
    assert checked >= 4, "no colours found in explorer/explorer.css: did its format change?"
    assert not low, f"explorer colours below WCAG AA: {low}"


def test_explorer_canvas_labels():
    script = (ROOT / "explorer" / "explorer.js").read_text(encoding="utf-8")
    # the axis labels: `ctx.fillStyle = "#333"; ctx.font = ...` then fillText, on a white map
    labels = re.findall(r"fillStyle\s*=\s*\"(#[0-9a-fA-F]{3,6})\";\s*ctx\.font", script)
    assert labels, "no text colour found before ctx.font in explorer/explorer.js"
    assert all(contrast(colour, WHITE) >= AA_TEXT for colour in labels), labels


def test_site_theme_grey():
    theme = (ROOT / "site" / "theme.scss").read_text(encoding="utf-8")
    grey = re.search(r"\$body-secondary:\s*(#[0-9a-fA-F]{6})", theme)
    assert grey, "site/theme.scss sets no $body-secondary (Quarto's default grey is 4.39:1)"
    for background in (WHITE, "#f8f9fa"):  # the page, and Bootstrap's light panels
        assert contrast(grey.group(1), background) >= AA_TEXT, (grey.group(1), background)
