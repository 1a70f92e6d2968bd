#!/usr/bin/env bash
# Provisions the real servers the integration tests run against, from the package registries only:
#   - kube-apiserver, kubectl, kube-controller-manager and kube-scheduler, built from k8s.io/kubernetes on
#     the Go module proxy;
#   - kwok and the stage configs it plays, from sigs.k8s.io/kwok on the Go module proxy;
#   - etcd, built from go.etcd.io/etcd/server/v3 on the Go module proxy (Debian's etcd-server as a fallback);
#   - Prometheus and promtool from Debian's packages;
#   - tmux from Debian's packages: the terminal KubectlPluginIT runs `kubectl flagramp status --watch` in;
#   - the test programs of src/test/go/ (gotools.sh), from the Go module proxy.
# Idempotent: the binaries are cached outside the repo and a second run only checks them.
# Prints the KUBE_API_TEST_DIR to use on its last line of stdout.
# (No pipeline here ends early, e.g. with head or awk's exit: under pipefail the writer's SIGPIPE
# would fail the script at random.)
set -euo pipefail

K8S_VERSION="${FLAGRAMP_K8S_VERSION:-1.34.4}"
CACHE="${FLAGRAMP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flagramp}"
KUBE_DIR="$CACHE/kube-api-test"
KWOK_VERSION="${FLAGRAMP_KWOK_VERSION:-0.8.0}"
KWOK_DIR="$CACHE/kwok/$KWOK_VERSION"
BIN_DIR="$KUBE_DIR/k8s/${K8S_VERSION}-linux-amd64"
WORK="$CACHE/build"

log() { printf '[testbed] %s\n' "$*" >&2; }

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The etcd version a Kubernetes release pins: read it from k8s.io/kubernetes' own go.mod.
etcd_version_for() {
  curl -fsS "$(go env GOPROXY | cut -d, -f1)/k8s.io/kubernetes/@v/v$1.mod" \
    | awk '$1 == "go.etcd.io/etcd/server/v3" && !found { print $2; found = 1 }'
}

go_ldflags() {
  local v="v$K8S_VERSION" major minor
  major="${K8S_VERSION%%.*}"; minor="${K8S_VERSION#*.}"; minor="${minor%%.*}"
  local flags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  printf '%s' "$flags"
}

# Every binary built from k8s.io/kubernetes. They share most of their packages, so one go build compiles
# the shared ones once; adding one here costs only what is its own.
K8S_BINARIES=(kube-apiserver kubectl kube-controller-manager kube-scheduler)

# The packages of the Kubernetes binaries not yet in the cache, one a line.
missing_kubernetes_packages() {
  local b
  for b in "${K8S_BINARIES[@]}"; do
    [ -x "$BIN_DIR/$b" ] || echo "k8s.io/kubernetes/cmd/$b"
  done
}

build_kubernetes() {
  local mod="$WORK/k8s-$K8S_VERSION" packages
  mapfile -t packages < <(missing_kubernetes_packages)
  # go install pkg@version refuses k8s.io/kubernetes because its go.mod replaces the staging modules
  # with local paths; a throw-away wrapper module requires it and points each staging module at its
  # published v0.x.y instead.
  mkdir -p "$mod"
  local staging="0.${K8S_VERSION#*.}"
  {
    echo "module flagramp.io/testbed/k8s"
    echo
    echo "go 1.24.0"
    echo
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    echo
    echo "replace ("
    curl -fsS "$(go env GOPROXY | cut -d, -f1)/k8s.io/kubernetes/@v/v$K8S_VERSION.mod" \
      | awk -v s="v$staging" '$2 == "=>" && $3 ~ /^\.\/staging\// { printf "\t%s => %s %s\n", $1, $1, s }'
    echo ")"
  } > "$mod/go.mod"
  log "building ${packages[*]##*/} v$K8S_VERSION from the Go module proxy (takes a while)"
  (cd "$mod" && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "$(go_ldflags)" -o "$BIN_DIR/" "${packages[@]}")
}

build_etcd() {
  local ev; ev="$(etcd_version_for "$K8S_VERSION")"
  [ -n "$ev" ] || { log "could not read the etcd version pinned by k8s.io/kubernetes v$K8S_VERSION"; return 1; }
  local mod="$WORK/etcd-$ev"
  mkdir -p "$mod"
  # etcd's server module also carries replace directives, so it gets the same wrapper treatment.
  printf 'module flagramp.io/testbed/etcd\n\ngo 1.23.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ev" > "$mod/go.mod"
  log "building etcd $ev (pinned by Kubernetes v$K8S_VERSION) from the Go module proxy"
  (cd "$mod" && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w" -o "$BIN_DIR/etcd" go.etcd.io/etcd/server/v3)
}

# kwok's own stage configs, from its module at the version of the binary, so the two always agree: a node
# that turns Ready and keeps heart-beating, pods that turn Running and Ready, finish when a Job owns them,
# and go away when deleted.
KWOK_STAGES=(node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml
  pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml)

build_kwok() {
  # kwok's go.mod has no replace directives, so go install pkg@version builds it as published.
  log "building kwok v$KWOK_VERSION from the Go module proxy"
  GOBIN="$KWOK_DIR" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
}

missing_kwok_stages() {
  local stage
  for stage in "${KWOK_STAGES[@]}"; do
    [ -f "$KWOK_DIR/stages/${stage##*/}" ] || echo "$stage"
  done
}

copy_kwok_stages() {
  local source stage
  # Outside any module, go mod download fetches the module into the module cache and says where it is.
  source="$(cd "$WORK" && go mod download -json "sigs.k8s.io/kwok@v$KWOK_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$source/kustomize/stage" ] || { log "no kustomize/stage in sigs.k8s.io/kwok@v$KWOK_VERSION ($source)"; return 1; }
  mkdir -p "$KWOK_DIR/stages"
  for stage in "${KWOK_STAGES[@]}"; do
    install -m 0644 "$source/kustomize/stage/$stage" "$KWOK_DIR/stages/${stage##*/}"
  done
  log "kwok stages copied from $source/kustomize/stage to $KWOK_DIR/stages"
}

etcd_from_debian() {
  log "FALLBACK: building etcd from the Go module proxy failed; using Debian's etcd-server instead"
  command -v etcd >/dev/null || { sudo_if_needed apt-get update -qq && sudo_if_needed apt-get install -y -qq etcd-server >/dev/null; }
  ln -sf "$(command -v etcd)" "$BIN_DIR/etcd"
}

install_prometheus() {
  if command -v prometheus >/dev/null && command -v promtool >/dev/null; then return; fi
  log "installing prometheus from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  sudo_if_needed apt-get update -qq
  sudo_if_needed apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # The package starts a system service on :9090; the tests start their own on a free port.
  if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
    sudo_if_needed systemctl stop prometheus || true
  fi
}

main() {
  command -v go >/dev/null || { log "go is required to build the Kubernetes binaries"; exit 1; }
  mkdir -p "$BIN_DIR" "$WORK"
  export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
  if [ -n "$(missing_kubernetes_packages)" ]; then
    local t0=$SECONDS; build_kubernetes; log "Kubernetes binaries built in $((SECONDS - t0))s"
  fi
  if [ ! -x "$BIN_DIR/etcd" ]; then
    local t0=$SECONDS; build_etcd || etcd_from_debian; log "etcd ready in $((SECONDS - t0))s"
  fi
  if [ ! -x "$KWOK_DIR/kwok" ]; then
    local t0=$SECONDS; build_kwok; log "kwok built in $((SECONDS - t0))s"
  fi
  [ -z "$(missing_kwok_stages)" ] || copy_kwok_stages
  install_prometheus
  command -v tmux >/dev/null || { sudo_if_needed apt-get update -qq \
    && sudo_if_needed apt-get install -y -qq --no-install-recommends tmux >/dev/null; }
  # The Go programs the tests run beside the servers (Argo CD's Lua, kstatus): cached the same way.
  "$(dirname "$0")/gotools.sh"
  local b
  for b in kube-apiserver kube-controller-manager kube-scheduler; do
    printf '%s: %s\n' "$b" "$("$BIN_DIR/$b" --version)" >&2
  done
  "$KWOK_DIR/kwok" --version >&2
  "$BIN_DIR/etcd" --version 2>&1 | sed -n 1p >&2
  prometheus --version 2>&1 | sed -n 1p >&2
  echo "$KUBE_DIR"
}

main "$@"
