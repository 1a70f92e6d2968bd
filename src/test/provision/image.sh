#!/usr/bin/env bash
# Builds the base of the operator's container image from Debian's packages only, with no container
# registry: mmdebstrap makes a minimal bookworm root file system holding openjdk-17-jre-headless and
# a non-root user, and this script wraps it as a one-layer image archive in the `docker save` layout
# (manifest.json, config, layer), which is what Jib reads from a tar:// base image.
#
# Idempotent: the result is cached under $FLAGRAMP_CACHE/image/, keyed by everything that decides
# its content (suite, mirrors, packages, options, user), so a rerun only checks the cache. The key is
# not the day's archive state: to pick up new Debian security updates, delete the cached directory.
# Prints the path of the base image archive on its last line of stdout; the Maven profile `image`
# runs it and points Jib at $FLAGRAMP_CACHE/image/base-image.tar, a link to the current key's archive.
set -euo pipefail

CACHE="${FLAGRAMP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flagramp}"
IMAGE_DIR="$CACHE/image"
SUITE=bookworm
MIRROR="${FLAGRAMP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${FLAGRAMP_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
PACKAGES=openjdk-17-jre-headless
# The operator's user. The pom's flagramp.image.uid passes it in; 65532 is the uid distroless images
# use for "nonroot", so pod security settings written for those (runAsUser: 65532) fit this image too.
APP_UID="${FLAGRAMP_IMAGE_UID:-65532}"
APP_USER=flagramp
# Bump when the wrapping below changes in a way the key would not otherwise see.
FORMAT=1

log() { printf '[image] %s\n' "$*" >&2; }

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_mmdebstrap() {
  command -v mmdebstrap >/dev/null && return
  log "installing mmdebstrap from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  sudo_if_needed apt-get update -qq
  sudo_if_needed apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
}

sources() {
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" "$MIRROR" "$SUITE-updates" "$SECURITY_MIRROR" "$SUITE-security"
}

# Everything mmdebstrap is told, one argument a line; the cache key is their hash.
mmdebstrap_args() {
  local a=(
    --variant=essential
    # Merged /usr as debootstrap sets it up; otherwise the usrmerge package converts the tree and drags
    # in the whole of perl (about 46 MiB) to do it.
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
    "--include=$PACKAGES"
    # Nothing in the image reads documentation, manual pages or translations.
    --dpkgopt='path-exclude=/usr/share/doc/*'
    --dpkgopt='path-include=/usr/share/doc/*/copyright'
    --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-exclude=/usr/share/info/*'
    --dpkgopt='path-exclude=/usr/share/locale/*'
    --dpkgopt='path-include=/usr/share/locale/locale.alias'
    --dpkgopt='path-exclude=/usr/share/lintian/*'
    # openjdk's postinst registers java.1.gz as an alternative and fails if the man1 directory is missing.
    "--essential-hook=mkdir -p \"\$1/usr/share/man/man1\""
    # The container runtime provides /dev; device nodes in a layer only get in the way of unpacking it.
    --skip=output/dev
    "--customize-hook=echo '$APP_USER:x:$APP_UID:$APP_UID:flagramp operator:/nonexistent:/usr/sbin/nologin' >> \"\$1/etc/passwd\""
    "--customize-hook=echo '$APP_USER:x:$APP_UID:' >> \"\$1/etc/group\""
    # Left behind by maintainer scripts; not needed at run time.
    "--customize-hook=rm -f \"\$1\"/var/cache/debconf/*-old \"\$1\"/var/lib/dpkg/*-old"
  )
  printf '%s\n' "${a[@]}"
}

cache_key() {
  { echo "format $FORMAT"; sources; mmdebstrap_args; } | sha256sum | cut -c1-16
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# Wraps a root file system tarball as a one-layer image in the `docker save` layout.
wrap_as_image() {
  local rootfs="$1" out="$2" key="$3" work="$4"
  local arch; arch="$(dpkg --print-architecture)"
  local diff_id; diff_id="$(sha256_of "$rootfs")"
  mkdir -p "$work/layer"
  # -n: no name or time stamp in the gzip header, so the same rootfs gives the same digest.
  gzip -n -c "$rootfs" > "$work/layer/layer.tar.gz"
  local created; created="$(date -u -d "@${SOURCE_DATE_EPOCH:-0}" +%Y-%m-%dT%H:%M:%SZ)"
  printf '%s' \
    "{\"architecture\":\"$arch\",\"os\":\"linux\",\"created\":\"$created\"," \
    "\"config\":{\"User\":\"$APP_UID:$APP_UID\"," \
    "\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"WorkingDir\":\"/\"}," \
    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$diff_id\"]}," \
    "\"history\":[{\"created\":\"$created\",\"created_by\":\"mmdebstrap $SUITE $PACKAGES (flagramp image.sh, key $key)\"}]}" \
    > "$work/config.json"
  local config; config="$(sha256_of "$work/config.json").json"
  mv "$work/config.json" "$work/$config"
  printf '[{"Config":"%s","RepoTags":["flagramp/base:%s-%s"],"Layers":["layer/layer.tar.gz"]}]' \
    "$config" "$SUITE" "$key" > "$work/manifest.json"
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name -C "$work" \
    -cf "$out" manifest.json "$config" layer/layer.tar.gz
}

build() {
  local key="$1" dir="$2"
  local tmp="$dir.partial"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  trap "rm -rf '$tmp'" EXIT
  local -a args
  mapfile -t args < <(mmdebstrap_args)
  log "building a $SUITE root file system with $PACKAGES with mmdebstrap (key $key)"
  local t0=$SECONDS
  sources | mmdebstrap "${args[@]}" "$SUITE" "$tmp/rootfs.tar" -
  # --skip=output/dev leaves out ./dev altogether; put back the empty directory runtimes mount over.
  mkdir -p "$tmp/empty/dev"
  tar --owner=0 --group=0 --numeric-owner --mtime="@${SOURCE_DATE_EPOCH:-0}" -C "$tmp/empty" -rf "$tmp/rootfs.tar" ./dev
  rm -rf "$tmp/empty"
  log "root file system built in $((SECONDS - t0))s: $(du -m "$tmp/rootfs.tar" | cut -f1) MiB"
  wrap_as_image "$tmp/rootfs.tar" "$tmp/base-image.tar" "$key" "$tmp/wrap"
  rm -rf "$tmp/wrap" "$dir"
  mv "$tmp" "$dir"
  trap - EXIT
  log "base image archive written in $((SECONDS - t0))s: $(du -m "$dir/base-image.tar" | cut -f1) MiB"
}

main() {
  local key; key="$(cache_key)"
  local dir="$IMAGE_DIR/$SUITE-$key"
  if [ ! -f "$dir/base-image.tar" ]; then
    install_mmdebstrap
    build "$key" "$dir"
  fi
  # A relative link, so the cache directory can move.
  ln -sfn "$SUITE-$key/base-image.tar" "$IMAGE_DIR/base-image.tar"
  # Bases built with other settings are not used any more.
  local other
  for other in "$IMAGE_DIR/$SUITE"-*; do
    [ "$other" = "$dir" ] || rm -rf "$other"
  done
  echo "$IMAGE_DIR/base-image.tar"
}

main "$@"
