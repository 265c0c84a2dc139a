#!/usr/bin/env python3
"""The bad-input cases as a Markdown table (case | setting | message), for docs/bad-input.md.

Reads tests/bad_input_cases.yml (what tests/bad_input.yml runs) and prints the table.
Exit 1 when docs/bad-input.md is not what this script generates (`make lint` runs it);
with --write, (re)generate docs/bad-input.md first.
"""
import pathlib
import re
import sys

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
cases_file = root / "tests" / "bad_input_cases.yml"
doc_file = root / "docs" / "bad-input.md"
first_play = "Check every host's settings before anything changes"

INTRO = f"""\
# Bad input

<!-- Generated from tests/bad_input_cases.yml by `python tests/bad_input_table.py --write`;
     `make lint` fails when this file and the cases differ. -->

`site.yml` checks every host's settings in its first play, *{first_play}*,
and stops there, naming the host and the setting, before any play changes a host: one
host's bad input stops the run for all. Each row below is a case of
`tests/bad_input_cases.yml`, one mistake against the guide's whole lab (registry.me:5000
with TLS and htpasswd on docker01, nginx.me on docker03, docker01-03 clients of both, the
CA on the controller); `tests/bad_input.yml` runs `site.yml` with it on the converged lab
(the end of the Molecule scenario `default`), four cases at a time, and checks that the run failed on that
host, printed the message below, stopped in the first play (the one exception is nginx's
own syntax: it stops in the proxy's play, where the new configuration is tested with
`nginx -t` and never installed) and changed nothing, and that the lab hosts and the CA
read the same before and after all the cases. Where Ansible's argument spec refuses a
type first, the message is Ansible's own, on the host's `fatal:` line.
"""


def code_names(text):
    """Setting names (words with an underscore) as code."""
    return re.sub(r"\b([A-Za-z0-9]+(?:_[A-Za-z0-9*]+)+\*?)", r"`\1`", text)


def cell(text):
    return " ".join(str(text).split()).replace("|", "\\|")


def table(cases):
    lines = ["| Case | Setting | Message |", "|---|---|---|"]
    for case in cases:
        message = f"`{cell(case['says'])}`"
        if not case["stops_in"].startswith("Check every host's settings"):
            message += f" (in the play *{cell(case['stops_in'])}*)"
        lines.append(f"| {code_names(cell(case['name']))} | {code_names(cell(case['setting']))} | {message} |")
    return "\n".join(lines) + "\n"


def main():
    cases = yaml.safe_load(cases_file.read_text(encoding="utf-8"))["bad_input_cases"]
    missing = [case.get("name", "?") for case in cases
               if not all(key in case for key in ("name", "setting", "says", "host", "stops_in"))]
    if missing:
        sys.exit(f"{cases_file.relative_to(root)}: cases without name, setting, says, host or stops_in: {missing}")
    markdown = table(cases)
    wanted = INTRO + "\n" + f"{len(cases)} cases.\n\n" + markdown
    if "--write" in sys.argv[1:]:
        doc_file.write_text(wanted, encoding="utf-8")
    print(markdown, end="")
    if not doc_file.exists() or doc_file.read_text(encoding="utf-8") != wanted:
        print(f"{doc_file.relative_to(root)} is out of date: run `python tests/bad_input_table.py --write`",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
