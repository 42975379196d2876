"""Readers never fail while the user-input store is written: `retroscope import retro` of a
large file runs in its own process while reader threads open the warehouse (which copies
the user store into temp tables) in a loop, as `query`, `status` and the dashboard do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time

import queries

CARDS = 60_000


def test_readers_never_fail_during_a_large_retro_import(demo_db, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(demo_db, db)
    ud = queries.userdata_path_for(db)
    shutil.copyfile(queries.userdata_path_for(demo_db), ud)
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"retros": [{
        "id": "big-1", "held_on": "2026-11-10", "team": "Atlas", "kind": "scrum", "title": "Big",
        "cards": [{"column": "Went well", "text": f"card {i}: flaky tests, slow reviews", "votes": i % 5}
                  for i in range(CARDS)]}]}), encoding="utf-8")

    def cards() -> int:
        con = queries.connect(db)
        try:
            return int(con.execute("SELECT count(*) FROM retro_cards").fetchone()[0])
        finally:
            con.close()

    before = cards()
    failures: list[str] = []
    seen: list[int] = []
    started: list[float] = []   # when each successful read began
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            t = time.monotonic()
            try:
                n = cards()
                started.append(t)
                seen.append(n)
            except Exception as e:   # noqa: BLE001 - any failure is what this test counts
                failures.append(f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETROSCOPE_")}
    p = subprocess.run([sys.executable, "-m", "dashboard.cli", "--db", str(db), "import", "retro", str(big),
                        "--as-of", "2026-11-18"], capture_output=True, text=True, env=env, timeout=300)
    done = time.monotonic()
    deadline = done + 60
    while not any(t > done for t in started) and time.monotonic() < deadline:   # a read after the import
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    assert p.returncode == 0, p.stderr
    assert failures == [], failures[:3]
    # the readers ran before and after the write: they saw both the old and the new count
    assert before in seen and before + CARDS in seen, (before, sorted(set(seen)))
    assert set(seen) <= {before, before + CARDS}   # never a partial import
