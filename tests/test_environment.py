"""environment.yml must offer conda users every dependency pyproject.toml declares."""

import re
import tomllib

import yaml

CONDA_NAMES = {"torch": "pytorch"}  # PyPI name -> conda-forge name where they differ


def name(requirement):
    return re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def test_environment_lists_every_pyproject_dependency(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = {name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {name(r) for r in extra}
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e .[book]" in pip
    # conda's packages, and those conda-forge lacks, named in the pip section
    listed = {name(d) for d in env["dependencies"] if isinstance(d, str)}
    listed |= {name(d) for d in pip if not d.startswith("-")}
    missing = {w for w in wanted if CONDA_NAMES.get(w, w) not in listed}
    assert not missing, f"add to environment.yml: {sorted(missing)}"


def test_torch_pin_stays_out_of_the_package_metadata(root):
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    torch = [d for d in deps if name(d) == "torch"]
    assert torch and "==" not in torch[0], "pin torch in the install step (Makefile TORCH_SPEC), not in the package"


def test_every_file_promises_the_same_python(root):
    # the tests use tomllib (3.11+), so 3.11 is the oldest Python the project can claim
    wanted = tomllib.loads((root / "pyproject.toml").read_text())["project"]["requires-python"]
    assert wanted == ">=3.11", wanted
    major, minor = wanted[2:].split(".")
    for page in ("README.md", "index.ipynb"):  # the README and the book's preface
        assert f"Python {major}.{minor} or newer" in (root / page).read_text(), page
    assert f"sys.version_info >= ({major}, {minor})" in (root / "Makefile").read_text()
    env = yaml.safe_load((root / "environment.yml").read_text())
    assert f"python>={major}.{minor}" in env["dependencies"]
