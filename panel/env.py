"""Strict readers for settings that come from the environment.

Every setting of the panel is read through these helpers so that a bad value stops start-up with
a message naming the variable, instead of surfacing later as a confusing runtime error.
Secrets also accept a ``NAME_FILE`` variant (Docker/Kubernetes secrets mounted as files).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

N = TypeVar("N", int, float)


def env_str(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    # README: `true` or `false`, nothing else (not 1/0, yes/no, on/off), in any case.
    lowered = value.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    return _env_number(name, default, int, "an integer", minimum, "d")


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    """A number of `name` (seconds, requests per second): finite, and at least `minimum`."""
    return _env_number(name, default, float, "a number", minimum, "g")


def _env_number(
    name: str,
    default: N,
    parse: Callable[[str], N],
    kind: str,
    minimum: N | None,
    shown_as: str,
) -> N:
    """`parse` of `name`'s value (`kind` names what it must be in the error), finite and at
    least `minimum`; numbers in errors are formatted with `shown_as`."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = parse(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {kind}, got {value!r}") from None
    if not math.isfinite(number):  # float("inf"), float("nan")
        raise ImproperlyConfigured(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(
            f"{name} must be at least {minimum:{shown_as}}, got {number:{shown_as}}"
        )
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_ports(name: str, default: list[int]) -> list[int]:
    """A comma-separated list of TCP ports (1-65535)."""
    ports = []
    for item in env_list(name, [str(port) for port in default]):
        if not item.isdigit() or not 1 <= int(item) <= 65535:
            raise ImproperlyConfigured(f"{name} must list TCP ports (1-65535), got {item!r}")
        ports.append(int(item))
    return ports


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    value = env_str(name, default)
    parts = urlsplit(value)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name} must be a URL starting with {allowed}, got {value!r}")
    return value


def env_secret(name: str) -> str | None:
    """Read ``NAME`` or the file named by ``NAME_FILE``; None when neither is set."""
    value = os.environ.get(name)
    file_name = os.environ.get(f"{name}_FILE")
    if value and file_name:
        raise ImproperlyConfigured(f"Set only one of {name} and {name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE: cannot read {file_name}: {exc.strerror}"
            ) from None
    return value or None


def local_secret(path: Path, make: Callable[[], str]) -> str:
    """Return the secret stored at ``path``, creating it with ``make()`` the first time.

    Used only for local defaults: the file lives in the git-ignored data folder, readable by
    its owner alone.
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = make()
    # Write a private temporary file, then link it into place: the link fails if another
    # process (web and worker start together) got there first, and nobody reads a half file.
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        secret = path.read_text().strip()
    finally:
        tmp.unlink()
    return secret


def private_folder(path: Path) -> None:
    """Make `path` (the data folder) if missing, readable by its owner alone (0700): it holds
    the SQLite database (password hashes, TOTP seeds) and generated secrets. A folder made
    looser before is tightened when it is ours; one that is not (a mounted volume) is left as
    its owner set it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)


def private_file(path: Path) -> None:
    """Create `path` empty and 0600 if missing (an empty file is a new SQLite database, which
    SQLite then keeps; its journal and WAL files take the database file's mode), or tighten
    it to 0600 if it is ours."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _tighten(path, 0o600)
    except OSError:
        return  # no such folder, say: SQLite's own error names the file when it is opened
    for suffix in ("-wal", "-shm", "-journal"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            _tighten(companion, 0o600)


def _tighten(path: Path, mode: int) -> None:
    try:
        info = path.stat()
        if info.st_uid == os.getuid() and info.st_mode & 0o777 & ~mode:
            path.chmod(mode)
    except OSError:
        pass  # not ours to change, or gone: the owner's choice stands
