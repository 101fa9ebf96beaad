"""A stdlib-only asyncio load generator, the fallback when wrk is not installed.

    python bench/loadgen.py --url http://127.0.0.1:8000 --token T --concurrency 32 \
        --duration 20 --mode app|baseline --prefix bench --phone-prefix 22177

Whole demo-menu sessions, as harness/sessions.lua plays them under wrk; prints one line
"BENCH_RESULT {json}". The client itself is bench/harness/loadgen.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.loadgen import main  # noqa: E402

if __name__ == "__main__":
    main()
