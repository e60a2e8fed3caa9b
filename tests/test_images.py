import numpy as np
import pytest
import torch
from PIL import Image

from lessonlib.images import (ImageError, gaussian_blur, grid_to_image, image_to_grid, load_image, make_coords, psnr,
                              to_uint8)


def test_coords_are_pixel_centres_row_major_with_y_up():
    c = make_coords(2, 4)
    assert c.shape == (8, 2)
    np.testing.assert_allclose(c[:4, 0], [-0.75, -0.25, 0.25, 0.75])  # x runs along a row
    np.testing.assert_allclose(c[:4, 1], [0.5] * 4)  # row 0 is the top: y > 0
    np.testing.assert_allclose(c[4:, 1], [-0.5] * 4)
    assert float(c.abs().max()) < 1


def test_grid_round_trip_and_pixel_order():
    rng = np.random.default_rng(0)
    image = rng.random((5, 7, 3), dtype=np.float32)
    coords, targets = image_to_grid(image)
    assert coords.shape == (35, 2) and targets.shape == (35, 3)
    np.testing.assert_array_equal(targets[7 * 2 + 3].numpy(), image[2, 3])  # row 2, column 3
    np.testing.assert_allclose(coords[7 * 2 + 3].numpy(), [(2 * 3 + 1) / 7 - 1, 1 - (2 * 2 + 1) / 5], rtol=1e-6)
    np.testing.assert_array_equal(grid_to_image(targets, 5, 7), image)


def test_grid_to_image_clips_and_checks_shape():
    out = grid_to_image(torch.tensor([[-0.5, 0.5, 2.0]] * 6), 2, 3)
    np.testing.assert_array_equal(out[0, 0], [0.0, 0.5, 1.0])
    with pytest.raises(ImageError, match="expected 6 rows"):
        grid_to_image(torch.zeros(5, 3), 2, 3)


def save(tmp_path, img, name):
    path = tmp_path / name
    img.save(path)
    return path


@pytest.mark.parametrize("mode, name", [("RGB", "a.png"), ("RGB", "a.jpg"), ("L", "g.png"), ("P", "p.png"),
                                        ("RGBA", "t.png"), ("I;16", "deep.png"), ("CMYK", "c.jpg")])
def test_any_mode_becomes_rgb_floats(tmp_path, mode, name):
    img = Image.new("RGB", (9, 6), (200, 100, 50)).convert(mode) if mode not in ("I;16",) else \
        Image.fromarray(np.arange(54, dtype=np.uint16).reshape(6, 9) * 1000)
    out = load_image(save(tmp_path, img, name))
    assert out.shape == (6, 9, 3) and out.dtype == np.float32
    assert 0 <= out.min() and out.max() <= 1


def test_transparent_pixels_are_laid_on_white(tmp_path):
    img = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    out = load_image(save(tmp_path, img, "clear.png"))
    np.testing.assert_allclose(out, 1.0)


def test_resize_to_height_width(tmp_path):
    out = load_image(save(tmp_path, Image.new("RGB", (64, 48), "blue"), "b.png"), size=(12, 20))
    assert out.shape == (12, 20, 3)
    np.testing.assert_allclose(out[..., 2], 1.0, atol=1e-6)


def test_missing_and_broken_files_are_clear_errors(tmp_path):
    with pytest.raises(ImageError, match="no image at"):
        load_image(tmp_path / "nope.png")
    bad = tmp_path / "notes.png"
    bad.write_text("this is not a picture")
    with pytest.raises(ImageError, match="not an image Pillow can read"):
        load_image(bad)
    truncated = tmp_path / "cut.jpg"
    Image.new("RGB", (64, 64), "red").save(tmp_path / "full.jpg")
    truncated.write_bytes((tmp_path / "full.jpg").read_bytes()[:200])
    with pytest.raises(ImageError):
        load_image(truncated)
    with pytest.raises(ImageError, match="size must be"):
        load_image(tmp_path / "full.jpg", size=(0, 5))


def test_psnr_values():
    assert psnr(1e-4) == pytest.approx(40.0)
    assert psnr(np.zeros((2, 2, 3)), np.full((2, 2, 3), 0.1)) == pytest.approx(20.0)
    assert psnr(0.0) == float("inf")


def test_to_uint8_rounds_and_clips():
    np.testing.assert_array_equal(to_uint8(np.array([-1.0, 0.0, 0.5, 1.0, 3.0])), [0, 0, 128, 255, 255])


def test_gaussian_blur_keeps_flat_images_and_smooths_edges():
    flat = np.full((10, 12, 3), 0.3)
    np.testing.assert_allclose(gaussian_blur(flat, 2.0), flat)
    step = np.zeros((10, 20, 3))
    step[:, 10:] = 1
    blurred = gaussian_blur(step, 2.0)
    assert blurred.shape == step.shape
    assert 0.3 < blurred[5, 10, 0] < 0.7 and blurred[5, 0, 0] < 0.01
    np.testing.assert_array_equal(gaussian_blur(step, 0), step)


def test_radial_spectrum_finds_the_frequency_of_stripes():
    from lessonlib.images import radial_spectrum
    x = np.arange(64)
    stripes = np.repeat((0.5 + 0.5 * np.sin(2 * np.pi * 0.25 * x))[None, :, None], 64, axis=0).repeat(3, axis=2)
    freqs, power = radial_spectrum(stripes, bins=16)
    assert abs(freqs[np.argmax(power)] - 0.25) <= 1 / 32
    assert power.min() >= 0
