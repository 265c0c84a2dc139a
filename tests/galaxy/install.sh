#!/usr/bin/env bash
# Build the collection tarball, check what goes into it, and install it into an
# empty collections path: DIR/dist/*.tar.gz and DIR/collections/ansible_collections/...
# Usage: tests/galaxy/install.sh DIR
set -euo pipefail
dir=${1:?usage: $0 DIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$dir"
mkdir -p "$dir/dist" "$dir/collections"
dir=$(cd "$dir" && pwd)

(cd "$top" && ansible-galaxy collection build --output-path "$dir/dist" >/dev/null)
tarball=$(ls "$dir"/dist/dockerlab-registry-*.tar.gz)
listing=$(tar -tzf "$tarball")

# Nothing of the tests, the lab or the developer's machine goes to Galaxy.
leaked=$(grep -E '^(tests|molecule|bench|inventory|\.ci|\.config|\.venv|\.collections|\.git|\.ansible|\.build)/|^(Makefile|site\.yml|ansible\.cfg|requirements-dev\.txt)$|\.tar\.gz$' <<<"$listing" || true)
if [ -n "$leaked" ]; then
  echo "The tarball holds files that are not the collection's:" >&2
  echo "$leaked" >&2
  exit 1
fi
# ... and everything a user runs is in it.
for wanted in MANIFEST.json FILES.json README.md LICENSE CHANGELOG.rst meta/runtime.yml \
  meta/execution-environment.yml requirements.txt bindep.txt playbooks/site.yml playbooks/gc.yml \
  playbooks/delete_images.yml; do
  grep -qx "$wanted" <<<"$listing" || { echo "The tarball lacks $wanted" >&2; exit 1; }
done
for role in "$top"/roles/*/; do
  role=$(basename "$role")
  for wanted in tasks/main.yml meta/main.yml meta/argument_specs.yml; do
    grep -qx "roles/$role/$wanted" <<<"$listing" || { echo "The tarball lacks roles/$role/$wanted" >&2; exit 1; }
  done
done

# Into an empty path; the dependencies (community.*) come from the `ansible` package.
ANSIBLE_COLLECTIONS_PATH="$dir/collections" \
  ansible-galaxy collection install --offline -p "$dir/collections" "$tarball" >/dev/null
test -f "$dir/collections/ansible_collections/dockerlab/registry/MANIFEST.json"
echo "$(basename "$tarball"): $(wc -l <<<"$listing") entries, installed in $dir/collections"
