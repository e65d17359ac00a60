"""A virtual environment of its own for the v2 clients that cannot share the project's.

``.venv-clients/`` (git-ignored) is built once from ``clients/requirements.txt`` with
``python -m venv`` and pip, and rebuilt when that file changes; tests then run each client's
scenario script in it as a subprocess. CI has PyPI access; the first build takes ~15 s.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = Path(__file__).resolve().parent / "clients"
VENV = ROOT / ".venv-clients"
STAMP = VENV / ".installed-from"


def _build() -> Path:
    requirements = CLIENTS / "requirements.txt"
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    python = VENV / "bin" / "python"
    if python.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return python
    shutil.rmtree(VENV, ignore_errors=True)
    venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    done = subprocess.run([*pip, "-r", str(requirements)], capture_output=True, text=True)
    if done.returncode:
        pytest.fail(f"could not build {VENV}:\n{done.stdout}\n{done.stderr}")
    STAMP.write_text(wanted)
    return python


@pytest.fixture(scope="session")
def clients_python() -> Path:
    """The interpreter of .venv-clients, with vultr-python and vultr-python-client installed."""
    if sys.platform == "win32":  # pragma: no cover - the project runs on Linux
        pytest.skip("the clients venv is built for POSIX paths")
    return _build()
