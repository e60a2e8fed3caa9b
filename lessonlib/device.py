"""Where tensors live: the fastest device this machine has, or the one the reader names."""

import os
import time

import torch

ENV_VAR = "LESSONLIB_DEVICE"


def get_device(prefer=None) -> torch.device:
    """`prefer`, else $LESSONLIB_DEVICE, else CUDA if present, then Apple MPS, then the CPU."""
    if isinstance(prefer, torch.device):
        prefer = str(prefer)
    prefer = prefer or os.environ.get(ENV_VAR, "").strip() or None
    if prefer is not None:
        try:
            device = torch.device(prefer)
        except RuntimeError:
            raise ValueError(f"unknown device {prefer!r} (from the argument or ${ENV_VAR}): "
                             "use 'cpu', 'cuda' or 'mps'") from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {prefer!r} was asked for but PyTorch sees no CUDA GPU; "
                             f"use 'cpu' or unset ${ENV_VAR}")
        if device.type == "mps" and not _mps_available():
            raise ValueError(f"device {prefer!r} was asked for but this PyTorch has no Apple MPS; "
                             f"use 'cpu' or unset ${ENV_VAR}")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def clock(device) -> float:
    """Seconds from a monotonic clock, read after the device has finished its queued work."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
    return time.perf_counter()


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())
