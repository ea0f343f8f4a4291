#!/bin/sh
# The official node image's entrypoint contract: a first argument that is an option, or not a
# command on PATH, is run by node; anything else is run as given. exec keeps it PID 1.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
