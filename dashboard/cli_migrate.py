"""`retroscope migrate --to TARGET`: the CLI side of connectors.migrate (arguments, progress,
the summary line)."""

from __future__ import annotations

import os
import sys

from connectors.settings import Settings


def run(args, settings: Settings) -> int:
    from connectors import migrate
    from dashboard.progress import TerminalProgress
    from queries import lake

    data = args.lake_data or os.environ.get(lake.DATA_ENV) or settings.section("warehouse").get("lake_data")
    target = lake.parse(args.to, data_path=data)
    if lake.is_lake(settings.db_path) and lake.is_lake(target) and not args.lake_data:
        target = lake.Lake(target.url, None)     # the source lake's data folder is not the target's
    summary = migrate.migrate(settings.db_path, target, force=args.force, config=settings.analysis,
                              progress=TerminalProgress())
    print(f"copied {settings.db_path} to {target}: {summary['rows']:,} warehouse rows in {summary['tables']} tables, "
          f"{summary['user_rows']:,} user-input rows, stored facts rebuilt, in {summary['seconds']:.1f}s")
    print(f"use it with: retroscope --db '{target.url if lake.is_lake(target) else target}' status", file=sys.stderr)
    return 0
