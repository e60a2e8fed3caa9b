"""Images in and out: load any picture as RGB floats, turn it into a coordinate grid and back."""

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError


class ImageError(ValueError):
    """An image that cannot be used, with what to do about it."""


def load_image(source, size=None) -> np.ndarray:
    """Any image file (RGB, RGBA, grey, palette, 16-bit) as float32 RGB in [0, 1], shape (H, W, 3).

    `size` is (H, W) to resize to (Lanczos); transparent pixels are laid on white.
    """
    if isinstance(source, Image.Image):
        img = source
    else:
        path = Path(source)
        if not path.is_file():
            raise ImageError(f"no image at {path}: check the path, or use lessonlib.data.fetch() for the painting")
        try:
            img = Image.open(path)
            img.load()
        except (UnidentifiedImageError, OSError, SyntaxError) as err:
            raise ImageError(f"{path} is not an image Pillow can read ({err}); use a PNG, JPEG or similar file") from None
    img = _to_rgb(img)
    if size is not None:
        h, w = _check_size(size)
        img = img.resize((w, h), Image.LANCZOS)
    return np.asarray(img, dtype=np.float32) / 255.0


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):  # 16-bit/float grey: scale to 8 bits first
        a = np.asarray(img, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        a = np.zeros_like(a) if hi == lo else (a - lo) / (hi - lo)
        img = Image.fromarray((a * 255).round().astype(np.uint8), mode="L")
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return img.convert("RGB")


def _check_size(size):
    try:
        h, w = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ImageError(f"size must be (height, width) in pixels, got {size!r}") from None
    if h < 1 or w < 1:
        raise ImageError(f"size must be positive (height, width), got {size!r}")
    return h, w


def make_coords(height, width) -> torch.Tensor:
    """Pixel-centre coordinates in [-1, 1], row-major, y pointing up: shape (H*W, 2) as (x, y)."""
    h, w = _check_size((height, width))
    xs = (2 * torch.arange(w, dtype=torch.float32) + 1) / w - 1
    ys = 1 - (2 * torch.arange(h, dtype=torch.float32) + 1) / h  # row 0 is the top: y = +1 - 1/H
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([gx, gy], dim=-1).reshape(-1, 2)


def image_to_grid(image):
    """(coords, targets): one (x, y) row and one (r, g, b) row per pixel, row-major."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ImageError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")
    h, w, _ = image.shape
    return make_coords(h, w), torch.from_numpy(image.reshape(-1, 3).copy())


def grid_to_image(values, height, width) -> np.ndarray:
    """Predictions (H*W, 3) back to an (H, W, 3) float image clipped to [0, 1]."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    values = np.asarray(values, dtype=np.float32)
    if values.shape != (height * width, 3):
        raise ImageError(f"expected {height * width} rows of (r, g, b) for a {height}x{width} image, got {values.shape}")
    return np.clip(values.reshape(height, width, 3), 0.0, 1.0)


def to_uint8(image) -> np.ndarray:
    """A float image in [0, 1] as uint8."""
    return (np.clip(np.asarray(image, dtype=np.float32), 0, 1) * 255 + 0.5).astype(np.uint8)


def psnr(a, b=None) -> float:
    """Peak signal-to-noise ratio in dB for images in [0, 1]: psnr(mse) or psnr(image, reference)."""
    mse = float(a) if b is None else float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else -10.0 * np.log10(mse)


def gaussian_blur(image, sigma) -> np.ndarray:
    """Blur an (H, W, 3) image with a Gaussian of `sigma` pixels, edges reflected."""
    image = np.asarray(image, dtype=np.float64)
    if sigma <= 0:
        return image.copy()
    radius = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    k /= k.sum()
    out = np.pad(image, ((radius, radius), (radius, radius), (0, 0)), mode="reflect")
    out = np.apply_along_axis(lambda r: np.convolve(r, k, mode="valid"), 0, out)
    return np.apply_along_axis(lambda r: np.convolve(r, k, mode="valid"), 1, out)


def radial_spectrum(image, bins=32):
    """Radially averaged power spectrum of an image's brightness: (cycles per pixel, power)."""
    grey = np.asarray(image, dtype=np.float64).mean(axis=2)
    grey = grey - grey.mean()
    power = np.abs(np.fft.fftshift(np.fft.fft2(grey))) ** 2
    h, w = grey.shape
    fy = np.fft.fftshift(np.fft.fftfreq(h))[:, None]
    fx = np.fft.fftshift(np.fft.fftfreq(w))[None, :]
    radius = np.hypot(fx, fy)
    edges = np.linspace(0, 0.5, bins + 1)
    which = np.digitize(radius, edges) - 1
    inside = (which >= 0) & (which < bins)
    total = np.bincount(which[inside], weights=power[inside], minlength=bins)
    count = np.bincount(which[inside], minlength=bins)
    return (edges[:-1] + edges[1:]) / 2, total / np.maximum(count, 1)
