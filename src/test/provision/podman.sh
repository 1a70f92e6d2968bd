#!/usr/bin/env bash
# Installs what the container image test (src/test/java/io/flagramp/image) runs the image with: podman and
# runc from Debian's packages. Idempotent: a second run only checks. The settings this machine needs are
# in src/test/podman/containers.conf, which the test passes through CONTAINERS_CONF; its image storage is
# its own, under target/, so nothing is pulled and nothing is left in the system's storage. Its runtime
# state (--runroot, --tmpdir) is in a private directory the test makes under $XDG_RUNTIME_DIR or /tmp and
# deletes: podman refuses a runroot longer than 50 characters, which target/ of a deep checkout is.
set -euo pipefail

log() { printf '[podman] %s\n' "$*" >&2; }

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# runc explicitly: Debian's podman takes crun or runc, and crun is reported to refuse this kind of machine's
# cgroups; src/test/podman/containers.conf selects runc.
if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  log "installing podman and runc from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  sudo_if_needed apt-get update -qq
  sudo_if_needed apt-get install -y -qq --no-install-recommends podman runc >/dev/null
fi
podman --version >&2
