"""Run every benchmark in turn (``make bench``), or the ones named: ``python -m bench NAME…``.

A benchmark that fails is reported and the others still run; the exit status says whether
all of them ran.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
import traceback
from pathlib import Path

RESULTS = Path(__file__).with_name("results")


def _benchmarks() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    names = argv or _benchmarks()
    RESULTS.mkdir(exist_ok=True)
    summary: dict[str, dict[str, object]] = {}
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "main"):
            continue
        print(f"\n=== bench {name} ===", flush=True)
        started = time.perf_counter()
        try:
            module.main()
            summary[name] = {"ok": True, "seconds": round(time.perf_counter() - started, 1)}
        except Exception:  # noqa: BLE001 -- one failing benchmark is reported; the others still run
            traceback.print_exc()
            summary[name] = {"ok": False, "seconds": round(time.perf_counter() - started, 1)}
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print("\n" + "\n".join(f"{k}: {'ok' if v['ok'] else 'FAILED'} ({v['seconds']} s)" for k,
                           v in summary.items()))
    return 0 if all(v["ok"] for v in summary.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
