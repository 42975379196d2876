"""The README's commands work exactly as printed, after its two set-up commands, on the demo.

Every `retroscope …` line in the README's ```sh blocks runs, in README order, in one bash shell
whose PATH does not hold the virtualenv: only the README's own `source .venv/bin/activate` puts
`retroscope` there. The working directory mirrors a fresh clone after `make run`: `.venv`,
`data/examples/` and the demo in `data/demo.duckdb`. Some commands are left to their own tests:
`sync`, `init jira` and `doctor` need a Jira site or a metric source (tests/test_jira_cli.py,
tests/test_jira_init.py, tests/test_metric_sources_*.py) and `serve` runs until stopped
(tests/test_serve.py)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import queries

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
NOT_HERE = ("sync", "serve", "init", "doctor")   # covered by their own tests (module docstring)


def _sh_lines() -> list[str]:
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for ln in block.splitlines():
            ln = ln.strip()
            if ln.startswith(("source .venv/", "export RETROSCOPE_")):
                lines.append(ln)
            elif ln.startswith("retroscope ") and shlex.split(ln, comments=True)[1] not in NOT_HERE:
                lines.append(ln)
    return lines


def _command_key(words: list[str]) -> str:
    """`retroscope import metrics FILE [--x]` -> 'import metrics' (subcommands, no placeholders)."""
    key = []
    for w in words[1:]:
        if w.startswith(("-", "[")) or not re.fullmatch(r"[a-z][a-z-]*", w):
            break
        key.append(w)
    return " ".join(key[:2])


def _table_commands() -> set[str]:
    section = README.split("## Commands", 1)[1].split("\n## ", 1)[0]
    return {_command_key(m.split()) for m in re.findall(r"^\| `(retroscope [^`]*)`", section, flags=re.M)}


def test_every_commands_table_entry_has_a_runnable_example():
    run = {_command_key(shlex.split(ln, comments=True)) for ln in _sh_lines() if ln.startswith("retroscope ")}
    table = _table_commands()
    assert {"demo", "status", "query", "import metrics", "export tech-health"} <= table   # the parse works
    missing = {c for c in table if c.split()[0] not in NOT_HERE} - run
    assert not missing, f"README Commands table entries without a runnable example: {sorted(missing)}"


def test_readme_commands_run_as_printed_on_the_demo(demo_db, tmp_path):
    clone = tmp_path / "clone"
    (clone / "data").mkdir(parents=True)
    shutil.copytree(ROOT / "data" / "examples", clone / "data" / "examples")
    shutil.copyfile(demo_db, clone / "data" / "demo.duckdb")          # what `make run` built
    shutil.copyfile(queries.userdata_path_for(demo_db), clone / "data" / "demo.userdata.duckdb")
    venv = Path(sys.executable).parent.parent
    assert (venv / "bin" / "activate").exists(), f"tests must run from the project's virtualenv, not {venv}"
    (clone / ".venv").symlink_to(venv)
    lines = _sh_lines()
    assert lines[0] == "source .venv/bin/activate", "the first command must put `retroscope` on PATH"
    script = ["cd " + shlex.quote(str(clone))]
    for ln in lines:
        script += [f"echo {shlex.quote('### ' + ln)} >&2", ln,
                   f"rc=$?; if [ $rc -ne 0 ]; then echo {shlex.quote('FAILED: ' + ln)} rc=$rc >&2; exit 1; fi"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RETROSCOPE_", "VIRTUAL_ENV", "JIRA_"))}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"     # no virtualenv on PATH: the README's activate must do it
    r = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-4000:]
    assert "Traceback" not in r.stderr, r.stderr[-4000:]
    assert (clone / "tech-health.pptx").stat().st_size > 10_000
    assert (clone / "backup.json").exists()
    assert not (clone / "data" / "retroscope.duckdb").exists(), "a README example wrote outside the demo"
