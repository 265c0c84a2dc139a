#!/usr/bin/env python3
"""Each role's defaults/main.yml, meta/argument_specs.yml and docs/roles/ROLE.md agree.

Every variable in defaults is an option of some entry point with the same default,
every option with a default is in defaults, every option has a description, and
docs/roles/ROLE.md is what argument_specs generates. Exit 1 with a list of differences.
With --write, (re)generate docs/roles/ROLE.md first.
"""
import pathlib
import sys

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
roles = sorted(path for path in (root / "roles").iterdir() if path.is_dir())


def text(value):
    """argument_specs descriptions are a string or a list of paragraphs; Ansible markup C() becomes code."""
    paragraphs = value if isinstance(value, list) else [value or ""]
    joined = " ".join(str(p).strip() for p in paragraphs)
    out, rest = "", joined
    while "C(" in rest:
        before, _, after = rest.partition("C(")
        code, _, rest = after.partition(")")
        out += f"{before}`{code}`"
    return (out + rest).replace("|", "\\|")


def render(role, specs):
    lines = [
        f"# Role `dockerlab.registry.{role}`",
        "",
        "<!-- Generated from roles/" + role + "/meta/argument_specs.yml by `python tests/check_argument_specs.py --write`;",
        "     `make lint` fails when this file and argument_specs differ. -->",
    ]
    for entry, spec in specs.items():
        how = (
            f"`roles: [dockerlab.registry.{role}]`, or `ansible.builtin.include_role` with `name: dockerlab.registry.{role}`"
            if entry == "main"
            else f"`ansible.builtin.include_role` with `name: dockerlab.registry.{role}`, `tasks_from: {entry}`"
        )
        lines += ["", f"## Entry point `{entry}`", "", text(spec.get("short_description")), ""]
        if spec.get("description"):
            lines += [text(spec["description"]), ""]
        lines += [f"Use: {how}.", ""]
        options = spec.get("options") or {}
        if not options:
            lines.append("No variables.")
            continue
        lines += ["| Variable | Type | Default | Description |", "|---|---|---|---|"]
        for name, option in options.items():
            kind = option.get("type", "str")
            if kind == "list" and option.get("elements"):
                kind = f"list of {option['elements']}"
            if option.get("choices"):
                kind += " (" + ", ".join(f"`{c}`" for c in option["choices"]) + ")"
            default = "**required**" if option.get("required") else (
                f"`{yaml.safe_dump(option['default'], default_flow_style=True).strip().removesuffix('...').strip()}`"
                if "default" in option else "")
            if option.get("no_log"):
                kind += ", secret"
            default = default.replace("|", "\\|")
            lines.append(f"| `{name}` | {kind} | {default} | {text(option.get('description'))} |")
    return "\n".join(lines) + "\n"


problems = []
write = "--write" in sys.argv[1:]
for role in roles:
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
    doc = root / "docs" / "roles" / f"{role.name}.md"
    wanted = render(role.name, specs)
    if write:
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(wanted)
    elif not doc.exists() or doc.read_text() != wanted:
        problems.append(f"{role.name}: docs/roles/{role.name}.md is not what argument_specs generates; "
                        "run python tests/check_argument_specs.py --write")
print("\n".join(problems) or f"argument_specs agree with defaults and docs/roles/ in {len(roles)} roles")
sys.exit(1 if problems else 0)
