"""Checks of what a reader passes in, each failing with one clear message."""

import math
import os

import numpy as np


def whole_number(name, value, least=1):
    """`value` as an int if it is a whole number >= `least` (numpy integers too), else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"{name} must be a whole number >= {least}, got {value!r}")
    return int(value)


def positive_number(name, value):
    """`value` as a float if it is a finite number > 0, else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def show_progress(progress=None):
    """`progress` if given, else True unless the environment variable LESSONLIB_PROGRESS is 0."""
    if progress is not None:
        return bool(progress)
    return os.environ.get("LESSONLIB_PROGRESS", "1").strip() != "0"
