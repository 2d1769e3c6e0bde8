"""Start-up is part of the interface: `import stpi.cli` (what `stpi --help` runs) stays light."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "scipy", "SALib", "matplotlib", "docx", "reportlab", "fastapi", "sqlalchemy", "openpyxl", "plotly")


def _loaded(code: str) -> list[str]:
    probe = f"import sys, json; {code}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    return [m for m in json.loads(out.stdout.splitlines()[-1]) if m in HEAVY]


def test_importing_the_command_imports_no_heavy_library() -> None:
    assert _loaded("import stpi.cli") == []


def test_the_help_imports_no_heavy_library() -> None:
    code = "from typer.testing import CliRunner; from stpi.cli import app; r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output"
    assert _loaded(code) == []


def test_the_python_api_is_still_there_on_first_use() -> None:
    import stpi

    assert callable(stpi.compute_index) and stpi.Framework.__name__ == "Framework"
    assert set(stpi.__all__) <= set(dir(stpi)) | set(stpi._HOME)
