#!/usr/bin/env bash
# Builds the small Go programs of src/test/go/ that the integration tests run, from the Go module proxy:
#   - argolua: Argo CD's Lua setup on gopher-lua, for helm/flagramp/argocd/'s health and action scripts;
#   - kstatus: cli-utils' kstatus, the library behind Flux's health checks;
#   - fluxcel: cel-go set up as Flux's kustomize-controller sets it up, for the README's healthCheckExprs;
#   - promlabelproxy: prom-label-proxy itself, unchanged, for the tenant-scoped queries' test.
# A dir with *.go builds its own main package; one with none builds the single `tool` its go.mod names
# (Go 1.24's tool directive), i.e. an upstream command exactly as released, with no code of ours.
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
  { go env GOVERSION; (cd "$SRC/$1" && LC_ALL=C sha256sum go.mod go.sum $(go_files)); } \
    | sha256sum | cut -c1-16
}

# The *.go of the current dir, sorted; none for a dir that only names a tool.
go_files() {
  local f
  for f in ./*.go; do
    if [ -e "$f" ]; then printf '%s\n' "$f"; fi
  done | LC_ALL=C sort
}

# What go build builds in the current dir: its main package, or the tool of its go.mod.
build_target() {
  if [ -n "$(go_files)" ]; then echo .; else echo tool; fi
}

build() {
  local name="$1" dir bin t0=$SECONDS
  dir="$CACHE/$name-$(digest "$name")"
  bin="$dir/$name"
  if [ ! -x "$bin" ]; then
    mkdir -p "$dir"
    log "building $name from src/test/go/$name and the Go module proxy"
    # Built beside its final name and moved there, so a concurrent build never leaves half a binary.
    (cd "$SRC/$name" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$bin.$$" "$(build_target)")
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
