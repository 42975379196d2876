"""A clean build of the package prints no packaging warnings and ships every SQL file."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_builds_without_warnings_and_ships_the_sql(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(tmp_path), str(ROOT)],
                       capture_output=True, text=True, timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    noisy = [ln.strip() for ln in out.splitlines()
             if "BuildBackendWarning" in ln or "DeprecationWarning" in ln or "would be ignored" in ln]
    assert noisy == [], "\n".join(noisy)
    wheel = next(tmp_path.glob("retroscope-*.whl"))
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".sql")}
    expected = {p.relative_to(ROOT).as_posix() for p in (ROOT / "queries").rglob("*.sql")}
    assert expected and shipped == expected
