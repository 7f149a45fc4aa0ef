#!/usr/bin/env bash
# base-image.sh builds the two local base images the Dockerfile needs when no
# container registry is reachable:
#
#   localhost/bookworm-base  Debian 12 minbase rootfs made with debootstrap
#                            (stands in for debian:bookworm-slim)
#   localhost/bookworm-go    bookworm-base + this machine's Go toolchain
#                            (stands in for golang:1.26-bookworm)
#
# Each image is built only if it is missing, so the script is cheap to re-run.
# Set REBUILD_BASE=1 to rebuild both. Needs root (debootstrap, buildah).
#
# Environment:
#   DEBIAN_MIRROR   mirror for debootstrap (default: the first deb.debian.org-
#                   style URI in /etc/apt/sources.list*, else deb.debian.org)
#   GOROOT_HOST     Go toolchain to copy (default: $(go env GOROOT))
#   IMAGE_CACHE     scratch dir for .deb downloads (default /var/tmp/histocount-image)
set -euo pipefail

BASE_IMAGE=${LOCAL_BASE_IMAGE:-localhost/bookworm-base}
GO_BASE_IMAGE=${LOCAL_GO_IMAGE:-localhost/bookworm-go}
SUITE=bookworm
IMAGE_CACHE=${IMAGE_CACHE:-/var/tmp/histocount-image}
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}

log() { printf '[base-image] %s\n' "$*" >&2; }

need_root() {
	if [ "$(id -u)" != 0 ]; then
		log "must run as root (debootstrap and buildah)"
		exit 1
	fi
}

# install_tools installs buildah and debootstrap from Debian if missing.
install_tools() {
	local missing=()
	command -v buildah >/dev/null || missing+=(buildah)
	command -v debootstrap >/dev/null || missing+=(debootstrap)
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
}

image_exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# debian_mirror picks the Debian mirror apt already uses, so debootstrap goes
# through the same (possibly proxied) route.
debian_mirror() {
	if [ -n "${DEBIAN_MIRROR:-}" ]; then
		echo "$DEBIAN_MIRROR"
		return
	fi
	local m
	m=$(grep -hoE '(URIs:|^deb)[[:space:]]+https?://[^[:space:]]+/debian/?([[:space:]]|$)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^[:space:]]+' | head -n1 || true)
	echo "${m:-http://deb.debian.org/debian}"
}

build_base() {
	local mirror ctr mnt start
	mirror=$(debian_mirror)
	start=$(date +%s)
	log "debootstrap --variant=minbase $SUITE from $mirror (takes a few minutes)"
	mkdir -p "$IMAGE_CACHE/debs"
	ctr=$(buildah from --name histocount-base-work scratch 2>/dev/null ||
		{ buildah rm histocount-base-work >/dev/null; buildah from --name histocount-base-work scratch; })
	# shellcheck disable=SC2064
	trap "buildah umount $ctr >/dev/null 2>&1 || true; buildah rm $ctr >/dev/null 2>&1 || true" EXIT
	mnt=$(buildah mount "$ctr")
	# Bootstrapping straight into the container's root keeps file ownership
	# exact (buildah copy would chown everything to root).
	debootstrap --variant=minbase --cache-dir="$IMAGE_CACHE/debs" "$SUITE" "$mnt" "$mirror" >"$IMAGE_CACHE/debootstrap.log" 2>&1 ||
		{ tail -n 30 "$IMAGE_CACHE/debootstrap.log" >&2; exit 1; }
	# Same suites as the official image: main + updates + security.
	cat >"$mnt/etc/apt/sources.list" <<SRC
deb $mirror $SUITE main
deb $mirror $SUITE-updates main
deb ${mirror%/debian*}/debian-security $SUITE-security main
SRC
	# Slim it like debian:bookworm-slim: dpkg skips docs, man pages and
	# translations from now on (also for the packages the Dockerfile
	# installs), those already there go, and so do package lists and caches.
	cat >"$mnt/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
CFG
	find "$mnt/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
	find "$mnt/usr/share/doc" -mindepth 1 -type d -empty -delete
	find "$mnt/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
	rm -rf "$mnt"/var/lib/apt/lists/* "$mnt"/var/cache/apt/*.bin "$mnt"/var/cache/apt/archives/*.deb \
		"$mnt"/usr/share/man/* "$mnt"/usr/share/info/* "$mnt"/usr/share/groff/* "$mnt"/usr/share/lintian/* \
		"$mnt"/var/log/*.log "$mnt"/var/log/apt/* "$mnt"/tmp/* "$mnt"/root/.cache
	: >"$mnt/etc/resolv.conf"
	echo localhost >"$mnt/etc/hostname"
	buildah umount "$ctr" >/dev/null
	buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		--cmd /bin/bash --label org.opencontainers.image.description="Debian $SUITE minbase (debootstrap)" "$ctr"
	buildah commit --rm --quiet "$ctr" "$BASE_IMAGE" >/dev/null
	trap - EXIT
	log "built $BASE_IMAGE in $(($(date +%s) - start))s"
}

build_go() {
	local goroot gover ctr mnt start
	goroot=${GOROOT_HOST:-$(go env GOROOT 2>/dev/null || true)}
	if [ -z "$goroot" ] || [ ! -x "$goroot/bin/go" ]; then
		log "no Go toolchain found (set GOROOT_HOST, or pass GO_IMAGE=golang:1.26-bookworm RUNTIME_IMAGE=debian:bookworm-slim to image.sh)"
		exit 1
	fi
	gover=$("$goroot/bin/go" env GOVERSION)
	start=$(date +%s)
	log "adding $gover from $goroot"
	ctr=$(buildah from --name histocount-go-work "$BASE_IMAGE" 2>/dev/null ||
		{ buildah rm histocount-go-work >/dev/null; buildah from --name histocount-go-work "$BASE_IMAGE"; })
	# shellcheck disable=SC2064
	trap "buildah umount $ctr >/dev/null 2>&1 || true; buildah rm $ctr >/dev/null 2>&1 || true" EXIT
	mnt=$(buildah mount "$ctr")
	mkdir -p "$mnt/usr/local"
	cp -a "$goroot" "$mnt/usr/local/go"
	buildah umount "$ctr" >/dev/null
	# Same environment as the official golang image.
	buildah config --env GOLANG_VERSION="${gover#go}" --env GOTOOLCHAIN=local --env GOPATH=/go \
		--env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		--workingdir /go --label org.opencontainers.image.description="Debian $SUITE + $gover" "$ctr"
	buildah commit --rm --quiet "$ctr" "$GO_BASE_IMAGE" >/dev/null
	trap - EXIT
	log "built $GO_BASE_IMAGE in $(($(date +%s) - start))s"
}

main() {
	need_root
	install_tools
	if [ "${REBUILD_BASE:-0}" = 1 ]; then
		buildah rmi "$GO_BASE_IMAGE" "$BASE_IMAGE" >/dev/null 2>&1 || true
	fi
	if image_exists "$BASE_IMAGE"; then log "$BASE_IMAGE exists"; else build_base; fi
	if image_exists "$GO_BASE_IMAGE"; then log "$GO_BASE_IMAGE exists"; else build_go; fi
}

main "$@"
