#!/bin/sh
# dockerlab's own /entrypoint.sh for the registry:2 stand-in. It implements the
# official image's entrypoint contract (see ../contracts.yml, source registry-entrypoint):
# a config file (*.yml, *.yaml) is served, registry subcommands and flags go to
# `registry`, anything else is exec'ed as is.
set -e

case "${1:-}" in
*.yml | *.yaml) exec registry serve "$@" ;;
serve | garbage-collect | help | -*) exec registry "$@" ;;
esac
exec "$@"
