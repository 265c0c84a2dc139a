#!/bin/sh
# dockerlab's own /docker-entrypoint.sh for the nginx:latest stand-in. It implements
# the official image's entrypoint contract (see ../contracts.yml, source nginx-entrypoint):
# for `nginx` or `nginx-debug`, the hooks in /docker-entrypoint.d/ run first, in name
# order (executable *.sh are run, *.envsh are sourced so their exports reach nginx);
# then the command is exec'ed. NGINX_ENTRYPOINT_QUIET_LOGS (non-empty) silences our notes.
set -e

note() {
    [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$0: $*"
}

case "${1:-}" in
nginx | nginx-debug)
    for hook in /docker-entrypoint.d/*; do
        [ -f "$hook" ] || continue
        case "$hook" in
        *.envsh)
            if [ -x "$hook" ]; then
                note "sourcing $hook"
                # shellcheck disable=SC1090
                . "$hook"
            else
                note "skipping $hook (not executable)"
            fi
            ;;
        *.sh)
            if [ -x "$hook" ]; then
                note "running $hook"
                "$hook"
            else
                note "skipping $hook (not executable)"
            fi
            ;;
        *) note "ignoring $hook" ;;
        esac
    done
    note "hooks done, starting nginx"
    ;;
esac

exec "$@"
