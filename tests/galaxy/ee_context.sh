#!/usr/bin/env bash
# `ansible-builder create` for awx/execution-environment.yml, then check that the
# build context installs this collection, its Galaxy dependencies and its Python
# and system dependencies. (tests/ee/build.sh builds the image where quay.io and
# Galaxy cannot be reached.)
# Usage: tests/galaxy/ee_context.sh DIR
set -euo pipefail
ctx=${1:?usage: $0 DIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$ctx"
ansible-builder create -f "$top/awx/execution-environment.yml" -c "$ctx" --output-filename Containerfile >/dev/null

fail() { echo "EE build context: $*" >&2; exit 1; }
for name in dockerlab.registry community.docker community.crypto community.general; do
  grep -q "name: $name\$" "$ctx/_build/requirements.yml" || fail "$name is not in _build/requirements.yml"
done
for package in cryptography requests libpass bcrypt; do
  grep -q "^$package" "$ctx/_build/requirements.txt" || fail "$package is not in _build/requirements.txt"
done
grep -q '^gcc ' "$ctx/_build/bindep.txt" || fail "bindep.txt was not copied"
grep -q 'ansible-galaxy collection install .*-r requirements.yml' "$ctx/Containerfile" || fail "no collection install step"
grep -q 'introspect' "$ctx/Containerfile" || fail "no dependency introspection step"
echo "EE build context in $ctx: collections, Python and system dependencies in place"
