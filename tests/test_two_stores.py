"""A command that writes both stores (the warehouse and its retro records) and stops between
them: `status` and `doctor` say so and what to run again (connectors/two_stores.py); a command
that fails before the warehouse is replaced leaves nothing to report."""

from __future__ import annotations

import os
import subprocess

import pytest
from helpers_serve import private_demo

import queries
from connectors import demo, load, migrate, two_stores
from dashboard.cli import main
from queries.errors import RetroscopeError


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for k in ("JIRA_URL", "RETROSCOPE_CONFIG", "RETROSCOPE_DB", "RETROSCOPE_USERDATA"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.chdir(tmp_path)


def _status_and_doctor(db, capsys) -> tuple[str, int, str]:
    assert main(["--db", str(db), "status"]) == 0
    status = capsys.readouterr().out
    rc = main(["--db", str(db), "doctor"])
    return status, rc, capsys.readouterr().out


def test_a_demo_stopped_between_its_stores_is_reported_until_run_again(tmp_path, capsys, clean_env, monkeypatch):
    db = tmp_path / "d.duckdb"

    def killed(*_a, **_k):   # the process dies once the warehouse is swapped in, before the retro records
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "_write_demo_userdata", killed)
    with pytest.raises(KeyboardInterrupt):
        demo.build(db, seed=7)
    monkeypatch.undo()
    clean = ["--db", str(db)]
    status, rc, doctor = _status_and_doctor(db, capsys)
    said = ("the last `retroscope demo` into this warehouse was stopped after the warehouse was replaced but before "
            "its retro records were written, so the two do not match")
    assert f"note: {said}; run `retroscope demo` again" in status
    assert rc == 1 and f"FIX  {said}" in doctor and "→ run `retroscope demo` again" in doctor
    assert main([*clean, "demo"]) == 0
    capsys.readouterr()
    status, rc, doctor = _status_and_doctor(db, capsys)
    assert "stopped after the warehouse was replaced" not in status + doctor and rc == 0
    assert not two_stores.marker(db, "demo").exists()


def test_a_migrate_stopped_between_its_stores_is_reported_one_that_failed_before_is_not(
        demo_db, tmp_path, capsys, clean_env, monkeypatch):
    (tmp_path / "src").mkdir()
    src = private_demo(demo_db, tmp_path / "src")
    target = tmp_path / "t.duckdb"

    def failed(*_a, **_k):
        raise OSError(28, "No space left on device")

    # failing while the warehouse is copied: the target is not replaced, nothing to report
    monkeypatch.setattr(migrate, "_into_file", failed)
    with pytest.raises(RetroscopeError) as e:
        migrate.migrate(src, target)
    assert str(e.value) == (f"migrate: no space left on the disk of {tmp_path} for the copy; free some space and "
                            f"run it again; {target} is as it was")
    assert not two_stores.marker(target, "migrate").exists()
    monkeypatch.undo()
    # stopped after the warehouse, before the retro records
    monkeypatch.setattr(migrate, "_userdata_into_file", failed)
    with pytest.raises(RetroscopeError, match="for the retro records after the warehouse was copied; free some space "
                                              "and run the same migrate with --force again"):
        migrate.migrate(src, target)
    monkeypatch.undo()
    status, rc, doctor = _status_and_doctor(target, capsys)
    said = "the last `retroscope migrate` into this warehouse was stopped after the warehouse was replaced"
    assert said in status and "run the same `retroscope migrate --to … --force` again" in status
    assert rc == 1 and f"FIX  {said}" in doctor
    migrate.migrate(src, target, force=True)
    status, rc, doctor = _status_and_doctor(target, capsys)
    assert "was stopped after" not in status + doctor and rc == 0


def test_status_lists_a_killed_commands_copy_of_the_retro_records(demo_copy, tmp_path, capsys, clean_env):
    dead = subprocess.Popen(["true"])
    dead.wait()                                   # a process id that is no longer running
    ud = queries.userdata_path_for(demo_copy)
    left = ud.with_name(f"{ud.name}.tmp-{dead.pid}")
    left.write_bytes(b"x" * 10)
    assert left in load.stale_copies(demo_copy)
    assert main(["--db", str(demo_copy), "status"]) == 0
    assert str(left) in capsys.readouterr().out
    os.unlink(left)


def test_a_full_disk_is_advice_and_leaves_no_marker(demo_db, tmp_path, capsys, clean_env):
    """A load that filled the disk ended on an internal error; a demo that failed so left its
    marker behind, for a warehouse the failure never replaced. On a 2 MB tmpfs (where this
    machine allows mounting one) a demo and an import fail for want of space."""
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(tiny)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        db = tiny / "d.duckdb"
        # a migrate into the small disk: the copy does not fit, the target is as it was (none)
        assert main(["--db", str(demo_db), "migrate", "--to", str(db)]) == 1
        err = capsys.readouterr().err
        assert f"retroscope: migrate: no space left on the disk of {tiny} for the copy" in err, err
        assert not db.exists() and not two_stores.marker(db, "migrate").exists()
        for args in (["demo"], ["import", "metrics", str(tmp_path / "m.csv")]):
            (tmp_path / "m.csv").write_text("day,metric,value\n2026-01-01,signups,3\n")
            assert main(["--db", str(db), *args]) == 1
            err = capsys.readouterr().err
            assert f"retroscope: no space left on the disk of {tiny} for the load's working copy" in err, err
            assert "internal error" not in err and "Traceback" not in err
            assert not db.exists() and not two_stores.marker(db, "demo").exists()
    finally:
        subprocess.run(["umount", str(tiny)], check=True)


def test_a_command_killed_before_its_swap_is_not_reported_and_the_next_load_clears_it(
        demo_db, tmp_path, capsys, clean_env):
    """A migrate killed while it copied (its marker written, the warehouse never replaced) was
    reported after the next ordinary load as 'stopped after the warehouse was replaced', with
    advice (migrate --force again) that would write over retro records entered since."""
    (tmp_path / "w").mkdir()
    db = private_demo(demo_db, tmp_path / "w")
    m = two_stores.begin(db, "migrate", "from elsewhere")      # what a kill during the copy leaves
    status, rc, doctor = _status_and_doctor(db, capsys)
    assert "was stopped after" not in status + doctor and rc == 0
    csv = tmp_path / "m.csv"
    csv.write_text("day,metric,value\n2026-01-01,signups,3\n")
    assert main(["--db", str(db), "import", "metrics", str(csv)]) == 0     # the next load replaces the file
    capsys.readouterr()
    assert not m.exists()
    status, rc, doctor = _status_and_doctor(db, capsys)
    assert "was stopped after" not in status + doctor and rc == 0
