"""lessonlib: the code behind the chapters of the optimisation book."""

__version__ = "0.2.0"  # as in pyproject.toml; the notebooks' set-up cells install this release
