"""Are the stored facts of two warehouses identical? Exact, table by table.

    python -m benchmarks.facts_compare A.duckdb B.duckdb

Compares every table of the `facts` and `stg` schemas (but facts.meta, which records build
times) of two warehouse files: the same tables, the same columns with the same types in the
same order, and the same rows — `EXCEPT ALL` both ways, so duplicates count and floating
point values must agree to the bit. Meant for a change to how the facts are built: build the
same raw data before and after (e.g. `benchmarks.facts_build --keep DIR`, or `retroscope
demo`), then compare. Exits 1 when anything differs. --common compares, in a table whose
columns differ, the columns both have (for a change that drops columns nobody reads; the
dropped ones are listed).
"""

from __future__ import annotations

import argparse
import sys

import duckdb

SCHEMAS = ("facts", "stg")
SKIP = {("facts", "meta")}


def compare(a: str, b: str, common: bool = False) -> list[str]:
    """What differs between the stored tables of warehouses `a` and `b` (empty: identical).
    `common`: where the columns differ, compare the columns both have (same name and type)."""
    diffs: list[str] = []
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")

        def tables(db: str) -> dict[tuple[str, str], list[tuple[str, str]]]:
            rows = con.execute(
                "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
                "WHERE database_name = $d AND schema_name IN ('facts', 'stg') ORDER BY schema_name, table_name, "
                "column_index", {"d": db}).fetchall()
            out: dict[tuple[str, str], list[tuple[str, str]]] = {}
            for s, t, c, ty in rows:
                out.setdefault((s, t), []).append((c, ty))
            return out

        ta, tb = tables("a"), tables("b")
        for key in sorted(set(ta) | set(tb)):
            if key in SKIP:
                continue
            name = ".".join(key)
            if key not in ta or key not in tb:
                diffs.append(f"{name}: only in {'a' if key in ta else 'b'}")
                continue
            x, y = f"a.{name}", f"b.{name}"
            if ta[key] != tb[key]:
                if not common:
                    diffs.append(f"{name}: columns differ {ta[key]} vs {tb[key]}")
                    continue
                both = [c for c in ta[key] if c in tb[key]]
                gone = [c for c, _ in ta[key] if c not in dict(tb[key])]
                new = [c for c, _ in tb[key] if c not in dict(ta[key])]
                print(f"  {name}: comparing {len(both)} common columns (only in a: {', '.join(gone) or '-'}; "
                      f"only in b: {', '.join(new) or '-'})")
                cols = ", ".join(f'"{c}"' for c, _ in both)
                x, y = f"(SELECT {cols} FROM a.{name})", f"(SELECT {cols} FROM b.{name})"
            na, nb, only_a, only_b = con.execute(
                f"SELECT (SELECT count(*) FROM {x}), (SELECT count(*) FROM {y}), "
                f"(SELECT count(*) FROM (FROM {x} EXCEPT ALL FROM {y})), "
                f"(SELECT count(*) FROM (FROM {y} EXCEPT ALL FROM {x}))").fetchall()[0]
            status = "identical" if only_a == only_b == 0 else f"DIFFERENT: {only_a} rows only in a, {only_b} only in b"
            print(f"  {name:<32} {na:>10,} rows  {status}", flush=True)
            if only_a or only_b:
                diffs.append(f"{name}: {only_a} rows only in a, {only_b} only in b")
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.facts_compare", description=__doc__.splitlines()[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--common", action="store_true",
                    help="where a table's columns differ, compare the columns both have")
    args = ap.parse_args(argv)
    diffs = compare(args.a, args.b, args.common)
    print("identical" if not diffs else "DIFFERENT:\n  " + "\n  ".join(diffs))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
