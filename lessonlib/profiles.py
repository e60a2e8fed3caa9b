"""Named sets of sizes: `quick` for a laptop CPU (the committed notebooks), `full` for the original GPU run."""

import os
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Profile:
    """Sizes and settings of one painting run."""

    name: str
    image_size: tuple  # (H, W) of the training image
    hidden_features: int
    hidden_layers: int
    lr: float
    num_epochs: int
    mlp_patience: int
    siren_patience: int
    omega_0: float
    video_frames: int  # snapshots kept for the film
    render_scale: int  # the SIREN chapter renders the trained SIREN this many times larger

    def describe(self) -> str:
        """One line naming the profile and its sizes ."""
        h, w = self.image_size
        return (f"profile {self.name!r}: image {h}x{w} (HxW), {self.hidden_layers} hidden layers of "
                f"{self.hidden_features}, Adam lr {self.lr:g}, up to {self.num_epochs} epochs, "
                f"patience {self.mlp_patience} (MLP) / {self.siren_patience} (SIREN), omega_0 {self.omega_0:g}")


PROFILES = {
    # sized so each painting chapter executes in a few minutes on a 2-core CPU
    "quick": Profile("quick", image_size=(175, 128), hidden_features=128, hidden_layers=3, lr=1e-3,
                     num_epochs=300, mlp_patience=100, siren_patience=50, omega_0=30.0,
                     video_frames=120, render_scale=4),
    # the original experiment: 800x585 px, 4 hidden layers of 512, lr 1e-4, 30,000 epochs (for a GPU)
    "full": Profile("full", image_size=(800, 585), hidden_features=512, hidden_layers=4, lr=1e-4,
                    num_epochs=30_000, mlp_patience=500, siren_patience=200, omega_0=30.0,
                    video_frames=300, render_scale=2),
}


def get_profile(name=None, **overrides) -> Profile:
    """The profile `name`, else $LESSONLIB_PROFILE, else 'quick'; keyword overrides replace fields."""
    name = name or os.environ.get("LESSONLIB_PROFILE") or "quick"
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r} (from LESSONLIB_PROFILE or the argument); "
                         f"valid profiles: {', '.join(sorted(PROFILES))}")
    profile = PROFILES[name]
    unknown = set(overrides) - set(profile.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown profile settings {sorted(unknown)}; valid: {', '.join(profile.__dataclass_fields__)}")
    return replace(profile, **overrides) if overrides else profile
