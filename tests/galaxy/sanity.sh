#!/usr/bin/env bash
# ansible-test sanity on an installed copy of the collection (from install.sh).
# Usage: tests/galaxy/sanity.sh COLLECTIONS_DIR
set -euo pipefail
tree=${1:?usage: $0 COLLECTIONS_DIR}/ansible_collections/dockerlab/registry
here=$(cd "$(dirname "$0")" && pwd)

# ansible-test bootstraps pip in its sanity virtualenvs with a get-pip script from
# ci-files.testing.ansible.com, which this machine cannot reach: put an offline one
# (ensurepip, then pip from the configured index) where ansible-test caches it.
at=$(python3 -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',.*/\1/p" "$at/_internal/python_requirements.py")
: "${pip_version:?cannot find the pip version ansible-test bootstraps}"
mkdir -p ~/.ansible/test/cache
cp "$here/get_pip_offline.py" ~/.ansible/test/cache/get_pip_${pip_version//./_}.py

cd "$tree"
ansible-test sanity --python "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --color no
