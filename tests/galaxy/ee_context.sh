#!/usr/bin/env bash
# `ansible-builder create` for awx/execution-environment.yml, then check that the
# build context installs this collection, its Galaxy dependencies and its Python
# and system dependencies. The definition names this collection only: the others
# come with it, as galaxy.yml's dependencies, so the context must name no other and
# its install step must resolve dependencies. (tests/ee/build.sh builds the image
# where quay.io and Galaxy cannot be reached, and lists the collections in it.)
# Usage: tests/galaxy/ee_context.sh DIR
set -euo pipefail
ctx=${1:?usage: $0 DIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$ctx"
ansible-builder create -f "$top/awx/execution-environment.yml" -c "$ctx" --output-filename Containerfile >/dev/null

fail() { echo "EE build context: $*" >&2; exit 1; }
grep -q "name: dockerlab.registry\$" "$ctx/_build/requirements.yml" || fail "dockerlab.registry is not in _build/requirements.yml"
others=$(grep 'name: ' "$ctx/_build/requirements.yml" | grep -v 'name: dockerlab.registry$' || true)
[ -z "$others" ] || fail "_build/requirements.yml names more than dockerlab.registry (galaxy.yml's dependencies come with it):
$others"
for package in cryptography requests libpass bcrypt; do
  grep -q "^$package" "$ctx/_build/requirements.txt" || fail "$package is not in _build/requirements.txt"
done
grep -q '^gcc ' "$ctx/_build/bindep.txt" || fail "bindep.txt was not copied"
grep -q 'ansible-galaxy collection install .*-r requirements.yml' "$ctx/Containerfile" || fail "no collection install step"
if grep -e ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -e 'ansible-galaxy collection install' "$ctx/Containerfile" |
  grep -qE '[ "=](--no-deps|-n)([ "]|$)'; then
  fail "the collection install step leaves out dependencies (--no-deps)"
fi
grep -q 'introspect' "$ctx/Containerfile" || fail "no dependency introspection step"
echo "EE build context in $ctx: the collection (its dependencies with it), Python and system dependencies in place"
