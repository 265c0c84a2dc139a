#!/bin/sh
# dockerlab hook (contract: ../../contracts.yml, nginx-entrypoint.d). Renders every
# $NGINX_ENVSUBST_TEMPLATE_DIR/**/*$NGINX_ENVSUBST_TEMPLATE_SUFFIX into
# $NGINX_ENVSUBST_OUTPUT_DIR (same relative path, suffix dropped) with envsubst,
# substituting only variables that are set in the environment, so nginx's own
# $variables survive.
set -e
dir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
out=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}

[ -d "$dir" ] || exit 0
command -v envsubst >/dev/null || { echo "$0: envsubst not found" >&2; exit 0; }

# "${A} ${B} ..." for every variable set in the environment.
vars=$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/${\1}/p' | tr '\n' ' ')

find "$dir" -type f -name "*$suffix" | sort | while read -r src; do
    rel=${src#"$dir"/}
    dst=$out/${rel%"$suffix"}
    mkdir -p "$(dirname "$dst")"
    if ! touch "$dst" 2>/dev/null; then
        echo "$0: cannot write $dst, skipping $src" >&2
        continue
    fi
    envsubst "$vars" <"$src" >"$dst"
    [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$0: rendered $src to $dst"
done
