import os

import numpy as np
import pytest

from lessonlib.animate import animate_paths, frame_schedule, plot_path
from lessonlib.optim import Optimiser
from lessonlib.trajectory import run_trajectory
from lessonlib.video import VideoWriter, probe_mp4, write_mp4


def test_mp4_is_browser_playable_and_cropped_to_even_size(tmp_path):
    frames = [np.full((51, 77, 3), 10 * i, dtype=np.uint8) for i in range(12)]
    path = write_mp4(frames, tmp_path / "clip.mp4", fps=12)
    info = probe_mp4(path)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p"
    assert (info["width"], info["height"]) == (76, 50)
    assert info["frames"] == 12
    assert info["faststart"]


def test_frames_of_different_sizes_are_rejected(tmp_path):
    frames = [np.zeros((20, 20, 3), np.uint8), np.zeros((30, 20, 3), np.uint8)]
    with pytest.raises(ValueError, match="differs from the first frame"):
        write_mp4(frames, tmp_path / "bad.mp4")


def test_no_frames_and_bad_frames_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        write_mp4([], tmp_path / "empty.mp4")
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        write_mp4([np.zeros((4, 4))], tmp_path / "grey.mp4")


def test_probe_of_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no video"):
        probe_mp4(tmp_path / "nothing.mp4")


def test_frame_schedule_is_dense_early_and_covers_the_whole_path():
    idx = frame_schedule(6001, 240, power=2.5)
    assert idx[0] == 0 and idx[-1] == 6000
    assert np.all(np.diff(idx) > 0)
    gaps = np.diff(idx)
    assert gaps[:5].max() == 1 and gaps[-10:].min() > 50  # one position per frame at first, big jumps at the end
    assert len(frame_schedule(5, 240)) == 5  # short paths: every position once
    with pytest.raises(ValueError):
        frame_schedule(0, 10)


@pytest.fixture(scope="module")
def short_path():
    return run_trajectory(Optimiser("Adam", lr=0.01), max_iter=300)


def test_animation_writes_the_expected_frames(tmp_path, short_path):
    out = animate_paths(short_path, tmp_path / "media" / "anim.mp4", n_frames=40, fps=20, hold_seconds=0.5, dpi=50)
    info = probe_mp4(out["path"])
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p" and info["faststart"]
    assert info["width"] % 2 == 0 and info["height"] % 2 == 0
    assert out["frames"] == len(out["indices"]) + 10
    assert info["frames"] == out["frames"]
    assert out["indices"][-1] == short_path.iterations


def test_animation_frames_show_the_path_growing(tmp_path, short_path):
    import imageio_ffmpeg
    out = animate_paths(short_path, tmp_path / "anim.mp4", n_frames=30, fps=10, hold_seconds=0, dpi=50, surface=False)
    reader = imageio_ffmpeg.read_frames(str(out["path"]))
    meta = next(reader)
    w, h = meta["size"]
    frames = [np.frombuffer(f, np.uint8).reshape(h, w, 3).astype(int) for f in reader]
    # reddish pixels, the anti-aliased edges of the thin path included
    red = [np.sum((f[..., 0] - f[..., 1] > 60) & (f[..., 0] - f[..., 2] > 60)) for f in frames]
    assert red[-1] > red[0] + 5  # more of the (red) path is drawn at the end than at the start


def test_static_path_figure_has_both_views(short_path):
    fig = plot_path(short_path, labels=["Adam"])
    assert len(fig.axes) == 2 and fig.axes[0].name == "3d"
    line = fig.axes[1].get_lines()[-2]
    np.testing.assert_allclose(line.get_xdata(), short_path.x)


def test_hold_repeats_the_last_frame(tmp_path):
    from lessonlib.video import VideoWriter
    with VideoWriter(tmp_path / "held.mp4", fps=10) as writer:
        with pytest.raises(ValueError, match="no frame to hold"):
            writer.hold(1.0)
        writer.write(np.zeros((20, 20, 3), np.uint8))
        writer.write(np.full((20, 20, 3), 200, np.uint8))
        writer.hold(0.5)
        path = writer.close()
    assert writer.frames == 2 + 5
    assert probe_mp4(path)["frames"] == 7


def test_legend_beside_the_map_and_paths_in_the_shared_colours(short_path):
    from matplotlib.colors import same_color

    from lessonlib.animate import PATH_COLORS, rosenbrock_scene

    fig, artists = rosenbrock_scene([short_path, short_path], labels=["a", "b"], surface=False)
    fig.canvas.draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    assert ax.get_legend().get_window_extent(renderer).x0 >= ax.get_window_extent(renderer).x1
    assert [same_color(a["path"].get_color(), c) for a, c in zip(artists, PATH_COLORS)] == [True, True]


def test_a_folder_that_cannot_be_written_is_a_clear_error(tmp_path):
    from lessonlib.video import VideoError

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions
            pytest.skip("this user can write to any folder")
        with pytest.raises(VideoError, match="cannot write the video .*locked.*folder you can write to"):
            write_mp4([np.zeros((4, 4, 3), np.uint8)], locked / "media" / "film.mp4")
    finally:
        locked.chmod(0o700)


def test_a_path_under_a_file_is_a_clear_error(tmp_path):
    from lessonlib.video import VideoError

    (tmp_path / "media").write_text("a file where the folder should be")
    with pytest.raises(VideoError, match="cannot write the video"):
        write_mp4([np.zeros((4, 4, 3), np.uint8)], tmp_path / "media" / "film.mp4")


def test_an_interrupted_film_leaves_the_old_file_and_no_scratch(tmp_path):
    path = tmp_path / "film.mp4"
    write_mp4([np.zeros((8, 8, 3), np.uint8)] * 3, path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="interrupted"):
        with VideoWriter(path, fps=5) as writer:
            writer.write(np.full((8, 8, 3), 255, np.uint8))
            raise RuntimeError("interrupted")
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4"]
