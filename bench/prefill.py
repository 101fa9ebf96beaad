"""Fill the sessions table of a benchmark instance with N realistic past sessions, fast.

    DATABASE_URL=... SECRET_KEY=... USSD_WEBHOOK_TOKEN=... python bench/prefill.py --count 1000000

Never point it at a real instance: it plays and deletes a few template sessions first.
bench/run.py --stored-sessions N runs it against its own throw-away instance. What the rows
are: bench/harness/prefill.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.prefill import main  # noqa: E402

if __name__ == "__main__":
    main()
