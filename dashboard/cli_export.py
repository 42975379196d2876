"""`retroscope export tech-health`: the tech-health slide as an editable .pptx (and a PNG).

The file is written atomically (a temp file beside it, then a rename), so a bad path or a
failure never leaves a partial file. `--png` converts the written slide with LibreOffice
headless (pptx → pdf) and poppler's `pdftoppm` (pdf → png at 110 dpi): a faithful
rendering of the same file, with no browser or GUI. Both are Debian packages
(libreoffice-impress, poppler-utils; `scripts/system-deps.sh` installs them); when they
are missing the .pptx is still written, one line says no PNG was written and what to install,
and the command exits 1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from connectors import bounds
from queries.errors import RetroscopeError

PNG_DPI = 110
PNG_TIMEOUT_S = 180


class PngUnavailable(RetroscopeError):
    """The PNG could not be rendered (tool missing or conversion failed)."""


def _check_out(path: Path, suffix: str, flag: str) -> None:
    check_out_path(path, flag, "tech-health" + suffix)
    if path.suffix.lower() != suffix:
        raise RetroscopeError(f"{flag} {path}: expected a {suffix} file name, e.g. {flag} tech-health{suffix}")


def check_out_path(path: Path, flag: str, example: str) -> None:
    """A file an export writes: not a folder, in a folder that exists and can be written (an
    export never creates folders: a typo in the path would otherwise land the file elsewhere)."""
    if path.is_dir():
        raise RetroscopeError(f"{flag} {path}: is a folder; give a file name, e.g. {flag} {path / example}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise RetroscopeError(f"{flag} {path}: folder {parent} does not exist; create it or choose another path")
    if not os.access(parent, os.W_OK):
        raise RetroscopeError(f"{flag} {path}: folder {parent} is not writable; choose another path")


def write_atomic(path: Path, data: bytes, flag: str = "--out") -> None:
    """Write `data` to `path` via a temp file in the same folder and a rename: readers see
    the old file or the whole new one, never a partial one."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise RetroscopeError(f"{flag} {path}: cannot write ({e.strerror}); choose a writable path") from None


def render_png(pptx: Path, png: Path, *, dpi: int = PNG_DPI) -> None:
    """Render the slide in `pptx` to `png` (LibreOffice → PDF → pdftoppm)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    missing = [name for name, found in (("soffice (Debian package libreoffice-impress)", soffice),
                                        ("pdftoppm (Debian package poppler-utils)", pdftoppm)) if not found]
    if missing:
        raise PngUnavailable(f"--png {png}: not written, {' and '.join(missing)} not found; install them "
                             "(scripts/system-deps.sh does) or open the .pptx and export the slide as an image")
    with tempfile.TemporaryDirectory(prefix="retroscope-png-") as d:
        work = Path(d)
        src = work / "slide.pptx"
        shutil.copyfile(pptx, src)
        # a private LibreOffice profile: works while another LibreOffice is running
        profile = (work / "profile").resolve().as_uri()
        cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(work), str(src)]
        try:
            subprocess.run(cmd, capture_output=True, timeout=PNG_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise PngUnavailable(f"--png {png}: LibreOffice did not finish within {PNG_TIMEOUT_S}s; "
                                 "the .pptx was written, export the image from it by hand") from None
        pdf = work / "slide.pdf"
        if not pdf.exists():
            raise PngUnavailable(f"--png {png}: LibreOffice could not convert {pptx} to PDF; "
                                 f"try `{Path(soffice).name} --headless --convert-to pdf {pptx}` to see why")
        r = subprocess.run([pdftoppm, "-png", "-singlefile", "-r", str(dpi), str(pdf), str(work / "slide")],
                           capture_output=True, timeout=PNG_TIMEOUT_S, check=False)
        out = work / "slide.png"
        if r.returncode != 0 or not out.exists():
            msg = (r.stderr or b"").decode(errors="replace").strip().splitlines()
            raise PngUnavailable(f"--png {png}: pdftoppm failed ({msg[0] if msg else 'exit ' + str(r.returncode)})")
        write_atomic(png, out.read_bytes(), flag="--png")


def board_for_team(con, team: str | None) -> str | None:
    """`--team NAME` without `--board`: the board of that name (case-insensitive), so the
    slide titled Atlas shows Atlas's figures. None without --team (all boards); a name
    matching no board is a user error offering the boards (queries.registry.boards_hint), one
    that several boards share an error naming their ids."""
    if not team:
        return None
    import queries

    hit = queries.run(con, "boards_named", team=team)   # the team-name rule of the pages (team_key)
    if len(hit) == 1:
        return str(hit["board_id"].iloc[0])
    if len(hit) > 1:
        same = ", ".join(f"--board {b}" for b in hit["board_id"].astype(str))
        raise RetroscopeError(f"--team {team!r}: {len(hit)} boards have that name; choose one with {same} "
                              "(and --team as the title)")
    from queries.registry import boards_hint

    boards = queries.run(con, "dim_boards")
    raise RetroscopeError(f"--team {team!r}: no board has that name, so its figures cannot be chosen; use the "
                          f"board's name or --board ID (with --team as the title), "
                          + boards_hint(boards, team, by="name", entry=lambda name, b: f"{name} (--board {b})"))


def tech_health(args, settings) -> int:
    """`retroscope export tech-health --out FILE.pptx [--team T] [--board B] [--as-of DATE]
    [--sprints N] [--png FILE.png]`."""
    import queries
    from dashboard.slides import build_tech_health
    from queries.registry import as_of_option, starts_after
    from queries.tech_health import Thresholds, kpis

    t0 = time.perf_counter()
    headline = getattr(args, "headline", None)
    if headline is not None and len(headline) > bounds.MAX_HEADLINE:
        raise RetroscopeError(f"--headline is {len(headline):,} characters; the slide's title is one line: keep it to "
                              f"{bounds.MAX_HEADLINE}")
    for flag, text in (("--headline", headline), ("--team", args.team)):
        broken = bounds.line_break(text) if text is not None else None
        if broken:
            raise RetroscopeError(f"{flag} has {broken}; the slide's title is one line: write it on one line")
    out = Path(args.out)
    _check_out(out, ".pptx", "--out")
    png = Path(args.png) if getattr(args, "png", None) else None
    if png is not None:
        _check_out(png, ".png", "--png")
    where = str(settings.config_path or "retroscope.toml")
    thresholds = Thresholds.from_mapping(settings.section("slide").get("thresholds"), where=where)

    con = queries.connect(settings.db_path, config=settings.analysis, userdata_path=settings.userdata)
    try:
        as_of = as_of_option(args.as_of) if args.as_of else None
        start = starts_after(con, as_of) if as_of else None
        if start is not None:
            raise RetroscopeError(f"--as-of {args.as_of}: before the data, which starts {start:%Y-%m-%d}; a slide "
                                  "then would show no figure: give a later date")
        board = args.board if args.board is not None else board_for_team(con, args.team)
        # --team alone picks the board by its name, matched case-insensitively: the slide is
        # titled with the board's own name ("atlas" -> Atlas); with --board, --team is the title
        title = args.team if args.board is not None else None
        th = kpis(con, board_id=board, as_of=as_of, sprints=args.sprints,
                  thresholds=thresholds, team=title)
        if as_of is not None:
            from dashboard.cli import freshness_note

            freshness_note(con, as_of, f"--as-of {args.as_of}")   # the slide's subtitle names the as-of given
        if all(k.value is None for k in th.kpis) and not th.sprints:
            # nothing to show (an as-of before the team's first sprint and completed issue, or
            # product data only): a slide of 'no data' tiles is not a report; say why instead
            delivered = int(queries.run(con, "status_row_counts").set_index("table_name")["row_count"]
                            .get("raw_issues", 0))
            if not delivered:
                raise RetroscopeError("no delivery data is loaded yet (the slide's figures come from Jira issues "
                                      "and sprints): load them with `retroscope sync jira` (or try the demo: "
                                      "`retroscope --db data/demo.duckdb demo`)")
            when = f"by {args.as_of}" if args.as_of else "yet"
            raise RetroscopeError(f"{th.team}: no closed sprint or completed issue {when}, so the slide would show "
                                  "no figure; give a later --as-of, or another --board/--team")
    finally:
        con.close()
    t_figures = time.perf_counter() - t0
    data = build_tech_health(th, team=title, headline=headline)
    write_atomic(out, data)
    t_pptx = time.perf_counter() - t0
    lights = ", ".join(f"{k.label.lower()} {k.value_text()}" + ("" if k.value_text() == k.status else f" ({k.status})")
                       for k in th.kpis)
    print(f"tech-health slide for {th.team}, {th.period_start:%Y-%m-%d} – {th.period_end:%Y-%m-%d}, "
          f"written to {out}: {lights}")
    rendered = False
    if png is not None:
        t1 = time.perf_counter()
        try:
            render_png(out, png)
            rendered = True
            print(f"PNG written to {png} (LibreOffice + pdftoppm, {time.perf_counter() - t1:.1f}s)")
        except PngUnavailable as e:
            # the .pptx is fine, but what was asked for is not all there: say so and fail
            print(f"retroscope: {e} (the .pptx is written: {out})", file=sys.stderr)
            return 1
    print(f"export took {time.perf_counter() - t0:.1f}s (figures {t_figures:.2f}s, "
          f"slide {t_pptx - t_figures:.2f}s{', PNG included' if rendered else ''})")
    return 0
