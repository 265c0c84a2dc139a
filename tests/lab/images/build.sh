#!/usr/bin/env bash
# Build one lab image from Debian's packages: debootstrap + docker import.
# Usage: build.sh RECIPE   (RECIPE is a file in this directory, e.g. registry.recipe)
# The image is rebuilt only when the recipe or this script changed: both are hashed
# into the label org.dockerlab.recipe. Prints "unchanged" or "built" on the last line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
recipe="$here/$1"
[ -f "$recipe" ] || { echo "no such recipe: $recipe" >&2; exit 2; }

# A recipe sets: IMAGE, PACKAGES (comma list for debootstrap --include),
# CHANGES (array of docker import --change lines) and a function customize ROOT.
# shellcheck source=/dev/null
. "$recipe"

hash=$(cat "$0" "$recipe" | sha256sum | cut -c1-16)
current=$(docker image inspect --format '{{ index .Config.Labels "org.dockerlab.recipe" }}' "$IMAGE" 2>/dev/null || true)
if [ "$current" = "$hash" ]; then
  echo "unchanged"
  exit 0
fi

suite=bookworm
mirror=${DOCKERLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${DOCKERLAB_DEBOOTSTRAP_CACHE:-/var/cache/dockerlab-debootstrap}/$(basename "$recipe" .recipe)
mkdir -p "$cache"
root=$(mktemp -d /var/tmp/dockerlab-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT

if [ -n "${PACKAGES:-}" ]; then
  if ! debootstrap --variant=minbase --cache-dir="$cache" --include="$PACKAGES" \
    "$suite" "$root" "$mirror" >/dev/null 2>&1; then
    echo "debootstrap failed for $IMAGE; last lines of its log:" >&2
    tail -n 20 "$root/debootstrap/debootstrap.log" >&2 || true
    exit 1
  fi
  # Keep images small and reproducible: no apt lists, docs or caches.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
fi
customize "$root"

args=(--change "LABEL org.dockerlab.recipe=$hash")
for change in "${CHANGES[@]}"; do args+=(--change "$change"); done
old=$(docker image inspect --format '{{ .Id }}' "$IMAGE" 2>/dev/null || true)
tar -C "$root" -c . | docker import "${args[@]}" - "$IMAGE" >/dev/null
# Drop the image this one replaces, unless something still uses it.
[ -z "$old" ] || docker image rm "$old" >/dev/null 2>&1 || true
echo "built"
