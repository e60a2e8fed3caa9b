"""Outputs that nbval does not compare are still checked: the notebook asserts what they support.

A number that float rounding can move (a PSNR after 300 float32 epochs, the final f of a chaotic
run) cannot be compared digit for digit across machines. Such a cell carries the
`nbval-ignore-output` tag, a one-line `nbval-ignore-reason`, and `nbval-checked-by`: the id of a
later cell that asserts, with a tolerance that holds anywhere, the claims the text makes from it.
Only an output that supports no claim (the device, a training time) says "no claim" instead.
"""

import ast
import builtins
import json
from pathlib import Path

import pytest

from tools.book import SETUP_ID

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [ROOT / "index.ipynb", *sorted((ROOT / "chapters").glob("*.ipynb"))]
IGNORING_TAGS = {"nbval-ignore-output", "nbval-skip"}
NO_CLAIM = "no claim"


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def python(cell):
    """A code cell's source without Quarto options and IPython magics, parsed."""
    code = "\n".join(l for l in source(cell).splitlines() if not l.lstrip().startswith(("%", "!")))
    return ast.parse(code)


def names(tree):
    """The variables a cell reads or writes, builtins such as print left out."""
    found = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    found |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    return found - set(dir(builtins))


def defined(tree):
    """The names a cell defines: assigned (also as loop or with targets), def, class, import."""
    found = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    found |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    found |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
              if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    return found


def ignored(cell):
    return bool(IGNORING_TAGS & set(cell.get("metadata", {}).get("tags", [])))


def problems(nb, name="notebook"):
    """What breaks the rule in one notebook (a list of messages; empty when it holds)."""
    found = []
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    position = {c.get("id"): i for i, c in enumerate(code)}
    for i, cell in enumerate(code):
        if not ignored(cell):
            continue
        meta = cell.get("metadata", {})
        where = f"{name}, cell {cell.get('id')} ({source(cell)[:60]!r})"
        reason = meta.get("nbval-ignore-reason", "")
        if not reason.strip() or "\n" in reason:
            found.append(f"{where}: give a one-line nbval-ignore-reason")
        check = meta.get("nbval-checked-by")
        if check is None:
            found.append(f"{where}: name the cell that asserts its claims in nbval-checked-by "
                         f"(or '{NO_CLAIM}' when the text concludes nothing from it)")
            continue
        if check == NO_CLAIM:
            continue
        if check not in position or position[check] <= i:
            found.append(f"{where}: nbval-checked-by {check!r} is not the id of a later code cell")
            continue
        checker = code[position[check]]
        if ignored(checker):
            found.append(f"{where}: its check {check!r} must itself be compared, not ignored")
        tree = python(checker)
        if not any(isinstance(n, ast.Assert) for n in ast.walk(tree)):
            found.append(f"{where}: its check {check!r} asserts nothing")
        if not names(tree) & defined(python(cell)):
            found.append(f"{where}: its check {check!r} uses nothing that this cell defines")
    # the set-up cell that every notebook starts with (it prints the device) does not count
    counted = [c for c in code if c.get("id") != SETUP_ID]
    if counted and sum(map(ignored, counted)) > len(counted) / 3:
        found.append(f"{name}: more than a third of the code cells are not compared; "
                     "print stable digits instead of ignoring whole chapters")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_uncompared_outputs_have_a_reason_and_an_asserted_claim(path):
    found = problems(json.loads(path.read_text()), path.name)
    assert not found, "\n".join(found)


def notebook(*cells):
    """A minimal notebook of (source, metadata) code cells, ids c0, c1, ..."""
    return {"cells": [{"cell_type": "code", "id": f"c{i}", "source": src, "metadata": meta}
                      for i, (src, meta) in enumerate(cells)]}


IGNORE = {"tags": ["nbval-ignore-output"], "nbval-ignore-reason": "float rounding"}


@pytest.mark.parametrize("cells, expected", [
    ([("psnr = 24.5", IGNORE)], "nbval-checked-by"),
    ([("psnr = 24.5", {**IGNORE, "nbval-checked-by": "c9"})], "not the id of a later"),
    ([("psnr = 24.5", {**IGNORE, "nbval-checked-by": "c1"}), ("print(psnr)", {})], "asserts nothing"),
    ([("psnr = 24.5", {**IGNORE, "nbval-checked-by": "c1"}), ("assert 1 < 2", {})], "uses nothing"),
    ([("print(psnr)", {**IGNORE, "nbval-checked-by": "c1"}), ("assert len([]) == 0", {})],
     "uses nothing"),
    # sharing a name is not enough: the check must use something the ignored cell defines
    ([("print(np.mean(psnr))", {**IGNORE, "nbval-checked-by": "c1"}), ("assert np.pi > 3", {})],
     "uses nothing that this cell defines"),
    ([("x = 1", {}), ("psnr = 24.5", {**IGNORE, "nbval-checked-by": "c0"})], "not the id of a later"),
    ([("psnr = 24.5", {**IGNORE, "nbval-checked-by": "c1"}), ("assert psnr > 20", IGNORE)],
     "must itself be compared"),
    ([("psnr = 24.5", {"tags": ["nbval-ignore-output"], "nbval-checked-by": "no claim"})],
     "one-line nbval-ignore-reason"),
])
def test_the_rule_catches_each_way_of_breaking_it(cells, expected):
    assert any(expected in p for p in problems(notebook(*cells)))


def test_the_rule_accepts_a_checked_cell_and_a_no_claim_cell():
    good = notebook(("for psnr in [24.5]: pass", {**IGNORE, "nbval-checked-by": "c2"}),
                    ("seconds = 3.2", {**IGNORE, "nbval-checked-by": NO_CLAIM}),
                    ("assert psnr > 20", {}), ("a = 1", {}), ("b = 2", {}), ("c = 3", {}))
    assert problems(good) == []
