"""The `retroscope` command's entry point (pyproject.toml [project.scripts]). Python spends its
first few tenths of a second loading the command's modules (pandas, DuckDB, …) before
`dashboard.cli.main` can catch a Ctrl+C; one pressed then would end in a traceback. Here it ends
as any interrupt does: one line, exit 130, nothing written (no command has started)."""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from dashboard.cli import main as run

        return run()
    except KeyboardInterrupt:
        print("retroscope: interrupted before the command started; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
