#!/usr/bin/env bash
# Build the AWX execution environment image with `ansible-builder build` from the users'
# definition, awx/execution-environment.yml, on a machine that reaches neither quay.io
# nor Galaxy, and whose containers cannot reach PyPI. tests/ee/derive.py writes a
# derived definition that changes only that: the base image, the collections as
# artifacts installed --offline, pip with no index but wheels downloaded here.
# Usage: tests/ee/build.sh [TARBALL]
#   TARBALL  this collection's Galaxy tarball; default: .build/dist/dockerlab-registry-*.tar.gz
#            (`make package` makes it), else one built now by tests/galaxy/install.sh into a
#            temporary directory
# Environment:
#   DOCKERLAB_EE_IMAGE       the image to build (dockerlab/ee:latest)
#   DOCKERLAB_EE_BASE_IMAGE  the base image, already on this engine (e.g. quay.io/centos/centos:stream9
#                            where it can be pulled); default: dockerlab/ee-base:latest, Debian 12
#                            built here from Debian's packages (debootstrap + docker import)
#   DOCKERLAB_EE_CACHE       wheels, collection artifacts, the last derived definition, build
#                            context and log (/var/cache/dockerlab-ee)
#   DOCKERLAB_DEBIAN_MIRROR, DOCKERLAB_DEBOOTSTRAP_CACHE  Debian's mirror and debootstrap's cache
# The image is built again only when one of its inputs changed (the definition, the
# collection's content, the requirements, the wheels, the base image, these scripts): they
# are hashed into the label org.dockerlab.ee.inputs. Prints "unchanged" or "built" last.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/ee
export PATH=$top/.venv/bin:$PATH
image=${DOCKERLAB_EE_IMAGE:-dockerlab/ee:latest}
base=${DOCKERLAB_EE_BASE_IMAGE:-dockerlab/ee-base:latest}
cache=${DOCKERLAB_EE_CACHE:-/var/cache/dockerlab-ee}
# Wheels for glibc 2.34 and older ones: CentOS Stream 9 has 2.34, Debian 12 2.36. pip does
# not widen an explicit --platform manylinux_2_34 to older tags: name them all.
arch=$(uname -m)
platforms=()
for minor in $(seq 34 -1 5); do platforms+=(--platform "manylinux_2_${minor}_$arch"); done
platforms+=(--platform "manylinux2014_$arch" --platform "manylinux2010_$arch" --platform "manylinux1_$arch")
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
tmp=$(mktemp -d /var/tmp/dockerlab-ee.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp

# The base image.
debian=()
if [ -z "${DOCKERLAB_EE_BASE_IMAGE:-}" ]; then
  # Debian 12: Python 3.11 with pip (ensurepip is disabled in Debian: options.skip_pip_install)
  # and venv (ansible-builder's assemble makes one); ssh, ssh-agent and ssh-add for
  # ansible-runner; apt-dnf answers ansible-builder's dnf-style calls (`install -y PKGS`,
  # `clean all`) with apt-get (options.package_manager_path), and needs no network for
  # packages already installed, such as the definition's python3.11.
  ee_base_root() {
    mkdir -p "$1/usr/local/sbin"
    cat >"$1/usr/local/sbin/apt-dnf" <<'SH'
#!/bin/sh
# dnf's `install [-y] [OPTIONS] PACKAGES` and `clean all`, for ansible-builder's scripts.
set -eu
command=${1:-}
[ $# -eq 0 ] || shift
case $command in
  install)
    missing=
    for arg in "$@"; do
      case $arg in
        -*) ;;
        *) dpkg-query -W -f '${Status}\n' "$arg" 2>/dev/null | grep -q ' installed$' || missing="$missing $arg" ;;
      esac
    done
    [ -n "$missing" ] || exit 0
    apt-get update -q
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
    ;;
  clean)
    apt-get clean
    rm -rf /var/lib/apt/lists/*
    ;;
  *)
    echo "apt-dnf: $command: not supported" >&2
    exit 2
    ;;
esac
SH
    chmod 0755 "$1/usr/local/sbin/apt-dnf"
  }
  # shellcheck source=tests/ee/debian_image.sh
  . "$here/debian_image.sh"
  debian_image "$base" python3,python3-pip,python3-venv,openssh-client,ca-certificates \
    ee_base_root 'ENV LANG=C.UTF-8' 'CMD ["bash"]'
  debian=(--debian)
fi
if ! base_id=$(docker image inspect --format '{{ .Id }}' "$base" 2>/dev/null); then
  echo "The base image $base is not on this engine: pull it first" >&2
  exit 1
fi

# This collection's Galaxy tarball.
tarball=${1:-}
if [ -z "$tarball" ]; then
  built=("$top"/.build/dist/dockerlab-registry-*.tar.gz)
  [ ! -f "${built[-1]}" ] || tarball=${built[-1]}
fi
if [ -z "$tarball" ]; then
  "$top/tests/galaxy/install.sh" "$tmp/galaxy" >/dev/null
  tarball=$(ls "$tmp"/galaxy/dist/dockerlab-registry-*.tar.gz)
fi

# The derived definition, and the keys of the wheel set and of the image.
derived=$cache/derived
rm -rf "$derived"
ansible-builder --version >"$tmp/builder-version"
keys=$(python "$here/derive.py" --definition "$top/awx/execution-environment.yml" \
  --tarball "$tarball" --base-image "$base" --base-image-id "$base_id" "${debian[@]}" \
  --cache "$cache" --platform="${platforms[*]}" --out "$derived" \
  --extra-input "$here/build.sh" --extra-input "$here/derive.py" --extra-input "$here/debian_image.sh" \
  --extra-input "$tmp/builder-version")
read -r python_version wheels_key inputs_key <<<"$keys"
current=$(docker image inspect --format '{{ index .Config.Labels "org.dockerlab.ee.inputs" }}' "$image" 2>/dev/null || true)
if [ "$current" = "$inputs_key" ]; then
  echo "unchanged"
  exit 0
fi

# The wheels of what the image pip-installs, resolved once per set of requirements.
wheels=$cache/wheels/$wheels_key
if [ ! -f "$wheels/.complete" ]; then
  rm -rf "$wheels.partial"
  # -qq: errors only (this machine's pip configuration names local indexes that warn).
  pip download -qq --disable-pip-version-check --dest "$wheels.partial" \
    --only-binary=:all: "${platforms[@]}" --python-version "$python_version" \
    --implementation cp --cache-dir "$cache/pip" \
    -r "$derived/pip-seeds.txt" -r "$derived/python-requirements.txt"
  cat "$derived/pip-seeds.txt" "$derived/python-requirements.txt" >"$wheels.partial/.requirements.txt"
  touch "$wheels.partial/.complete"
  rm -rf "$wheels"
  mv "$wheels.partial" "$wheels"
  # Only the current set stays (pip's cache keeps the files for the next resolution).
  find "$cache/wheels" -mindepth 1 -maxdepth 1 ! -name "$wheels_key" -exec rm -rf {} +
fi

# The image. Docker's legacy builder: this engine has no buildx, and it needs no registry.
context=$cache/context
rm -rf "$context"
old=$(docker image inspect --format '{{ .Id }}' "$image" 2>/dev/null || true)
if ! DOCKER_BUILDKIT=0 ansible-builder build --container-runtime docker \
  -f "$derived/execution-environment.yml" -c "$context" -t "$image" \
  --extra-build-cli-args "--force-rm --label org.dockerlab.ee.inputs=$inputs_key" -v 3 >"$cache/build.log" 2>&1; then
  echo "ansible-builder build failed; the last lines of $cache/build.log:" >&2
  tail -n 40 "$cache/build.log" >&2
  exit 1
fi
new=$(docker image inspect --format '{{ .Id }}' "$image")
# Drop the image this one replaces, unless something still uses it, and the last images
# of the build's other stages (galaxy, builder), which a change of input rebuilds anyway:
# with the Debian base they carry its label, so nobody else's images are touched.
if [ -n "$old" ] && [ "$old" != "$new" ]; then
  docker image rm "$old" >/dev/null 2>&1 || true
fi
if [ ${#debian[@]} -gt 0 ]; then
  recipe=$(docker image inspect --format '{{ index .Config.Labels "org.dockerlab.recipe" }}' "$base")
  docker image prune -f --filter "label=org.dockerlab.recipe=$recipe" >/dev/null
fi

# What AWX relies on: the collections (this one from its tarball), ansible-core 2.19,
# ansible-runner, and the Python the collection needs on the controller.
check=$(docker run --rm "$image" bash -ec '
  ansible-galaxy collection list --format json
  ansible-playbook --version | head -n 1
  ansible-runner --version
  python3 -c "import cryptography, requests, passlib, bcrypt; print(\"imports ok\")"')
for want in '"dockerlab.registry"' '"community.docker"' '"community.crypto"' '"community.general"' \
  'core 2.19.' 'imports ok'; do
  grep -qF -- "$want" <<<"$check" || { echo "$image lacks $want:" >&2; echo "$check" >&2; exit 1; }
done
echo "$image: $(docker image inspect --format '{{ .Size }}' "$image" | awk '{ printf "%d MB", $1 / 1e6 }')"
echo "built"
