"""Terminal progress for long work (demo, sync, import). Connectors report through a
plain callback `progress(phase, done, total)`; this renders it on stderr when it is a
terminal (and as sparse lines otherwise, so CI logs stay short)."""

from __future__ import annotations

import sys
import time

# The terminal stream whose last progress line is still open (drawn in place, no newline yet)
_open_line = None


class TerminalProgress:
    def __init__(self, stream=None, min_interval: float = 0.2) -> None:
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.min_interval = min_interval
        self._last = 0.0
        self._phase: str | None = None
        self._t0 = time.monotonic()

    def __call__(self, phase: str, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        finished = total is not None and done >= total
        if phase != self._phase:
            if self._phase is not None and self.tty:
                end_line(self.stream)
            self._phase, self._t0 = phase, now
        elif not finished and now - self._last < (self.min_interval if self.tty else 5.0):
            return
        self._last = now
        if total:
            width = 30
            filled = int(width * min(done, total) / total)
            line = f"{phase:<14} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}"
        elif done or total is not None:   # (a total of 0: a phase with nothing to do, done)
            line = f"{phase:<14} {done:,}"
        else:   # a count not begun, its total unknown: "generating 0" would read as nothing found
            line = f"{phase:<14} started"
        line += f"  {now - self._t0:5.1f}s"
        if self.tty:
            global _open_line
            self.stream.write("\r" + line + ("\n" if finished else ""))
            _open_line = None if finished else self.stream
        elif finished or done == 0:
            self.stream.write(line + "\n")
        self.stream.flush()
        if finished:
            self._phase = None


def end_line(stream=None) -> None:
    """End a progress line still drawn in place on `stream` (default: stderr), so that what is
    printed next (an error, "interrupted") starts a line of its own."""
    global _open_line
    if _open_line is not None and _open_line is (stream or sys.stderr):
        _open_line.write("\n")
        _open_line.flush()
        _open_line = None


def null_progress(phase: str, done: int, total: int | None = None) -> None:
    """A progress callback that shows nothing."""
