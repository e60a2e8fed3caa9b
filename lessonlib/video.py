"""Browser-playable MP4s (H.264, yuv420p, even size, faststart) with imageio-ffmpeg's bundled ffmpeg."""

import os
import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled with imageio-ffmpeg."""
    return imageio_ffmpeg.get_ffmpeg_exe()


class VideoError(OSError):
    """A video that cannot be written where it was asked for, with what to do about it."""


class VideoWriter:
    """Stream RGB frames (H, W, 3 uint8) into a browser-playable MP4.

    The frames go to a scratch file beside `path`, which replaces `path` only when `close()`
    finishes it: an interrupted film never leaves a half-written file under the real name.
    """

    def __init__(self, path, fps=30, crf=23):
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not os.access(self.path.parent, os.W_OK):
                raise PermissionError(13, "Permission denied")
        except OSError as err:
            raise VideoError(f"cannot write the video {self.path}: {err.strerror or err}. Run the "
                             "notebook from a folder you can write to (a chapter writes its films into "
                             "media/ next to itself), or give another path.") from None
        self._scratch = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        self.fps, self.crf = fps, crf
        self.frames = 0
        self._gen = None
        self._size = None
        self._last = None

    def write(self, frame) -> None:
        """Append one frame; every frame must have the size of the first."""
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] not in (3, 4):
            raise ValueError(f"a frame must be an (H, W, 3) RGB array, got shape {frame.shape}")
        frame = frame[: frame.shape[0] // 2 * 2, : frame.shape[1] // 2 * 2, :3]  # H.264 needs even sizes
        if frame.dtype != np.uint8:
            frame = np.clip(np.asarray(frame, dtype=float) * (255 if frame.dtype.kind == "f" else 1), 0, 255).astype(np.uint8)
        h, w = frame.shape[:2]
        if self._gen is None:
            self._size = (w, h)
            self._gen = imageio_ffmpeg.write_frames(
                str(self._scratch), (w, h), fps=self.fps, codec="libx264", pix_fmt_in="rgb24",
                pix_fmt_out="yuv420p", quality=None, macro_block_size=2, ffmpeg_log_level="error",
                output_params=["-crf", str(self.crf), "-preset", "medium", "-movflags", "+faststart"])
            self._gen.send(None)
        elif (w, h) != self._size:
            raise ValueError(f"frame size {w}x{h} differs from the first frame's {self._size[0]}x{self._size[1]}")
        self._last = np.ascontiguousarray(frame)
        self._gen.send(self._last)
        self.frames += 1

    def hold(self, seconds) -> None:
        """Repeat the last frame for `seconds`, so a film rests on its final picture."""
        if self._last is None:
            raise ValueError("no frame to hold: write one first")
        for _ in range(int(round(seconds * self.fps))):
            self.write(self._last)

    def close(self) -> Path:
        """Finish the file and return its path."""
        if self._gen is None:
            raise ValueError(f"no frames were written to {self.path}")
        self._gen.close()
        self._gen = None
        os.replace(self._scratch, self.path)
        return self.path

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self._gen is not None:  # not closed: an error or an interruption; keep no partial film
            self._gen.close()
            self._gen = None
            self._scratch.unlink(missing_ok=True)


def write_mp4(frames, path, fps=30, crf=23) -> Path:
    """Write an iterable of RGB frames to a browser-playable MP4."""
    with VideoWriter(path, fps=fps, crf=crf) as writer:
        for frame in frames:
            writer.write(frame)
        return writer.close()


def probe_mp4(path) -> dict:
    """Codec, pixel format, size, frame count, duration and faststart flag of a video (tests, benchmarks)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no video at {path}")
    info = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    m = re.search(r"Video: (\w+).*?, (\w+)(?:\([^)]*\))?, (\d+)x(\d+)", info)
    if not m:
        raise ValueError(f"{path} has no video stream ffmpeg can read")
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    head = path.read_bytes()
    return {"codec": m.group(1), "pix_fmt": m.group(2), "width": int(m.group(3)), "height": int(m.group(4)),
            "frames": frames, "seconds": seconds, "faststart": 0 <= head.find(b"moov") < head.find(b"mdat")}
