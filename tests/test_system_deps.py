"""scripts/system-deps.sh installs each missing package on its own, one line each, so one name
the system lacks never skips the others; `apt-get update` runs once. Run against stub
`apt-get`/`id` commands on a PATH that has none of the real tools."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# PostgreSQL is found by its files, not on PATH: asked for only where this machine lacks it
PG_MISSING = not glob.glob("/usr/lib/postgresql/*/bin/initdb")
STUB_APT = """#!/bin/sh
echo "$*" >> "$APT_LOG"
case "$*" in
  *install*" chromium") echo "E: Package 'chromium' has no installation candidate" >&2; exit 100 ;;
  *install*" chromium-browser") echo "E: Unable to locate package chromium-browser" >&2; exit 100 ;;
esac
exit 0
"""


def _run(tmp_path: Path, uid: str) -> tuple[str, list[str]]:
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("grep", "mktemp", "rm", "tail", "cat"):
        os.symlink(shutil.which(tool), bin_ / tool)
    (bin_ / "apt-get").write_text(STUB_APT)
    (bin_ / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    for f in ("apt-get", "id"):
        (bin_ / f).chmod(0o755)
    log = tmp_path / "apt.log"
    log.touch()
    env = {"PATH": str(bin_), "APT_LOG": str(log), "HOME": str(tmp_path)}
    r = subprocess.run([shutil.which("bash"), str(ROOT / "scripts" / "system-deps.sh")], capture_output=True,
                       text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout, log.read_text().splitlines()


def test_each_package_on_its_own_line_and_one_failure_skips_nothing(tmp_path):
    out, apt = _run(tmp_path, "0")
    assert apt.count("update -qq") == 1
    installs = [a.split()[-1] for a in apt if "install" in a]
    assert installs == ["chromium", "chromium-browser", "libreoffice-impress", "poppler-utils", "fonts-dejavu-core"] \
        + (["postgresql"] if PG_MISSING else [])
    lines = out.strip().splitlines()
    assert lines[0] == "system-deps: apt-get update: ok"
    assert lines[1].startswith("system-deps: Chromium (browser tests): could not install chromium chromium-browser")
    assert "Unable to locate package chromium-browser" in lines[1]
    assert lines[2:] == ["system-deps: LibreOffice Impress (slide PNG): installed libreoffice-impress",
                         "system-deps: poppler (slide PNG): installed poppler-utils",
                         "system-deps: DejaVu fonts (slide icons): installed fonts-dejavu-core"] \
        + (["system-deps: PostgreSQL (metric-source tests): installed postgresql"] if PG_MISSING else [])


def test_without_root_it_only_says_what_is_missing(tmp_path):
    out, apt = _run(tmp_path, "1000")
    assert apt == []
    lines = out.strip().splitlines()
    assert len(lines) == 4 + PG_MISSING and all("not root with apt-get" in ln for ln in lines)
