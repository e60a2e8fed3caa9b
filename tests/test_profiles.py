import pytest

from lessonlib.profiles import PROFILES, get_profile


def test_quick_is_the_default(monkeypatch):
    monkeypatch.delenv("LESSONLIB_PROFILE", raising=False)
    assert get_profile().name == "quick"


def test_environment_variable_selects_a_profile(monkeypatch):
    monkeypatch.setenv("LESSONLIB_PROFILE", "full")
    assert get_profile().name == "full"
    assert get_profile("quick").name == "quick"  # an explicit name wins


def test_unknown_profile_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv("LESSONLIB_PROFILE", "fast")
    with pytest.raises(ValueError, match="unknown profile 'fast'.*full, quick"):
        get_profile()


def test_full_reproduces_the_original_experiment():
    full = PROFILES["full"]
    assert (full.hidden_features, full.hidden_layers, full.lr, full.num_epochs) == (512, 4, 1e-4, 30_000)
    assert (full.mlp_patience, full.siren_patience, full.omega_0) == (500, 200, 30.0)
    assert full.image_size == (800, 585)


def test_overrides_and_description():
    p = get_profile("quick", num_epochs=10)
    assert p.num_epochs == 10 and PROFILES["quick"].num_epochs != 10
    assert "quick" in p.describe() and "10 epochs" in p.describe()
    with pytest.raises(ValueError, match="unknown profile settings"):
        get_profile("quick", epochs=3)
