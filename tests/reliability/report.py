# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the measured outcomes of a reliability run as Markdown tables for docs/reliability.md.

RELIABILITY_RESULTS=/tmp/rel.jsonl .venv/bin/python -m pytest tests/reliability
.venv/bin/python tests/reliability/report.py /tmp/rel.jsonl
"""

from __future__ import annotations

import json
import sys


def table(rows, columns):
    out = ["| " + " | ".join(title for title, _key in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = []
        for _title, key in columns:
            value = row.get(key, "")
            cells.append(str(value).replace("|", "\\|").replace("\n", " "))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(path):
    with open(path) as handle:
        rows = [json.loads(line) for line in handle]
    areas = {}
    for row in rows:
        areas.setdefault(row["area"], []).append(row)
    if "faults" in areas:
        print("### Fault matrix\n")
        print(
            table(
                areas["faults"],
                [
                    ("path", "path"),
                    ("fault", "fault"),
                    ("outcome", "outcome"),
                    ("rerun", "rerun"),
                    ("calls to the endpoint", "endpoint_calls"),
                    ("token mints", "token_mints"),
                    ("orders created", "orders"),
                    ("money (USD)", "charged"),
                    ("message (failures)", "message"),
                ],
            )
        )
        print()
    if "bad_input" in areas:
        print("### Bad input\n")
        print(
            table(
                areas["bad_input"],
                [
                    ("case", "case"),
                    ("module", "module"),
                    ("field named", "field"),
                    ("API calls", "api_calls"),
                    ("message", "message"),
                ],
            )
        )
        print()
    listed = ["secrets", "concurrency", "interrupted", "tls"]
    listed += sorted(area for area in areas if area not in listed and area not in ("faults", "bad_input"))
    for area in listed:
        for row in areas.get(area, []):
            print(
                "- **%s / %s**: %s"
                % (
                    area,
                    row["case"],
                    ", ".join("%s=%s" % (k, v) for k, v in sorted(row.items()) if k not in ("area", "case")),
                )
            )
        print()


if __name__ == "__main__":
    main(sys.argv[1])
