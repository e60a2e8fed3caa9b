"""Where tensors live: the fastest device this machine has."""

import torch


def get_device(prefer: str | None = None) -> torch.device:
    """CUDA if present, then Apple MPS, then CPU; `prefer` forces one (every chapter)."""
    if prefer is not None:
        try:
            device = torch.device(prefer)
        except RuntimeError as err:
            raise ValueError(f"unknown device {prefer!r}: use 'cpu', 'cuda' or 'mps'") from err
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError("device 'cuda' was asked for but PyTorch sees no CUDA GPU; use 'cpu'")
        if device.type == "mps" and not _mps_available():
            raise ValueError("device 'mps' was asked for but this PyTorch has no Apple MPS; use 'cpu'")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())
