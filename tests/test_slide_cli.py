"""`retroscope export tech-health` as a user runs it: a subprocess on the demo, bad --out
paths, atomic writes, thresholds from retroscope.toml, the PNG (and its absence)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers_slide import build_tiny, open_slide, pdf_pages, run_cli, tile

from dashboard import cli_export

HAVE_LO = shutil.which("soffice") is not None or shutil.which("libreoffice") is not None
HAVE_PDFTOPPM = shutil.which("pdftoppm") is not None


def test_cli_writes_one_slide_on_the_demo(demo_db, tmp_path):
    out = tmp_path / "th.pptx"
    r = run_cli("--db", str(demo_db), "export", "tech-health", "--out", str(out), "--board", "1",
                "--as-of", "2026-11-18")
    assert r.returncode == 0, r.stderr
    assert "written to" in r.stdout and "export took" in r.stdout
    prs, slide = open_slide(out)
    assert len(prs.slides) == 1
    assert prs.slide_width == 12192000 and prs.slide_height == 6858000      # 13.333 x 7.5 in, 16:9
    assert "Atlas" in slide.shapes[0].text_frame.text or any("Atlas" in s.text_frame.text
                                                              for s in slide.shapes if s.has_text_frame)
    assert slide.has_notes_slide and "Exact figures" in slide.notes_slide.notes_text_frame.text
    assert [p.name for p in tmp_path.iterdir()] == ["th.pptx"]             # no temp file left


def test_cli_team_and_sprints_options(demo_db, tmp_path):
    out = tmp_path / "th.pptx"
    r = run_cli("--db", str(demo_db), "export", "tech-health", "--out", str(out), "--board", "2",
                "--team", "Borealis payments squad", "--sprints", "3")
    assert r.returncode == 0, r.stderr
    _, slide = open_slide(out)
    texts = {s.name: s.text_frame.text for s in slide.shapes if s.has_text_frame}
    assert texts["Title"] == "Tech health · Borealis payments squad"
    assert texts["Subtitle"].startswith("Last 3 sprints:")


def test_team_alone_titles_the_slide_with_the_boards_own_name(demo_db, tmp_path):
    """`--team atlas` picks Atlas (names match case-insensitively) and titled the slide "atlas"."""
    out = tmp_path / "th.pptx"
    r = run_cli("--db", str(demo_db), "export", "tech-health", "--out", str(out), "--team", "atlas")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("tech-health slide for Atlas, ")
    _, slide = open_slide(out)
    texts = {s.name: s.text_frame.text for s in slide.shapes if s.has_text_frame}
    assert texts["Title"] == "Tech health · Atlas"


def test_a_headline_with_a_line_break_is_refused(demo_db, tmp_path):
    """The slide's title is one line: a headline with a line break gave a two-line title."""
    out = tmp_path / "th.pptx"
    r = run_cli("--db", str(demo_db), "export", "tech-health", "--out", str(out), "--headline", "two\nlines")
    assert r.returncode == 1 and r.stderr == ("retroscope: --headline has a line break or control character "
                                              "(U+000A); the slide's title is one line: write it on one line\n"), r.stderr
    # a vertical tab (python-pptx wrote it as "two_x000B_lines") and a Unicode line separator too, in
    # the title --team gives as well
    for flag, text, code in (("--headline", "two\vlines", "U+000B"), ("--team", "Atlas\u2028B", "U+2028")):
        r = run_cli("--db", str(demo_db), "export", "tech-health", "--out", str(out), "--board", "1", flag, text)
        assert r.returncode == 1 and f"{flag} has a line break or control character ({code})" in r.stderr, r.stderr
    assert not out.exists()


def test_the_slide_prints_instants_where_the_team_reports(demo_db, tmp_path):
    """--as-of 2026-11-01 in Auckland is 1 Nov 23:59 there (10:59 UTC): the slide says so, and the
    data's freshness (18 Nov 17:00 UTC) as 19 Nov 06:00 there, naming the zone, not a UTC clock
    that reads like another day."""
    out, cfg = tmp_path / "th.pptx", tmp_path / "nz.toml"
    cfg.write_text('timezone = "Pacific/Auckland"\n')
    r = run_cli("--config", str(cfg), "--db", str(demo_db), "export", "tech-health", "--out", str(out),
                "--board", "1", "--as-of", "2026-11-01")
    assert r.returncode == 0, r.stderr
    _, slide = open_slide(out)
    texts = " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    notes = slide.notes_slide.notes_text_frame.text
    assert "as of 2026-11-01 23:59 Pacific/Auckland" in texts, texts
    assert "Figures as of 2026-11-01 23:59 Pacific/Auckland; data as of 2026-11-19 06:00 Pacific/Auckland" in notes


def test_a_slide_with_no_figure_is_refused_not_written(demo_db, tmp_path):
    """Atlas's first sprint starts 1 Jun 2026: on 1 Mar it has no closed sprint and no completed
    issue, and a warehouse with product metrics only has no delivery data at all. Either way one
    line says why and what to do, exit 1, no file (a slide of 'no data' tiles is not a report)."""
    from tests.helpers_outcomes import load_metrics

    out = tmp_path / "th.pptx"
    r = run_cli("--db", str(demo_db), "export", "tech-health", "--out", str(out), "--board", "1",
                "--as-of", "2026-03-01")
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "Atlas: no closed sprint or completed issue by 2026-03-01" in r.stderr and "later --as-of" in r.stderr
    assert not out.exists()
    metrics_only = tmp_path / "m.duckdb"
    load_metrics(metrics_only, pd.DataFrame({"metric": ["signups"] * 2, "day": pd.to_datetime(["2026-03-01", "2026-03-02"]),
                                             "value": [1.0, 2.0]}))
    r = run_cli("--db", str(metrics_only), "export", "tech-health", "--out", str(out))
    assert r.returncode == 1 and "no delivery data is loaded yet" in r.stderr and "sync jira" in r.stderr, r.stderr
    assert not out.exists()


@pytest.mark.parametrize("make_out, expect", [
    (lambda d: d / "missing" / "th.pptx", "does not exist"),
    (lambda d: d, "is a folder"),
    (lambda d: d / "th.txt", "expected a .pptx file name"),
    (lambda d: d / "afile" / "th.pptx", "does not exist"),
])
def test_bad_out_path_is_one_clear_line_and_no_file(tmp_path, make_out, expect):
    db = build_tiny(tmp_path / "w")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "afile").write_text("x")
    out = make_out(tmp_path / "out")
    before = sorted(p.name for p in (tmp_path / "out").rglob("*"))
    r = run_cli("--db", str(db), "export", "tech-health", "--out", str(out))
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("retroscope: --out") and expect in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == before


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    out = tmp_path / "th.pptx"
    out.write_bytes(b"the previous slide")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(cli_export.RetroscopeError, match=r"--out .*th.pptx: cannot write \(No space left on device\)"):
        cli_export.write_atomic(out, b"new bytes")
    assert out.read_bytes() == b"the previous slide"                      # old file intact
    assert [p.name for p in tmp_path.iterdir()] == ["th.pptx"]             # temp file removed


def test_thresholds_from_retroscope_toml(tmp_path):
    db = build_tiny(tmp_path)
    cfg = tmp_path / "retroscope.toml"
    cfg.write_text("[slide.thresholds]\nrework_rate_watch = 0.30\nrework_rate_bad = 0.40\n")
    out = tmp_path / "th.pptx"
    r = run_cli("--db", str(db), "--config", str(cfg), "export", "tech-health", "--out", str(out),
                "--board", "1", "--as-of", "2026-03-01", "--sprints", "2")
    assert r.returncode == 0, r.stderr
    _, slide = open_slide(out)
    # rework 1/4 = 25 %: WATCH with the default 15/25 % limits, GOOD with 30/40 %
    assert tile(slide, "rework_rate")["Status"] == "✔ GOOD"
    cfg.write_text("[slide.thresholds]\nrework_rate_wach = 0.30\n")
    r = run_cli("--db", str(db), "--config", str(cfg), "export", "tech-health", "--out", str(out))
    assert r.returncode == 1 and "[slide.thresholds.rework_rate_wach] unknown key; did you mean 'rework_rate_watch'?" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_png_missing_tools_writes_the_pptx_says_no_png_and_fails(tmp_path):
    db = build_tiny(tmp_path)
    out, png = tmp_path / "th.pptx", tmp_path / "th.png"
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = dict(os.environ, PATH=str(empty_bin))
    r = subprocess.run([sys.executable, "-m", "dashboard.cli", "--db", str(db), "export", "tech-health",
                        "--out", str(out), "--png", str(png)], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 1, r.stderr
    assert out.exists() and not png.exists()
    assert "--png" in r.stderr and "libreoffice-impress" in r.stderr and "not written" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "PNG included" not in r.stdout


@pytest.mark.skipif(not HAVE_LO, reason="LibreOffice (soffice) not installed: install libreoffice-impress "
                    "(scripts/system-deps.sh) to check the slide renders as one page")
def test_libreoffice_renders_one_page(demo_db, tmp_path):
    out = tmp_path / "th.pptx"
    r = run_cli("--db", str(demo_db), "export", "tech-health", "--out", str(out), "--board", "1")
    assert r.returncode == 0, r.stderr
    profile = (tmp_path / "lo-profile").resolve().as_uri()
    subprocess.run([shutil.which("soffice") or shutil.which("libreoffice"), f"-env:UserInstallation={profile}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   capture_output=True, timeout=300, check=False)
    pdf = tmp_path / "th.pdf"
    assert pdf.exists(), "LibreOffice did not produce a PDF"
    assert pdf_pages(pdf) == 1


@pytest.mark.skipif(not (HAVE_LO and HAVE_PDFTOPPM), reason="LibreOffice or pdftoppm not installed: install "
                    "libreoffice-impress and poppler-utils (scripts/system-deps.sh) to test --png")
def test_png_is_rendered_16_9(demo_db, tmp_path):
    out, png = tmp_path / "th.pptx", tmp_path / "th.png"
    r = run_cli("--db", str(demo_db), "export", "tech-health", "--out", str(out), "--png", str(png))
    assert r.returncode == 0, r.stderr
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    # 13.333 x 7.5 in at 110 dpi
    assert (width, height) == (1467, 825)
    assert "PNG written to" in r.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["th.png", "th.pptx"]


def test_render_png_reports_missing_tools(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(cli_export.PngUnavailable, match="soffice .* and pdftoppm .* not found"):
        cli_export.render_png(tmp_path / "x.pptx", tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_export_is_listed_in_cli_help():
    r = run_cli("export", "tech-health", "--help")
    assert r.returncode == 0
    for flag in ("--out", "--team", "--board", "--as-of", "--sprints", "--png"):
        assert flag in r.stdout
    assert Path(cli_export.__file__).name == "cli_export.py"
