"""Code and docs point only at documents inside the repository: metric rules cite
docs/metrics.md by section, and nothing names a brief kept outside the project."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# spelled in pieces so this file does not match itself
OUTSIDE = [n + ".md" for n in ("METRICS", "PRODUCT", "JIRA-API", "STYLE")] + ["/work/" + "shared"]
TEXT = {".py", ".sql", ".md", ".toml", ".sh", ".txt", ".cfg", ".ini", ".json", ".csv", ""}


def _files() -> list[Path]:
    try:
        names = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.splitlines()
        paths = [ROOT / n for n in names]
    except (OSError, subprocess.CalledProcessError):     # not a git checkout
        paths = [p for p in ROOT.rglob("*") if not {".venv", ".git", "build"} & set(p.relative_to(ROOT).parts)]
    return [p for p in paths if p.is_file() and (p.suffix in TEXT or p.name == "Makefile")]


def test_nothing_cites_a_document_outside_the_repository():
    hits = []
    for p in _files():
        text = p.read_text(encoding="utf-8", errors="replace")
        for name in OUTSIDE:
            for m in re.finditer(re.escape(name), text):
                hits.append(f"{p.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}: {name}")
    assert not hits, "cite docs/ instead:\n" + "\n".join(hits)


def test_every_cited_metrics_section_exists():
    spec = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    sections = {int(n) for n in re.findall(r"^## (\d+)\. ", spec, flags=re.M)}
    assert sections == set(range(1, 9))
    cited = set()
    for p in _files():
        for group in re.findall(r"metrics\.md\)? ((?:§\d+(?:[–-]§?\d+)?(?:, )?)+)", p.read_text(errors="replace")):
            for a, b in re.findall(r"§?(\d+)(?:[–-]§?(\d+))?", group):
                cited.update(range(int(a), int(b or a) + 1))
    assert cited and cited <= sections, sorted(cited - sections)
