"""lessonlib: the code behind the chapters of the optimisation book."""

__version__ = "0.1.0"
