"""Generate a big menu whose dialled path is the demo menu's, for "hop cost vs menu size".

    python bench/menugen.py --nodes 5000 --out /tmp/menu-5000.json

The demo menu (language -> location -> support_type -> callback -> thanks) plus `nodes - 5`
extra nodes behind "4. Other region" on the location screen, which the load generator never
presses: every size shows the same five screens on the dialled path. See
bench/harness/menugen.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.menugen import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    doc = generate(args.nodes)
    Path(args.out).write_text(json.dumps(doc, ensure_ascii=False, indent=1), "utf-8")
    print(f"wrote {args.out}: {len(doc['nodes'])} nodes")


if __name__ == "__main__":
    main()
