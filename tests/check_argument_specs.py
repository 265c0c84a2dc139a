#!/usr/bin/env python3
"""Each role's defaults/main.yml and meta/argument_specs.yml say the same thing.

Every variable in defaults is an option of some entry point with the same default,
and every option with a default is in defaults. Exit 1 with a list of differences.
"""
import pathlib
import sys

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
problems = []
for role in sorted((root / "roles").iterdir()):
    defaults = yaml.safe_load((role / "defaults/main.yml").read_text()) or {}
    specs = yaml.safe_load((role / "meta/argument_specs.yml").read_text())["argument_specs"]
    options = {}
    for entry in specs.values():
        options.update(entry.get("options") or {})
    for name, value in defaults.items():
        if name not in options:
            problems.append(f"{role.name}: {name} is in defaults but in no entry point of argument_specs")
        elif options[name].get("default") != value:
            problems.append(f"{role.name}: {name} defaults to {value!r} but argument_specs says {options[name].get('default')!r}")
    for name, option in options.items():
        if "default" in option and name not in defaults:
            problems.append(f"{role.name}: {name} has a default in argument_specs but not in defaults/main.yml")
        if not option.get("description"):
            problems.append(f"{role.name}: {name} has no description")
print("\n".join(problems) or f"argument_specs agree with defaults in {len(list((root / 'roles').iterdir()))} roles")
sys.exit(1 if problems else 0)
