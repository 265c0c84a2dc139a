#!/usr/bin/env python3
"""Every conditional in the project's YAML is a string (or a boolean).

A list item such as `- out is search('Verify return code: 0')` holds ': ', so YAML reads
it as a mapping, and ansible-core 2.19 fails only when the task runs ("Conditional
expressions must be strings"). This finds them before any run: each `that`, `when`,
`failed_when`, `changed_when` and `until` item must be a string or a boolean.
Exits 1 and names the file and the item otherwise.
"""

import pathlib
import sys

import yaml

KEYS = ("that", "when", "failed_when", "changed_when", "until")
SKIP = (".venv", ".build", ".collections", ".ansible", ".git")


class Loader(yaml.SafeLoader):
    """Reads Ansible's tags as plain values."""


Loader.add_constructor("!vault", lambda loader, node: None)
Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def bad_items(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in KEYS:
                for item in value if isinstance(value, list) else [value]:
                    if not isinstance(item, (str, bool)):
                        yield key, item
            yield from bad_items(value)
    elif isinstance(node, list):
        for item in node:
            yield from bad_items(item)


def main():
    found = 0
    for path in sorted(pathlib.Path(".").rglob("*.yml")):
        if path.parts[0] in SKIP:
            continue
        for document in yaml.load_all(path.read_text(encoding="utf-8"), Loader=Loader):
            for key, item in bad_items(document):
                print(f"{path}: a `{key}` item is not a string (quote it): {item!r}", file=sys.stderr)
                found += 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
