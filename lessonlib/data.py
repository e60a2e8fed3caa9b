"""The painting the painting chapters paint: found locally or downloaded once, always checksum-verified.

Where it is looked for, in order: the folder named by $LESSONLIB_DATA_DIR; the repository's `data/`
folder when lessonlib runs from a clone of the book; the per-user cache of pooch
(`pooch.os_cache("lessonlib")`). A download goes to the first of these that applies.
"""

import os
import re
from pathlib import Path

import pooch

REGISTRY = {
    "arnolfini.jpg": {
        # commit-pinned, so the bytes (and the checksum) never change
        "url": "https://raw.githubusercontent.com/marekzska/artworks_serve/"
               "5eb63a8997e6940153e1857b884959da15ee200a/public/assets/images/Van_Eyck_-_Arnolfini_Portrait.jpg",
        "sha256": "79942f1a6cb056d4f32c54b599c45bded00df5a706a1f1b38d8456278f8449a2",
    },
}

ENV_VAR = "LESSONLIB_DATA_DIR"


def default_data_dir() -> Path:
    """The repository's `data/` folder when lessonlib runs from a clone of the book, else pooch's user cache."""
    root = Path(__file__).resolve().parents[1]
    if (root / "_quarto.yml").is_file() and (root / "data").is_dir():
        return root / "data"  # git ignores the images in it
    return Path(pooch.os_cache("lessonlib"))


class DataError(RuntimeError):
    """A data file is unknown, corrupted or cannot be downloaded."""


def fetch(name="arnolfini.jpg", *, registry=REGISTRY, data_dir=None, progress=False) -> Path:
    """Path to a verified local copy of `name`, downloading it on first use into `data_dir` (default above)."""
    if name not in registry:
        known = ", ".join(repr(k) for k in sorted(registry))
        raise DataError(f"unknown data file {name!r}; the known files are: {known}.") from None
    entry = registry[name]
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        candidate = Path(env).expanduser() / name
        if candidate.is_file():
            _check(candidate, entry["sha256"], f"it was found through {ENV_VAR}={env}; replace it with the "
                   f"right file, or unset {ENV_VAR} so that the book uses {default_data_dir()} instead.")
            return candidate
    if data_dir is not None:
        folder = Path(data_dir).expanduser()
    else:
        folder = Path(env).expanduser() if env else default_data_dir()

    candidate = folder / name
    if candidate.is_file():
        _check(candidate, entry["sha256"], "delete it and run again to download a fresh copy, or put the "
               f"right file there (or in a folder named by {ENV_VAR}).")
        return candidate

    return _download(name, entry, folder, progress)


def _check(path: Path, expected: str, advice: str) -> None:
    actual = pooch.file_hash(str(path), alg="sha256")
    if actual != expected.lower():
        raise DataError(f"checksum mismatch for {path}: expected SHA-256 {expected} but the file has "
                        f"{actual}, so it is not the file the book needs (corrupted, truncated or a "
                        f"different version); {advice}") from None


def _download(name: str, entry: dict, folder: Path, progress: bool) -> Path:
    # requests is pooch's own dependency and what it downloads with; imported here, as pooch does,
    # so that importing lessonlib stays quick
    import requests.exceptions

    url, expected = entry["url"], entry["sha256"]
    try:
        path = pooch.retrieve(url, known_hash=f"sha256:{expected}", fname=name, path=folder,
                              progressbar=progress)
    except requests.exceptions.RequestException as err:  # refused, DNS, timeout, HTTP 4xx/5xx
        raise DataError(
            f"could not download {name!r} from {url} ({_reason(err)}). If this machine is offline, "
            f"download the file elsewhere and copy it to {folder / name}, or put it in any folder and "
            f"set {ENV_VAR}=/folder/with/the/file; either way its SHA-256 must be {expected}."
        ) from None
    except ValueError as err:  # pooch: the downloaded bytes do not match the hash (it deletes them)
        message = str(err)
        if "does not match the known hash" not in message:
            raise DataError(f"could not download {name!r} from {url}: {message}") from None
        got = re.search(r"but got ([0-9a-fA-F]+)", message)
        actual = got.group(1) if got else "a different hash"
        raise DataError(
            f"checksum mismatch for {name!r} downloaded from {url}: expected SHA-256 {expected} but got "
            f"{actual}. The download was discarded (nothing was saved in {folder}); the file at that "
            f"address is not the one the book needs. Run again in case the download was damaged, or "
            f"copy the right file to {folder / name} (or set {ENV_VAR}=/folder/with/the/file)."
        ) from None
    except OSError as err:  # the folder cannot be created or written
        raise DataError(
            f"could not save {name!r} into {folder} ({err.strerror or err}); make that folder writable, "
            f"pass another data_dir, or put the file in a folder and set {ENV_VAR}=/folder/with/the/file."
        ) from None
    return Path(path)


def _reason(err: Exception) -> str:
    """A short, human cause for a requests failure (its own messages nest several repr()s deep)."""
    import requests.exceptions

    response = getattr(err, "response", None)
    if isinstance(err, requests.exceptions.HTTPError) and response is not None:
        return f"the server answered HTTP {response.status_code} {response.reason or ''}".rstrip()
    if isinstance(err, requests.exceptions.Timeout):
        return "the connection timed out"
    if isinstance(err, requests.exceptions.ConnectionError):
        text = str(err)
        if "Name or service not known" in text or "getaddrinfo" in text or "NameResolution" in text:
            return "the host name could not be resolved, so this machine looks offline"
        if "Connection refused" in text:
            return "the connection was refused"
        return "no connection could be made, so this machine looks offline"
    return type(err).__name__
