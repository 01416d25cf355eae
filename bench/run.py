"""`make bench`: run the figures, print the table of ratios, write bench/results.json."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from .figures import FIGURES
from .harness import Result

RESULTS = Path(__file__).with_name("results.json")


def table(results: list[Result]) -> str:
    lines = [f"{'figure':<52} {'value':>12} {'reference':>12} {'ratio':>7}  {'goal':<24} met"]
    for r in results:
        lines.append(
            f"{r.name:<52} {r.value:>12,.1f} {r.reference:>12,.1f} {r.ratio:>7.2f}  "
            f"{r.goal:<24} {'yes' if r.met else 'NO'}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("figures", nargs="*", help="default: all")
    args = parser.parse_args()
    chosen = args.figures or list(FIGURES)
    results: list[Result] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pinakes-bench-") as scratch:
        for name in chosen:
            print(f"-- {name}", flush=True)
            (Path(scratch) / name).mkdir()
            for result in FIGURES[name](Path(scratch) / name):
                print(f"   {result.name}: {result.value:,.1f} vs {result.reference:,.1f} "
                      f"{result.unit}, ratio {result.ratio:.2f}", flush=True)  # fmt: skip
                results.append(result)
    print(table(results))
    print(f"({time.monotonic() - started:.0f} s; one server worker, wrk -t1 -c32)")
    RESULTS.write_text(json.dumps(
        {r.name: {k: v for k, v in asdict(r).items() if k != "name"} for r in results}, indent=2
    ) + "\n")  # fmt: skip
    return 0 if all(r.met for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
