# shellcheck shell=bash
# Sourced by tests/ee/*.sh: build a Debian 12 image with debootstrap + docker import.
#   debian_image IMAGE PACKAGES CUSTOMIZE [CHANGE...]
# PACKAGES is debootstrap's --include list, CUSTOMIZE a function called with the root
# directory, CHANGE a `docker import --change` line. The image is built again only when
# one of these (or this file) changed: they are hashed into the label org.dockerlab.recipe.
# Debian's packages are kept in DOCKERLAB_DEBOOTSTRAP_CACHE (/var/cache/dockerlab-debootstrap);
# the root filesystem is made under TMPDIR (callers point it at a directory they remove).

debian_image() {
  local image=$1 packages=$2 customize=$3
  shift 3
  local hash current cache root old change
  local args=()
  hash=$(
    {
      printf '%s\n' "$packages" "$@"
      declare -f "$customize"
      cat "${BASH_SOURCE[0]}"
    } | sha256sum | cut -c1-16
  )
  current=$(docker image inspect --format '{{ index .Config.Labels "org.dockerlab.recipe" }}' "$image" 2>/dev/null || true)
  if [ "$current" = "$hash" ]; then
    return 0
  fi
  cache=${DOCKERLAB_DEBOOTSTRAP_CACHE:-/var/cache/dockerlab-debootstrap}/$(tr '/:' '--' <<<"$image")
  mkdir -p "$cache"
  root=$(mktemp -d "${TMPDIR:-/var/tmp}/rootfs.XXXXXX")
  if ! debootstrap --variant=minbase --cache-dir="$cache" --include="$packages" \
    bookworm "$root" "${DOCKERLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null 2>&1; then
    echo "debootstrap failed for $image; last lines of its log:" >&2
    tail -n 20 "$root/debootstrap/debootstrap.log" >&2 || true
    return 1
  fi
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
  "$customize" "$root"
  args=(--change "LABEL org.dockerlab.recipe=$hash")
  for change in "$@"; do args+=(--change "$change"); done
  old=$(docker image inspect --format '{{ .Id }}' "$image" 2>/dev/null || true)
  tar -C "$root" -c . | docker import "${args[@]}" - "$image" >/dev/null
  rm -rf "$root"
  # Drop the image this one replaces, unless something still uses it.
  [ -z "$old" ] || docker image rm "$old" >/dev/null 2>&1 || true
  echo "$image: built from Debian's packages"
}
