"""lessonlib.data: the painting found locally, downloaded with a checksum, and clear errors otherwise."""

import hashlib
import http.server
import io
import socket
import threading
from pathlib import Path

import pytest
from PIL import Image

from lessonlib import data
from lessonlib.data import DataError, fetch

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    """Tests never depend on the caller's LESSONLIB_DATA_DIR (the Makefile exports one)."""
    monkeypatch.delenv("LESSONLIB_DATA_DIR", raising=False)


@pytest.fixture
def served(tmp_path):
    """A quiet HTTP server on 127.0.0.1 serving a folder that holds a small generated JPEG."""
    root = tmp_path / "served"
    root.mkdir()
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (180, 40, 20)).save(buffer, format="JPEG")
    (root / "tiny.jpg").write_bytes(buffer.getvalue())
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield {"root": root, "base": f"http://127.0.0.1:{server.server_address[1]}", "requests": requests}
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_the_registry_pins_the_painting():
    entry = data.REGISTRY["arnolfini.jpg"]
    assert entry["sha256"] == "79942f1a6cb056d4f32c54b599c45bded00df5a706a1f1b38d8456278f8449a2"
    assert entry["url"].startswith("https://") and "5eb63a8997e6940153e1857b884959da15ee200a" in entry["url"]
    # run from a clone of the book, the painting goes into the repository's data/ folder
    assert data.default_data_dir() == Path(__file__).resolve().parents[1] / "data"


def test_outside_a_clone_the_painting_goes_to_the_user_cache(monkeypatch, tmp_path):
    installed = tmp_path / "site-packages" / "lessonlib"
    installed.mkdir(parents=True)
    monkeypatch.setattr(data, "__file__", str(installed / "data.py"))
    (tmp_path / "site-packages" / "data").mkdir()  # a data/ folder that is not the book's
    import pooch
    assert data.default_data_dir() == Path(pooch.os_cache("lessonlib"))


def test_fetch_uses_the_shared_painting(monkeypatch, tmp_path):
    if not (SHARED / "arnolfini.jpg").is_file():
        pytest.skip(f"the shared painting is not at {SHARED / 'arnolfini.jpg'}")
    monkeypatch.setenv("LESSONLIB_DATA_DIR", str(SHARED))
    path = fetch(data_dir=tmp_path)
    assert path == SHARED / "arnolfini.jpg"
    assert path.stat().st_size == 110767
    assert not list(tmp_path.iterdir()), "nothing may be downloaded when the variable's folder has the file"


def test_a_wrong_file_in_the_variables_folder_is_rejected(monkeypatch, tmp_path):
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    (env_dir / "arnolfini.jpg").write_bytes(b"not the painting")
    monkeypatch.setenv("LESSONLIB_DATA_DIR", str(env_dir))
    with pytest.raises(DataError, match="checksum") as info:
        fetch(data_dir=tmp_path / "data")
    message = str(info.value)
    assert str(env_dir / "arnolfini.jpg") in message
    assert data.REGISTRY["arnolfini.jpg"]["sha256"] in message  # expected ...
    assert hashlib.sha256(b"not the painting").hexdigest() in message  # ... and actual
    assert "LESSONLIB_DATA_DIR" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_a_wrong_file_in_data_dir_is_rejected(tmp_path):
    (tmp_path / "arnolfini.jpg").write_bytes(b"truncated")
    with pytest.raises(DataError, match="checksum mismatch") as info:
        fetch(data_dir=tmp_path)
    assert str(tmp_path / "arnolfini.jpg") in str(info.value)
    assert "delete it" in str(info.value)


def test_download_from_a_local_server_then_reuse(served, tmp_path):
    served_file = served["root"] / "tiny.jpg"
    registry = {"tiny.jpg": {"url": f"{served['base']}/tiny.jpg", "sha256": sha256(served_file)}}
    target = tmp_path / "data"
    path = fetch("tiny.jpg", registry=registry, data_dir=target)
    assert path == target / "tiny.jpg"
    assert path.read_bytes() == served_file.read_bytes()
    assert served["requests"] == ["/tiny.jpg"]
    again = fetch("tiny.jpg", registry=registry, data_dir=target)
    assert again == path
    assert served["requests"] == ["/tiny.jpg"], "the second call must use the saved file, not download again"
    assert sorted(p.name for p in target.iterdir()) == ["tiny.jpg"], "no temporary files may be left behind"


def test_a_download_with_the_wrong_checksum_is_discarded(served, tmp_path):
    wrong = "0" * 64
    registry = {"tiny.jpg": {"url": f"{served['base']}/tiny.jpg", "sha256": wrong}}
    target = tmp_path / "data"
    with pytest.raises(DataError, match="checksum") as info:
        fetch("tiny.jpg", registry=registry, data_dir=target)
    message = str(info.value)
    assert wrong in message and sha256(served["root"] / "tiny.jpg") in message
    assert served["requests"] == ["/tiny.jpg"]
    assert not (target / "tiny.jpg").exists()
    assert not target.exists() or not list(target.iterdir()), "a rejected download must leave nothing behind"


def test_an_http_error_is_a_download_failure(served, tmp_path):
    registry = {"gone.jpg": {"url": f"{served['base']}/gone.jpg", "sha256": "0" * 64}}
    with pytest.raises(DataError, match="HTTP 404") as info:
        fetch("gone.jpg", registry=registry, data_dir=tmp_path)
    assert "LESSONLIB_DATA_DIR" in str(info.value)
    assert not (tmp_path / "gone.jpg").exists()


def test_offline_gives_a_clear_error(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/arnolfini.jpg"
    registry = {"arnolfini.jpg": {"url": url, "sha256": data.REGISTRY["arnolfini.jpg"]["sha256"]}}
    with pytest.raises(DataError) as info:
        fetch(registry=registry, data_dir=tmp_path)
    message = str(info.value)
    assert "arnolfini.jpg" in message
    assert url in message
    assert str(tmp_path / "arnolfini.jpg") in message  # where to put the file
    assert "LESSONLIB_DATA_DIR=" in message  # or which variable to set
    assert "\n" not in message and "Traceback" not in message and len(message) < 800
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert not (tmp_path / "arnolfini.jpg").exists()


def test_unknown_name_lists_the_known_files(tmp_path):
    with pytest.raises(DataError, match="arnolfini.jpg") as info:
        fetch("mona_lisa.jpg", data_dir=tmp_path)
    assert "mona_lisa.jpg" in str(info.value)
    assert not list(tmp_path.iterdir())


def test_the_variable_is_searched_before_data_dir(monkeypatch, served, tmp_path):
    """The folder named by LESSONLIB_DATA_DIR wins; data_dir is the fallback when the variable's folder lacks it."""
    content = (served["root"] / "tiny.jpg").read_bytes()
    registry = {"tiny.jpg": {"url": f"{served['base']}/tiny.jpg", "sha256": hashlib.sha256(content).hexdigest()}}
    env_dir, local = tmp_path / "env", tmp_path / "local"
    env_dir.mkdir()
    local.mkdir()
    (local / "tiny.jpg").write_bytes(content)
    monkeypatch.setenv("LESSONLIB_DATA_DIR", str(env_dir))
    assert fetch("tiny.jpg", registry=registry, data_dir=local) == local / "tiny.jpg"
    (env_dir / "tiny.jpg").write_bytes(content)
    assert fetch("tiny.jpg", registry=registry, data_dir=local) == env_dir / "tiny.jpg"
    monkeypatch.setenv("LESSONLIB_DATA_DIR", "")  # empty means unset
    assert fetch("tiny.jpg", registry=registry, data_dir=local) == local / "tiny.jpg"
    assert served["requests"] == []
