#!/usr/bin/env bash
# Builds the small Go programs of src/test/go/ that the integration tests run, from the Go module proxy:
#   - argolua: Argo CD's Lua setup on gopher-lua, for helm/flagramp/argocd/'s health and action scripts;
#   - kstatus: cli-utils' kstatus, the library behind Flux's health checks.
# Each is cached as $FLAGRAMP_CACHE/gotools/<name>-<digest>/<name>, the digest taken over its go.mod,
# go.sum and *.go and the Go version, so it is built once per change of its sources, and two worktrees
# at different sources each keep their own. $FLAGRAMP_GOTOOLS_OUT/<name> (target/gotools by default)
# then links to the build of this checkout's sources. Idempotent; logs to stderr only.
# Usage: gotools.sh [name...]   (default: all of src/test/go/)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
SRC="$HERE/../go"
CACHE="${FLAGRAMP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flagramp}/gotools"
OUT="${FLAGRAMP_GOTOOLS_OUT:-$HERE/../../../target/gotools}"

log() { printf '[gotools] %s\n' "$*" >&2; }

digest() {
  # Sorted file names, so the digest does not depend on the shell's glob order or locale.
  { go env GOVERSION; (cd "$SRC/$1" && LC_ALL=C sha256sum go.mod go.sum $(LC_ALL=C ls ./*.go)); } \
    | sha256sum | cut -c1-16
}

build() {
  local name="$1" dir bin t0=$SECONDS
  dir="$CACHE/$name-$(digest "$name")"
  bin="$dir/$name"
  if [ ! -x "$bin" ]; then
    mkdir -p "$dir"
    log "building $name from src/test/go/$name and the Go module proxy"
    # Built beside its final name and moved there, so a concurrent build never leaves half a binary.
    (cd "$SRC/$name" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$bin.$$" .)
    mv -f "$bin.$$" "$bin"
    log "$name built in $((SECONDS - t0))s: $bin"
  fi
  mkdir -p "$OUT"
  ln -sfn "$bin" "$OUT/$name"
}

main() {
  command -v go >/dev/null || { log "go is required to build src/test/go/"; exit 1; }
  local names=("$@")
  if [ ${#names[@]} -eq 0 ]; then
    mapfile -t names < <(cd "$SRC" && LC_ALL=C ls -d */ | tr -d /)
  fi
  local name
  for name in "${names[@]}"; do
    build "$name"
  done
}

main "$@"
