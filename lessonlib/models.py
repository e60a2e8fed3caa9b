"""The painters: a ReLU MLP, a SIREN and a Fourier-feature MLP, each mapping a pixel's (x, y) to its RGB colour."""

import math

import torch
from torch import nn

from .checks import positive_number, whole_number


def _check_sizes(in_features, hidden_features, hidden_layers, out_features):
    """The four sizes as ints, each a whole number (hidden_layers may be 0)."""
    return (whole_number("in_features", in_features), whole_number("hidden_features", hidden_features),
            whole_number("hidden_layers", hidden_layers, least=0), whole_number("out_features", out_features))


class MLP(nn.Sequential):
    """Linear + ReLU layers: input layer, `hidden_layers` hidden layers, linear output."""

    def __init__(self, in_features=2, hidden_features=512, hidden_layers=4, out_features=3):
        in_features, hidden_features, hidden_layers, out_features = _check_sizes(
            in_features, hidden_features, hidden_layers, out_features)
        layers = [nn.Linear(in_features, hidden_features), nn.ReLU()]
        for _ in range(hidden_layers):
            layers += [nn.Linear(hidden_features, hidden_features), nn.ReLU()]
        layers.append(nn.Linear(hidden_features, out_features))
        super().__init__(*layers)


class SineLayer(nn.Module):
    """sin(omega_0 * (W x + b)) with Sitzmann et al.'s initialisation."""

    def __init__(self, in_features, out_features, is_first=False, omega_0=30.0):
        super().__init__()
        self.omega_0, self.is_first = float(omega_0), is_first
        self.linear = nn.Linear(in_features, out_features)
        with torch.no_grad():
            # first layer: W ~ U(-1/n, 1/n); later layers: W ~ U(-sqrt(6/n)/omega_0, sqrt(6/n)/omega_0)
            bound = 1 / in_features if is_first else math.sqrt(6 / in_features) / self.omega_0
            self.linear.weight.uniform_(-bound, bound)

    def forward(self, x):
        return torch.sin(self.omega_0 * self.linear(x))


class SIREN(nn.Sequential):
    """Sine layers (first + `hidden_layers`) and a linear output initialised as in the paper."""

    def __init__(self, in_features=2, hidden_features=512, hidden_layers=4, out_features=3, omega_0=30.0):
        in_features, hidden_features, hidden_layers, out_features = _check_sizes(
            in_features, hidden_features, hidden_layers, out_features)
        omega_0 = positive_number("omega_0", omega_0)
        layers = [SineLayer(in_features, hidden_features, is_first=True, omega_0=omega_0)]
        layers += [SineLayer(hidden_features, hidden_features, omega_0=omega_0) for _ in range(hidden_layers)]
        final = nn.Linear(hidden_features, out_features)
        with torch.no_grad():
            bound = math.sqrt(6 / hidden_features) / omega_0
            final.weight.uniform_(-bound, bound)
        layers.append(final)
        super().__init__(*layers)
        self.omega_0 = float(omega_0)


class FourierFeatureMLP(nn.Module):
    """A ReLU MLP on random Fourier features [cos 2πBv, sin 2πBv], B ~ N(0, sigma²) fixed (Tancik et al. 2020)."""

    def __init__(self, in_features=2, num_frequencies=64, sigma=10.0, hidden_features=512, hidden_layers=4,
                 out_features=3):
        super().__init__()
        in_features, hidden_features, hidden_layers, out_features = _check_sizes(
            in_features, hidden_features, hidden_layers, out_features)
        num_frequencies = whole_number("num_frequencies", num_frequencies)
        self.sigma = positive_number("sigma", sigma)
        # a buffer, not a parameter: the frequencies are drawn once and never trained
        self.register_buffer("B", torch.randn(num_frequencies, in_features) * self.sigma)
        self.mlp = MLP(2 * num_frequencies, hidden_features, hidden_layers, out_features)

    def features(self, v):
        """gamma(v) = [cos 2πBv, sin 2πBv]: (N, in_features) -> (N, 2 * num_frequencies)."""
        angles = 2 * math.pi * v @ self.B.T
        return torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)

    def forward(self, v):
        return self.mlp(self.features(v))


def count_parameters(model) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
