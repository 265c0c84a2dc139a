#!/usr/bin/env bash
# Build one lab image from Debian's packages: debootstrap, `docker import` of the root
# filesystem, then a `docker build` FROM that import with the recipe's Dockerfile
# instructions (docker import --change refuses some of them, such as STOPSIGNAL).
# Usage: build.sh RECIPE   (RECIPE is a file in this directory, e.g. registry.recipe)
# The image is rebuilt only when this script, the recipe or one of its INPUTS changed:
# they are hashed into the label org.dockerlab.recipe. Prints "unchanged" or "built"
# on the last line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
recipe="$here/$1"
[ -f "$recipe" ] || { echo "no such recipe: $recipe" >&2; exit 2; }

# A recipe sets: IMAGE, PACKAGES (comma list for debootstrap --include; empty for an
# empty root), CHANGES (array of Dockerfile instruction lines: CMD, ENTRYPOINT, ENV,
# EXPOSE, VOLUME, STOPSIGNAL, USER, WORKDIR, LABEL, RUN ...), optionally INPUTS (array of
# files or directories, relative to this directory, that customize copies from) and a
# function customize ROOT. KEEP_APT_LISTS=1 keeps apt's package lists in the image.
# RECIPE_DIR (this directory) is set for customize.
IMAGE='' PACKAGES='' CHANGES=() INPUTS=() KEEP_APT_LISTS=''
# shellcheck disable=SC2034  # read by the recipe's customize
RECIPE_DIR=$here
# shellcheck source=/dev/null
. "$recipe"
[ -n "$IMAGE" ] || { echo "$recipe sets no IMAGE" >&2; exit 2; }

hash=$(
  {
    cat "$0" "$recipe"
    # Names, modes and contents of the inputs (tar with fixed times and owners).
    if [ ${#INPUTS[@]} -gt 0 ]; then
      tar -C "$here" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - "${INPUTS[@]}"
    fi
  } | sha256sum | cut -c1-16
)
current=$(docker image inspect --format '{{ index .Config.Labels "org.dockerlab.recipe" }}' "$IMAGE" 2>/dev/null || true)
if [ "$current" = "$hash" ]; then
  echo "unchanged"
  exit 0
fi

name=$(basename "$recipe" .recipe)
suite=bookworm
mirror=${DOCKERLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${DOCKERLAB_DEBOOTSTRAP_CACHE:-/var/cache/dockerlab-debootstrap}/$name
mkdir -p "$cache"
root=$(mktemp -d /var/tmp/dockerlab-rootfs.XXXXXX)
work=$(mktemp -d /var/tmp/dockerlab-build.XXXXXX)
# The imported root filesystem, tagged only while the docker build below runs (the
# process id keeps two builds of one recipe, e.g. by two users, apart).
base="dockerlab-rootfs/$name:$hash-$$"
cleanup() {
  rm -rf "$root" "$work"
  docker image rm "$base" >/dev/null 2>&1 || true
}
trap cleanup EXIT

if [ -n "$PACKAGES" ]; then
  if ! debootstrap --variant=minbase --cache-dir="$cache" --include="$PACKAGES" \
    "$suite" "$root" "$mirror" >/dev/null 2>&1; then
    echo "debootstrap failed for $IMAGE; last lines of its log:" >&2
    tail -n 20 "$root/debootstrap/debootstrap.log" >&2 || true
    exit 1
  fi
  # Keep images small and reproducible: no apt lists (unless the recipe keeps them),
  # docs or caches.
  [ -n "$KEEP_APT_LISTS" ] || rm -rf "$root"/var/lib/apt/lists/*
  rm -rf "$root"/var/cache/apt/*.bin \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
fi
customize "$root"

tar -C "$root" -c . | docker import - "$base" >/dev/null

# The recipe's instructions, applied by Docker's legacy builder: it needs no registry
# (FROM names a local image, nothing is pulled) and no build context.
{
  echo "FROM $base"
  for change in "${CHANGES[@]}"; do echo "$change"; done
  echo "LABEL org.dockerlab.recipe=$hash"
} >"$work/Dockerfile"
old=$(docker image inspect --format '{{ .Id }}' "$IMAGE" 2>/dev/null || true)
if ! DOCKER_BUILDKIT=0 docker build --rm --force-rm -t "$IMAGE" - <"$work/Dockerfile" >"$work/build.log" 2>&1; then
  echo "docker build failed for $IMAGE; its Dockerfile and output:" >&2
  cat "$work/Dockerfile" "$work/build.log" >&2
  exit 1
fi
# Drop the image this one replaces, unless something still uses it.
[ -z "$old" ] || docker image rm "$old" >/dev/null 2>&1 || true
echo "built"
