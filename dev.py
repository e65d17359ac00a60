#!/usr/bin/env python3
"""The two commands of the README, for a fresh clone with nothing but Python 3.11+.

    python3 dev.py run     create .venv, install, migrate, start everything, print the URL
    python3 dev.py test    create .venv, install, run the whole test suite (extra args go to pytest)

Standard library only: it runs before the virtual environment exists.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".installed-from"


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (runs under any python3 before the venv)
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv …", flush=True)
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except subprocess.CalledProcessError:
            sys.exit(
                "Could not create a virtual environment with pip. On Debian/Ubuntu install "
                "the python3-venv package, then run this again."
            )
    print("Installing the panel and its dependencies …", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def main() -> None:
    command, *rest = sys.argv[1:] or ["help"]
    if command not in {"run", "test"}:
        sys.exit(__doc__)
    ensure_environment()
    os.chdir(ROOT)
    if command == "run":
        argv = [str(PYTHON), "manage.py", "run_local", *rest]
    else:
        argv = [str(PYTHON), "-m", "pytest", *rest]
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
