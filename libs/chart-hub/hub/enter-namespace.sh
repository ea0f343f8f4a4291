#!/usr/bin/env bash
# Runs a command as a pod of the chart would see its filesystem and cluster DNS, without
# changing either for anything else on the machine: in a private mount namespace (run it under
# `unshare -m --propagation private`), ROOT/usr-local-etc is mounted over /usr/local/etc (the
# hub's files from the rendered ConfigMaps and Secret, where z2jh reads them) and ROOT/hosts
# over /etc/hosts (the Services' names on loopback addresses), and ROOT/ca-certificates.crt, when
# there, over the system's CA bundle (the stand-ins' test CA added to what the image trusts).
#   unshare -m --propagation private bash enter-namespace.sh ROOT COMMAND [ARG...]
set -euo pipefail
root="$1"
shift
if [[ "$(readlink /proc/self/ns/mnt)" == "$(readlink /proc/1/ns/mnt)" ]]; then
  echo "enter-namespace: not in a private mount namespace (run under unshare -m)" >&2
  exit 1
fi
mount --bind "$root/usr-local-etc" /usr/local/etc
mount --bind "$root/hosts" /etc/hosts
if [[ -f "$root/ca-certificates.crt" ]]; then
  mount --bind "$root/ca-certificates.crt" /etc/ssl/certs/ca-certificates.crt
fi
exec "$@"
