#!/usr/bin/env bash
# image.sh builds the histocount container image from ./Dockerfile with
# buildah (no Docker daemon needed) and tags it histocount:latest and
# histocount:<git short sha>. `make image` runs it.
#
# By default the bases are local images made by scripts/base-image.sh
# (debootstrap; no registry needed). On a machine that can pull from a
# registry, use the official bases instead:
#
#   GO_BASE=docker.io/library/golang:1.26-bookworm \
#   RUNTIME_BASE=docker.io/library/debian:bookworm-slim bash scripts/image.sh
#
# Environment:
#   PKG            command to build (default ./cmd/histocount)
#   GOMODULES      where the build gets Go modules:
#                  host  (default with the local bases) `go mod download` on
#                        this machine, then the module cache is mounted into
#                        the build as a file:// GOPROXY. Needed here: the build
#                        sandbox does not trust this network's TLS proxy.
#                  proxy (default with GO_BASE/RUNTIME_BASE) the build fetches
#                        them itself from $GOPROXY (Go's default if unset).
#   IMAGE_NAME     image name (default histocount)
#   IMAGE_ARCHIVE  if set, also write the image there as a docker-archive
#                  (for `docker load`, `podman load`, `apptainer build x.sif
#                  docker-archive:FILE`)
# Needs root (buildah with vfs storage and chroot isolation); installs buildah
# and debootstrap from Debian if they are missing.
set -euo pipefail

cd "$(dirname "$0")/.."
IMAGE_NAME=${IMAGE_NAME:-histocount}
PKG=${PKG:-./cmd/histocount}
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}

log() { printf '[image] %s\n' "$*" >&2; }

start=$(date +%s)
if [ -z "${GO_BASE:-}" ] && [ -z "${RUNTIME_BASE:-}" ]; then
	bash scripts/base-image.sh
	default_modules=host
	GO_BASE=localhost/bookworm-go
	RUNTIME_BASE=localhost/bookworm-base
elif [ -z "${GO_BASE:-}" ] || [ -z "${RUNTIME_BASE:-}" ]; then
	log "set both GO_BASE and RUNTIME_BASE, or neither"
	exit 2
else
	default_modules=proxy
	command -v buildah >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah >/dev/null; }
fi
base_done=$(date +%s)

mod_args=()
if [ "${GOMODULES:-$default_modules}" = host ]; then
	go mod download
	modcache=$(go env GOMODCACHE)
	mod_args=(--volume "$modcache/cache/download:/goproxy:ro"
		--build-arg GOPROXY=file:///goproxy --build-arg GOSUMDB=off)
	log "Go modules from this machine's cache ($modcache), checked against go.sum"
elif [ -n "${GOPROXY:-}" ]; then
	mod_args=(--build-arg GOPROXY="$GOPROXY")
fi

# Read-only git queries; outside a checkout the image is still built.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
	commit="$commit-dirty"
fi
short=${commit%%-*}

log "building $IMAGE_NAME ($PKG, version $version, commit $commit) on $GO_BASE / $RUNTIME_BASE"
buildah bud --layers \
	--build-arg GO_BASE="$GO_BASE" \
	--build-arg RUNTIME_BASE="$RUNTIME_BASE" \
	--build-arg VERSION="$version" \
	--build-arg COMMIT="$commit" \
	--build-arg PKG="$PKG" \
	"${mod_args[@]}" \
	-t "$IMAGE_NAME:latest" -t "$IMAGE_NAME:$short" \
	-f Dockerfile .
end=$(date +%s)

if [ -n "${IMAGE_ARCHIVE:-}" ]; then
	rm -f "$IMAGE_ARCHIVE"
	buildah push "$IMAGE_NAME:latest" "docker-archive:$IMAGE_ARCHIVE:$IMAGE_NAME:latest"
	log "wrote $IMAGE_ARCHIVE ($(du -h "$IMAGE_ARCHIVE" | cut -f1))"
fi

size=$(buildah images --format '{{.Size}}' "$IMAGE_NAME:latest" | awk 'NR == 1')
log "tagged $IMAGE_NAME:latest and $IMAGE_NAME:$short"
log "image size: $size"
log "elapsed: bases $((base_done - start))s, image build $((end - base_done))s, total $((end - start))s"
