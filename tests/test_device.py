import pytest
import torch

from lessonlib.device import get_device


def test_default_follows_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("lessonlib.device._mps_available", lambda: False)
    assert get_device() == torch.device("cpu")
    monkeypatch.setattr("lessonlib.device._mps_available", lambda: True)
    assert get_device() == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device() == torch.device("cuda")


def test_prefer_cpu_always_works():
    assert get_device("cpu") == torch.device("cpu")


def test_missing_or_unknown_device_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="no CUDA GPU"):
        get_device("cuda")
    with pytest.raises(ValueError, match="unknown device 'tpu-ish'"):
        get_device("tpu-ish")


def test_the_environment_variable_overrides_the_choice(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("LESSONLIB_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")
    monkeypatch.setenv("LESSONLIB_DEVICE", "cuda")
    with pytest.raises(ValueError, match="no CUDA GPU.*LESSONLIB_DEVICE"):
        get_device()
    assert get_device("cpu") == torch.device("cpu")  # an argument wins over the variable
