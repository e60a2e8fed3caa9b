import math

import pytest
import torch

from lessonlib.models import MLP, SIREN, FourierFeatureMLP, SineLayer, count_parameters


def test_original_mlp_has_the_reported_parameter_count():
    assert count_parameters(MLP(hidden_features=512, hidden_layers=4)) == 1_053_699


@pytest.mark.parametrize("width, layers", [(8, 0), (16, 2), (128, 3)])
def test_parameter_count_formula(width, layers):
    expected = (2 * width + width) + layers * (width * width + width) + (width * 3 + 3)
    assert count_parameters(MLP(hidden_features=width, hidden_layers=layers)) == expected
    assert count_parameters(SIREN(hidden_features=width, hidden_layers=layers)) == expected


def test_models_map_coordinates_to_rgb():
    x = torch.rand(10, 2) * 2 - 1
    for model in (MLP(hidden_features=16, hidden_layers=1), SIREN(hidden_features=16, hidden_layers=1)):
        assert model(x).shape == (10, 3)


def test_siren_initialisation_bounds():
    torch.manual_seed(0)
    n, omega = 256, 30.0
    model = SIREN(hidden_features=n, hidden_layers=2, omega_0=omega)
    first, hidden, final = model[0].linear.weight, model[1].linear.weight, model[-1].weight
    assert first.abs().max() <= 1 / 2 and first.abs().max() > 0.45  # U(-1/in, 1/in), in = 2
    bound = math.sqrt(6 / n) / omega
    for w in (hidden, final):
        assert w.abs().max() <= bound and w.abs().max() > 0.95 * bound
        assert abs(w.std().item() - bound / math.sqrt(3)) < 0.05 * bound  # uniform: std = bound / sqrt(3)


def test_sine_layer_multiplies_by_omega():
    layer = SineLayer(1, 1, omega_0=30.0)
    with torch.no_grad():
        layer.linear.weight.fill_(0.01)
        layer.linear.bias.zero_()
    assert layer(torch.tensor([[1.0]])).item() == pytest.approx(math.sin(0.3))


def test_siren_hidden_activations_stay_spread_out():
    # the point of the initialisation: pre-activations ~ N(0, 1)-ish in every layer, not vanishing
    torch.manual_seed(0)
    model = SIREN(hidden_features=256, hidden_layers=4)
    h = torch.rand(4096, 2) * 2 - 1
    for layer in list(model)[:-1]:
        h = layer(h)
        assert 0.5 < h.std().item() < 0.9


@pytest.mark.parametrize("kwargs", [{"hidden_features": 0}, {"hidden_layers": -1}, {"hidden_features": 2.5},
                                    {"omega_0": 0}])
def test_bad_sizes_are_clear_errors(kwargs):
    with pytest.raises(ValueError, match="must be"):
        SIREN(**kwargs)


def test_fourier_features_are_cos_and_sin_of_2pi_bv():
    torch.manual_seed(0)
    model = FourierFeatureMLP(num_frequencies=8, sigma=3.0, hidden_features=16, hidden_layers=1)
    v = torch.rand(5, 2) * 2 - 1
    angles = 2 * math.pi * v @ model.B.T
    assert torch.allclose(model.features(v), torch.cat([angles.cos(), angles.sin()], dim=1))
    assert model(v).shape == (5, 3)


def test_fourier_frequencies_are_fixed_gaussians_of_scale_sigma():
    torch.manual_seed(0)
    model = FourierFeatureMLP(num_frequencies=4096, sigma=10.0, hidden_features=8, hidden_layers=0)
    assert model.B.shape == (4096, 2) and not model.B.requires_grad
    assert abs(model.B.std().item() - 10.0) < 0.3 and abs(model.B.mean().item()) < 0.3
    assert "B" in model.state_dict()  # saved and moved with the model, never trained
    assert all(p is not model.B for p in model.parameters())


@pytest.mark.parametrize("m, width, layers", [(4, 8, 0), (64, 128, 2)])
def test_fourier_mlp_parameter_count(m, width, layers):
    expected = (2 * m * width + width) + layers * (width * width + width) + (width * 3 + 3)
    assert count_parameters(FourierFeatureMLP(num_frequencies=m, hidden_features=width,
                                              hidden_layers=layers)) == expected


@pytest.mark.parametrize("kwargs", [{"num_frequencies": 0}, {"sigma": 0}, {"sigma": float("nan")},
                                    {"hidden_layers": -1}])
def test_fourier_mlp_bad_settings_are_clear_errors(kwargs):
    with pytest.raises(ValueError, match="must be"):
        FourierFeatureMLP(**kwargs)
