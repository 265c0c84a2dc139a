#!/usr/bin/env python3
"""requirements.yml is galaxy.yml's dependencies, written for ansible-galaxy.

galaxy.yml is the one place the collections dockerlab.registry needs are named, with
their versions: Galaxy installs them with the collection, and the execution environment
(awx/execution-environment.yml names only dockerlab.registry) gets them that way. A
checkout reads requirements.yml instead (`ansible-galaxy collection install -r
requirements.yml`, AWX's project sync), so this script writes it from galaxy.yml.
Exit 1 with a diff when requirements.yml is not what galaxy.yml gives (`make lint`);
with --write, (re)write it first.
"""
import difflib
import json
import pathlib
import sys

import yaml

root = pathlib.Path(__file__).resolve().parent.parent.parent
HEADER = """\
---
# Generated from galaxy.yml's dependencies by `python tests/galaxy/requirements.py --write`;
# `make lint` fails when the two differ: change galaxy.yml, not this file.
# The collections the roles use, for a checkout: `ansible-galaxy collection install
# -r requirements.yml`, and AWX's project sync. The `ansible` package in
# requirements-dev.txt bundles all of them, which is how they arrive on machines without Galaxy.
"""


def render(galaxy: dict) -> str:
    dependencies = galaxy.get("dependencies") or {}
    if not dependencies:
        return HEADER + "collections: []\n"
    lines = ["collections:"]
    for name, version in dependencies.items():
        lines.append(f"  - name: {name}")
        # JSON strings are YAML double-quoted scalars: ">=4.0.0" stays a string.
        lines.append(f"    version: {json.dumps(str(version))}")
    return HEADER + "\n".join(lines) + "\n"


def main() -> int:
    galaxy = yaml.safe_load((root / "galaxy.yml").read_text())
    wanted = render(galaxy)
    target = root / "requirements.yml"
    if "--write" in sys.argv[1:]:
        target.write_text(wanted)
    current = target.read_text() if target.is_file() else ""
    if current == wanted:
        return 0
    sys.stdout.writelines(difflib.unified_diff(
        current.splitlines(keepends=True), wanted.splitlines(keepends=True),
        "requirements.yml", "requirements.yml from galaxy.yml"))
    print("requirements.yml differs from galaxy.yml's dependencies: "
          "python tests/galaxy/requirements.py --write", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
