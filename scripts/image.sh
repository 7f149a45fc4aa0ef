#!/usr/bin/env bash
# image.sh builds the histocount container image from ./Dockerfile with
# buildah (no Docker daemon needed) and tags it histocount:latest and
# histocount:<git short sha>. `make image` runs it.
#
# By default the bases are local images made by scripts/base-image.sh
# (debootstrap; no registry needed). On a machine that can pull from a
# registry, use the official bases instead:
#
#   GO_IMAGE=docker.io/library/golang:1.26-bookworm \
#   RUNTIME_IMAGE=docker.io/library/debian:bookworm-slim bash scripts/image.sh
#
# `bash scripts/image.sh digest` prints the digest of the sources that the
# image is labelled with (io.histocount.source-digest; image-test checks it).
#
# Environment:
#   PKG            command to build (default ./cmd/histocount)
#   GOMODULES      where the build gets Go modules:
#                  host  (default with the local bases) `go mod download` on
#                        this machine, then the module cache is mounted into
#                        the build as a file:// GOPROXY (go.sum still checks
#                        every module), so the build itself needs no network
#                        for modules and nothing is copied into the context
#                        or vendored; the Dockerfile stays as docker uses it.
#                  proxy (default with GO_IMAGE/RUNTIME_IMAGE) the build fetches
#                        them itself from $GOPROXY (Go's default if unset).
#   IMAGE_NAME     image name (default histocount)
#   IMAGE_ARCHIVE  if set, also write the image there as a docker-archive
#                  (for `docker load`, `podman load`, `apptainer build x.sif
#                  docker-archive:FILE`)
# Needs root (buildah with its default storage driver, overlay where the kernel
# has it, else vfs, and chroot isolation: no daemon, no user namespaces); installs buildah
# and debootstrap from Debian if they are missing.
set -euo pipefail

cd "$(dirname "$0")/.."
IMAGE_NAME=${IMAGE_NAME:-histocount}
PKG=${PKG:-./cmd/histocount}
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}

log() { printf '[image] %s\n' "$*" >&2; }

# source_digest prints a sha256 over the build context's files (those git
# tracks or would add, less what .dockerignore leaves out of the build) and
# the Dockerfile, so that image-test can tell whether the image was built
# from these sources.
source_digest() {
	local files
	if files=$(GIT_OPTIONAL_LOCKS=0 git ls-files -co --exclude-standard 2>/dev/null); then :; else
		files=$(find . -type f -not -path './.git/*' -not -path './bin/*' | sed 's#^\./##')
	fi
	printf '%s\n' "$files" |
		grep -vE '^(\.git|\.github|\.ci|\.cache|bin|out|results|deploy)/|\.(test|prof|tar|sif)$' |
		LC_ALL=C sort | while IFS= read -r f; do [ -f "$f" ] && sha256sum "$f"; done |
		sha256sum | cut -d' ' -f1
}
if [ "${1:-}" = digest ]; then
	source_digest
	exit 0
fi

start=$(date +%s)
if [ -z "${GO_IMAGE:-}" ] && [ -z "${RUNTIME_IMAGE:-}" ]; then
	bash scripts/base-image.sh
	default_modules=host
	GO_IMAGE=localhost/bookworm-go
	RUNTIME_IMAGE=localhost/bookworm-base
elif [ -z "${GO_IMAGE:-}" ] || [ -z "${RUNTIME_IMAGE:-}" ]; then
	log "set both GO_IMAGE and RUNTIME_IMAGE, or neither"
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

# Read-only git queries (no optional index locks: others may be committing);
# outside a checkout the image is still built.
export GIT_OPTIONAL_LOCKS=0
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
	commit="$commit-dirty"
fi
short=${commit%%-*}

digest=$(source_digest)
log "building $IMAGE_NAME ($PKG, version $version, commit $commit) on $GO_IMAGE / $RUNTIME_IMAGE"
buildah bud --layers \
	--build-arg GO_IMAGE="$GO_IMAGE" \
	--build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE" \
	--build-arg VERSION="$version" \
	--build-arg COMMIT="$commit" \
	--build-arg PKG="$PKG" \
	--label io.histocount.source-digest="$digest" \
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
