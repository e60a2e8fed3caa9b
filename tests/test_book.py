"""Tests of lessonlib.book, the `make book` builder, on tiny throwaway books."""

import json
import re
import sys
from html.parser import HTMLParser

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from lessonlib import book

PNG = "iVBORw0KGgo="  # a (truncated) base64 PNG: enough for the HTML


def write_notebook(path, *cells):
    """Write a notebook made of `cells` to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=list(cells)), str(path))


def make_book(root, chapters=("index.ipynb", "chapters/a.ipynb", "chapters/b.ipynb")):
    """A tiny book in `root`: _quarto.yml, three notebooks, a video and a resource file."""
    config = {
        "project": {"type": "book", "output-dir": "_book", "resources": ["chapters/media/*.csv"]},
        "book": {"title": "Tiny Book", "chapters": list(chapters)},
    }
    (root / "_quarto.yml").write_text(json.dumps(config))  # JSON is YAML
    (root / "chapters" / "media").mkdir(parents=True)
    (root / "chapters" / "media" / "clip.mp4").write_bytes(b"not really a video")
    (root / "chapters" / "media" / "table.csv").write_text("x,y\n1,2\n")
    write_notebook(
        root / "index.ipynb",
        new_raw_cell("---\ntitle: Welcome\n---"),
        new_markdown_cell("# Home heading\n\nSome maths: $f(x) = x^2$."),
    )
    folded = new_code_cell('#| code-fold: true\n#| fig-cap: "The descent path"\n#| label: fig-path\nfolded_source = 1')
    folded.outputs = [new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    hidden = new_code_cell("#| echo: false\nhidden_source = 2")
    hidden.outputs = [new_output("stream", name="stdout", text="shown output\n")]
    write_notebook(
        root / "chapters" / "a.ipynb",
        new_markdown_cell('# Chapter A\n\n<video controls><source src="media/clip.mp4" type="video/mp4"></video>\n\n![remote](https://example.com/x.png)'),
        folded,
        hidden,
        new_code_cell("#| include: false\nexcluded_cell = 3"),
        new_code_cell('#| code-fold: true\n#| code-summary: "Solution"\nsolution_source = 4'),
    )
    write_notebook(root / "chapters" / "b.ipynb", new_markdown_cell("# Chapter B {#sec-b}\n\n## Aside {.unnumbered}\n\nThe end."))
    return root


BIB = r"""% The tiny book's references. A comment line is skipped, @even{this,
@comment{ignored {nested} }
@book{knuth1984,
  author    = {Knuth, Donald E.},
  title     = "The {TeX}book",
  publisher = {Addison-Wesley},
  year      = 1984,
}
@article{doe2020,
  author  = {Jane Doe and Roe, Richard},
  title   = {On {Braces} and "Quotes"},
  journal = {Journal of Tests},
  volume  = {3}, number = {2}, pages = {10--20},
  year    = {2020}
}
@inproceedings{many2021,
  author    = {Ann Smith and Bob Jones and Carla G{\'o}mez},
  title     = "Three " # {authors},
  booktitle = {Proceedings of Testing},
  year      = {2021}
}
@misc{uncited1999, author = {Nobody, Norman}, title = {Never cited}, year = {1999}}
"""


def make_cited_book(root, b_markdown="# Chapter B\n\nNothing cited."):
    """The tiny book plus references.bib, a references page, citations and figure cross-references."""
    make_book(root, chapters=("index.ipynb", "chapters/a.ipynb", "chapters/b.ipynb", "references.qmd"))
    config = json.loads((root / "_quarto.yml").read_text())
    (root / "_quarto.yml").write_text(json.dumps(dict(config, bibliography="references.bib")))
    (root / "references.bib").write_text(BIB)
    (root / "references.qmd").write_text("# References {.unnumbered}\n\n::: {#refs}\n:::\n\nThe painting: public domain.\n")
    write_notebook(root / "index.ipynb", new_markdown_cell("# Home {.unnumbered}\n\nSee [@knuth1984]."))
    first = new_code_cell('#| label: fig-path\n#| fig-cap: "The descent path"\n#| fig-alt: "A curve going down"\nx = 1')
    first.outputs = [new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    second = new_code_cell("#| label: fig-second\n#| fig-cap: \"Cited in the caption [@doe2020]\"\ny = 2")
    second.outputs = [new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    write_notebook(root / "chapters" / "a.ipynb",
                   new_markdown_cell("# Chapter A\n\nAs @fig-second shows, and [@fig-path] before it."), first, second)
    write_notebook(root / "chapters" / "b.ipynb", new_markdown_cell(b_markdown))
    return root


def links(html):
    """The attributes of every <a> tag in `html`, in order."""
    found = []
    parser = HTMLParser()
    parser.handle_starttag = lambda tag, attrs: found.append(dict(attrs)) if tag == "a" else None
    parser.feed(html)
    return found


@pytest.fixture
def no_quarto(monkeypatch):
    """Pretend Quarto is not installed, so render() uses the nbconvert fallback."""
    monkeypatch.setattr(book.shutil, "which", lambda name: None)


# --- chapters() ---------------------------------------------------------------


def test_chapters_in_order_with_parts_flattened(tmp_path):
    make_book(tmp_path, chapters=["index.ipynb", {"part": "Part one", "chapters": ["chapters/b.ipynb"]}, "chapters/a.ipynb"])
    assert book.chapters(tmp_path) == [tmp_path / "index.ipynb", tmp_path / "chapters/b.ipynb", tmp_path / "chapters/a.ipynb"]


def test_chapters_counts_a_part_with_its_own_page(tmp_path):
    make_book(tmp_path, chapters=["index.ipynb", {"part": "chapters/b.ipynb", "chapters": ["chapters/a.ipynb"]}])
    assert book.chapters(tmp_path) == [tmp_path / "index.ipynb", tmp_path / "chapters/b.ipynb", tmp_path / "chapters/a.ipynb"]


def test_chapters_missing_chapter_is_named(tmp_path):
    make_book(tmp_path, chapters=["index.ipynb", "chapters/nowhere.ipynb"])
    with pytest.raises(book.BookError, match="chapters/nowhere.ipynb"):
        book.chapters(tmp_path)


def test_chapters_missing_quarto_yml(tmp_path):
    with pytest.raises(book.BookError, match="_quarto.yml not found"):
        book.chapters(tmp_path)


# --- render(): the nbconvert fallback ------------------------------------------


def test_fallback_book_pages_and_navigation(tmp_path, no_quarto, capsys):
    make_book(tmp_path)
    book.render(tmp_path)
    printed = capsys.readouterr().out
    assert printed.count("Quarto was not found on PATH") == 1
    assert "book: _book/index.html (3 pages)" in printed

    home = (tmp_path / "_book" / "index.html").read_text()
    assert "<title>Welcome</title>" in home  # YAML title beats the first heading
    hrefs = [a.get("href") for a in links(home)]
    assert hrefs.index("chapters/a.html") < hrefs.index("chapters/b.html")
    assert {"class": "book-title", "href": "index.html"} in links(home)
    assert "Tiny Book" in home
    assert "mathjax" in home.lower() and "$f(x) = x^2$" in home

    a = links((tmp_path / "_book" / "chapters" / "a.html").read_text())
    assert {"class": "book-title", "href": "../index.html"} in a  # home from one folder down
    assert {"href": "a.html", "aria-current": "page"} in a
    assert {"href": "../index.html", "rel": "prev"} in a
    assert {"href": "b.html", "rel": "next"} in a
    b_html = (tmp_path / "_book" / "chapters" / "b.html").read_text()
    assert "{#sec-b}" not in b_html and "{.unnumbered}" not in b_html and "Aside" in b_html  # Pandoc attributes
    b = links(b_html)
    assert {"href": "a.html", "rel": "prev"} in b
    assert not [link for link in b if link.get("rel") == "next"]


def test_fallback_honours_quarto_cell_options(tmp_path, no_quarto):
    make_book(tmp_path)
    book.render(tmp_path)
    a = (tmp_path / "_book" / "chapters" / "a.html").read_text()

    details = a[a.index("<details") : a.index("</details>")]
    assert "<summary>Show the code</summary>" in details
    assert "folded_source" in details
    body = a.split("<body", 1)[1]
    assert "#|" not in body and "code-fold:" not in body and "fig-cap" not in body
    assert "hidden_source" not in a and "shown output" in a  # echo: false
    assert "excluded_cell" not in a  # include: false
    assert "<figcaption>Figure 1.1: The descent path</figcaption>" in a  # chapter 1 (the home page is unnumbered)
    assert 'id="fig-path"' in a
    assert 'alt="The descent path"' in a


def test_fallback_uses_a_cells_own_code_summary(tmp_path, no_quarto):
    make_book(tmp_path)
    book.render(tmp_path)
    a = (tmp_path / "_book" / "chapters" / "a.html").read_text()
    solution = a[a.index("solution_source") - 400 : a.index("solution_source")]
    assert "<summary>Solution</summary>" in solution
    assert a.count("<summary>Show the code</summary>") == 1  # the other folded cell keeps the default


def test_fallback_copies_media_and_resources(tmp_path, no_quarto):
    make_book(tmp_path)
    book.render(tmp_path)
    assert (tmp_path / "_book/chapters/media/clip.mp4").read_bytes() == b"not really a video"
    assert (tmp_path / "_book/chapters/media/table.csv").is_file()  # project: resources:
    assert 'src="media/clip.mp4"' in (tmp_path / "_book/chapters/a.html").read_text()


def test_fallback_missing_media_is_named(tmp_path, no_quarto):
    make_book(tmp_path)
    write_notebook(tmp_path / "chapters" / "b.ipynb", new_markdown_cell("![plot](media/missing.png)"))
    with pytest.raises(book.BookError, match=r"chapters/b\.ipynb.*media/missing\.png"):
        book.render(tmp_path)


# --- render(): citations and figure cross-references without Quarto ------------


def test_fallback_turns_citations_into_links_to_the_references_page(tmp_path, no_quarto):
    make_cited_book(tmp_path, "# Chapter B\n\nKnown [@doe2020; see @knuth1984, p. 7], and @many2021 agree "
                              "[-@doe2020]: mail someone@example.com; `@decorator` is code; $a@b$ is maths.")
    book.render(tmp_path)
    b = (tmp_path / "_book" / "chapters" / "b.html").read_text()
    assert ('(<a href="../references.html#ref-doe2020">Doe &amp; Roe, 2020</a>; '
            'see <a href="../references.html#ref-knuth1984">Knuth, 1984</a>, p. 7)') in b  # from one folder down
    assert '<a href="../references.html#ref-many2021">Smith et al. (2021)</a> agree' in b
    assert '(<a href="../references.html#ref-doe2020">2020</a>):' in b  # [-@key]: the year only
    assert "someone@example.com" in b and "<code>@decorator</code>" in b and "$a@b$" in b
    home = (tmp_path / "_book" / "index.html").read_text()
    assert {"href": "references.html#ref-knuth1984"} in links(home)


def test_fallback_references_page_lists_every_cited_entry(tmp_path, no_quarto):
    make_cited_book(tmp_path, "# Chapter B\n\n@many2021 and [@doe2020].")
    book.render(tmp_path)
    refs = (tmp_path / "_book" / "references.html").read_text()
    assert "{#refs}" not in refs and ":::" not in refs and "The painting: public domain." in refs
    ids = [refs.index(f'id="ref-{key}"') for key in ("doe2020", "knuth1984", "many2021")]
    assert ids == sorted(ids)  # sorted by first author: Doe, Knuth, Smith
    assert "uncited1999" not in refs  # only what the book cites
    assert 'Doe, J. &amp; Roe, R. (2020). On Braces and "Quotes". Journal of Tests, 3(2), 10\u201320.' in refs
    assert "Smith, A., Jones, B. &amp; G\u00f3mez, C. (2021). Three authors. In Proceedings of Testing." in refs
    assert "Knuth, D. E. (1984). The TeXbook. Addison-Wesley." in refs


def test_fallback_unknown_citation_names_page_and_key(tmp_path, no_quarto):
    make_cited_book(tmp_path, "# Chapter B\n\nAs [@nobody2000] said.")
    with pytest.raises(book.BookError, match=r"chapters/b\.ipynb cites @nobody2000, which is not in references\.bib"):
        book.render(tmp_path)
    assert not (tmp_path / "_book").exists()  # checked before any page is written


def test_fallback_numbers_figures_per_chapter_and_links_references(tmp_path, no_quarto):
    make_cited_book(tmp_path, "# Chapter B {.unnumbered}\n\nBack in @fig-path; here @fig-b.")
    figure = new_code_cell('#| label: fig-b\n#| fig-cap: "B\'s figure"\nz = 3')
    figure.outputs = [new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    nb = nbformat.read(str(tmp_path / "chapters" / "b.ipynb"), as_version=4)
    nb.cells.append(figure)
    nbformat.write(nb, str(tmp_path / "chapters" / "b.ipynb"))
    book.render(tmp_path)
    a = (tmp_path / "_book" / "chapters" / "a.html").read_text()
    assert "<figcaption>Figure 1.1: The descent path</figcaption>" in a
    assert "<figcaption>Figure 1.2: Cited in the caption (Doe &amp; Roe, 2020)</figcaption>" in a
    assert 'alt="A curve going down"' in a and 'id="fig-second"' in a
    assert 'As <a href="#fig-second">Figure 1.2</a> shows, and <a href="#fig-path">Figure 1.1</a> before it.' in a
    b = (tmp_path / "_book" / "chapters" / "b.html").read_text()
    assert '<a href="a.html#fig-path">Figure 1.1</a>' in b  # another chapter's figure
    assert '<a href="#fig-b">Figure 1</a>' in b and "<figcaption>Figure 1: B's figure</figcaption>" in b


@pytest.mark.parametrize("markdown, message", [
    ("See @fig-nowhere.", r"chapters/b\.ipynb refers to @fig-nowhere"),
    ("$$x = 1$$ {#eq-one}\n\nSee @eq-one and @eq-nowhere.", r"chapters/b\.ipynb refers to @eq-nowhere, but no equation"),
])
def test_fallback_unknown_reference_names_page_and_label(tmp_path, no_quarto, markdown, message):
    make_cited_book(tmp_path, "# Chapter B\n\n" + markdown)
    with pytest.raises(book.BookError, match=message):
        book.render(tmp_path)


def test_fallback_numbers_equations_per_chapter_and_links_references(tmp_path, no_quarto):
    make_cited_book(tmp_path, "# Chapter B\n\nRecall @eq-slope.")
    write_notebook(tmp_path / "index.ipynb",
                   new_markdown_cell("# Home {.unnumbered}\n\nSee [@knuth1984].\n\n$$a = b$$ {#eq-home}\n\nThat is @eq-home."))
    nb = nbformat.read(str(tmp_path / "chapters" / "a.ipynb"), as_version=4)
    nb.cells.append(new_markdown_cell(
        "The loss\n\n$$f(x) = x^2$$ {#eq-square}\n\nand its slope\n\n$$\ng(x) = 2 x\n$$ {#eq-slope}\n\n"
        "Unlabelled $$h = 1$$ stays. @eq-square is the loss and [-@eq-slope] its slope, as in [@eq-square; @eq-slope]; "
        "`$$c$$ {#eq-code}` is code."))
    nbformat.write(nb, str(tmp_path / "chapters" / "a.ipynb"))
    book.render(tmp_path)
    a = (tmp_path / "_book" / "chapters" / "a.html").read_text()
    # each in a <div> with the label as its id, the number inside the maths for MathJax
    assert re.search(r'<div [^>]*id="eq-square"[^>]*>\s*<p>\$\$f\(x\) = x\^2 \\tag\{1\.1\}\$\$</p>\s*</div>', a)
    assert re.search(r'<div [^>]*id="eq-slope"[^>]*>\s*<p>\$\$\ng\(x\) = 2 x \\tag\{1\.2\}\$\$</p>\s*</div>', a)
    assert "{#eq-" not in a.replace("<code>$$c$$ {#eq-code}</code>", "")  # labels gone, except in code
    assert "Unlabelled $$h = 1$$ stays." in a  # an unlabelled equation is not numbered
    assert ('<a href="#eq-square">Equation 1.1</a> is the loss and <a href="#eq-slope">1.2</a> its slope, '
            'as in <a href="#eq-square">Equation 1.1</a>; <a href="#eq-slope">Equation 1.2</a>;') in a
    b = (tmp_path / "_book" / "chapters" / "b.html").read_text()
    assert 'Recall <a href="a.html#eq-slope">Equation 1.2</a>.' in b  # another chapter's equation
    home = (tmp_path / "_book" / "index.html").read_text()
    assert re.search(r'<div [^>]*id="eq-home"[^>]*>\s*<p>\$\$a = b \\tag\{1\}\$\$</p>', home)  # unnumbered page
    assert 'That is <a href="#eq-home">Equation 1</a>.' in home


def test_fallback_equation_labels_are_unique(tmp_path, no_quarto):
    make_cited_book(tmp_path, "# Chapter B\n\n$$x = 1$$ {#eq-one}\n\n$$y = 2$$ {#eq-one}\n\n@eq-one.")
    with pytest.raises(book.BookError, match=r"chapters/b\.ipynb: the equation label eq-one is also used"):
        book.render(tmp_path)


def test_read_bibtex_braces_quotes_concatenation_and_comments(tmp_path):
    (tmp_path / "refs.bib").write_text(BIB)
    entries = book.read_bibtex(tmp_path / "refs.bib")
    assert list(entries) == ["knuth1984", "doe2020", "many2021", "uncited1999"]
    assert entries["doe2020"]["title"] == 'On {Braces} and "Quotes"'
    assert entries["many2021"]["title"] == "Three authors" and entries["knuth1984"]["year"] == "1984"
    assert entries["doe2020"]["type"] == "article" and entries["doe2020"]["pages"] == "10--20"
    (tmp_path / "bad.bib").write_text("@article{broken,\n  title = {never closed\n}")
    with pytest.raises(book.BookError, match=r"bad\.bib, line 1"):
        book.read_bibtex(tmp_path / "bad.bib")


def test_references_in_skips_code_maths_and_addresses():
    text = "See @a, [@b; -@c] and @fig-x.\n\n```python\n@decorator\n```\n\n`@d` $@e$ me@f.org <a href='@g'>"
    assert book.references_in(text) == ["a", "b", "c", "fig-x"]


def test_equations_in_pairs_dollars_and_skips_code():
    text = "$$a$$ then $$\nb\n$$ {#eq-b}, `$$c$$ {#eq-c}`\n\n```\n$$d$$ {#eq-d}\n```\n$$e$$  {#eq-e.x}"
    assert book.equations_in(text) == ["eq-b", "eq-e.x"]


def test_render_uses_quarto_when_present(tmp_path, monkeypatch):
    make_book(tmp_path)
    calls = []
    monkeypatch.setattr(book.shutil, "which", lambda name: "/usr/bin/quarto")
    monkeypatch.setattr(book.subprocess, "run", lambda command, **kw: calls.append((command, kw)))
    book.render(tmp_path)
    assert calls == [(["quarto", "render"], {"cwd": tmp_path, "check": True})]
    assert not (tmp_path / "_book").exists()


# --- execute() (starts a real kernel: two runs in all) ---------------------------


def test_execute_runs_in_this_python_and_writes_clean_outputs(tmp_path):
    make_book(tmp_path)
    path = tmp_path / "chapters" / "a.ipynb"
    write_notebook(path, new_markdown_cell("# A"), new_code_cell("import sys; print(sys.prefix)"))
    book.execute(tmp_path, notebooks=["chapters/a.ipynb"])
    nb = nbformat.read(str(path), as_version=4)
    cell = nb.cells[1]
    assert cell.outputs[0].text.strip() == sys.prefix  # the kernel is this venv's Python
    assert cell.execution_count == 1
    assert "execution" not in cell.metadata
    assert "widgets" not in nb.metadata
    assert path.read_text().startswith('{\n "cells": [\n  {\n')  # indent 1, as Jupyter writes


def test_execute_failing_cell_names_the_notebook(tmp_path):
    make_book(tmp_path)
    path = tmp_path / "chapters" / "b.ipynb"
    write_notebook(path, new_code_cell("x = 1"), new_code_cell("1 / 0"))
    before = path.read_text()
    with pytest.raises(book.BookError, match=r"b\.ipynb.*cell 2.*ZeroDivisionError"):
        book.execute(tmp_path, notebooks=["chapters/b.ipynb"])
    assert path.read_text() == before


# --- main() ---------------------------------------------------------------------


def test_main_missing_quarto_yml_exits_1(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        book.main(["--root", str(tmp_path), "render"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "_quarto.yml not found" in err
    assert "Traceback" not in err


def test_main_accepts_root_after_the_subcommand(tmp_path, no_quarto, capsys):
    make_book(tmp_path)
    book.main(["render", "--root", str(tmp_path), "--out", "site"])
    assert (tmp_path / "site" / "chapters" / "b.html").is_file()
    assert "book: site/index.html (3 pages)" in capsys.readouterr().out
