"""The provider library and the simulator stand alone: no Django, no Celery (DESIGN, Layers)."""

import subprocess
import sys

import pytest

from panel.local_stack import BASE_DIR


@pytest.mark.parametrize("module", ["panel.vultr", "panel.simulator"])
def test_it_imports_without_django_or_celery(module):
    probe = (
        f"import sys, {module}; "
        "loaded = sorted({n.split('.')[0] for n in sys.modules} & {'django', 'celery'}); "
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "panel.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == ""
