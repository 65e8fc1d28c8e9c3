# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/architecture.md names, per rule, the file that owns it and the names to grep for: every file
of its table exists and defines every name given for it (a moved rule must move its row too)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
ROW = re.compile(r"^\| (?P<rule>[^|]+) \| `(?P<file>[^`]+)` \| (?P<names>[^|]+) \|$")


def table_rows():
    rows = []
    for line in DOC.read_text().splitlines():
        match = ROW.match(line)
        if match and match["rule"].strip() != "Rule":
            rows.append((match["file"], re.findall(r"`([^`]+)`", match["names"])))
    return rows


def resolve(file):
    if file.startswith("_webnic/"):
        return ROOT / "plugins" / "module_utils" / file
    return ROOT / file


def defined_names(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def test_the_ownership_table_is_read():
    rows = table_rows()
    assert len(rows) >= 25, rows
    assert ("_webnic/order_plan.py", ["plan", "doubt_plan", "twin_plan"]) in rows


def test_every_file_of_the_table_exists_and_defines_its_names():
    wrong = []
    for file, names in table_rows():
        path = resolve(file)
        if not path.is_file():
            wrong.append("%s: no such file" % file)
            continue
        if path.suffix == ".yml":
            data = yaml.safe_load(path.read_text())
            for name in names:
                node = data
                for part in name.split("."):
                    node = node.get(part) if isinstance(node, dict) else None
                if node is None:
                    wrong.append("%s: %s not found" % (file, name))
            continue
        defined = defined_names(path)
        wrong.extend("%s: %s is not defined there" % (file, name) for name in names if name not in defined)
    assert not wrong, "\n".join(wrong)
