#!/usr/bin/env bash
# image-test.sh smoke-tests the histocount image (`make image-test`): runs it
# with buildah on the bundled samples (testdata/samples, mounted read-only at
# /data; a generated PNG if the samples are missing) and checks
#   - the image runs as uid 10001 with ENTRYPOINT ["histocount"], no HEALTHCHECK
#   - `histocount version` works (all OpenCV symbols resolve)
#   - `cells` exits 0 and writes images.csv, objects.csv, samples.csv, results.json
#   - a corrupt image among good ones gives exit 3 (partial) and still writes results
# Builds the image with scripts/image.sh first if it does not exist.
# Needs root (buildah vfs storage, chroot isolation).
set -euo pipefail

cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-${IMAGE_NAME:-histocount}:latest}
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}

fails=0
log() { printf '[image-test] %s\n' "$*" >&2; }
pass() { log "ok   $*"; }
fail() { log "FAIL $*"; fails=$((fails + 1)); }

if ! buildah inspect --type image "$IMAGE" >/dev/null 2>&1; then
	log "$IMAGE not found; building it"
	bash scripts/image.sh
fi

tmp=$(mktemp -d /var/tmp/histocount-image-test.XXXXXX)
ctr=""
cleanup() {
	[ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- image configuration -------------------------------------------------
user=$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$IMAGE")
entry=$(buildah inspect --type image --format '{{.OCIv1.Config.Entrypoint}}' "$IMAGE")
health=$(buildah inspect --type image --format '{{.Docker.Config.Healthcheck}}' "$IMAGE")
[ "$user" = "10001:10001" ] && pass "user $user" || fail "user is '$user', want 10001:10001"
[ "$entry" = '[histocount]' ] && pass "entrypoint $entry" || fail "entrypoint is $entry"
case $health in "" | "<nil>") pass "no healthcheck" ;; *) fail "healthcheck set: $health" ;; esac

# --- inputs ----------------------------------------------------------------
mkdir -p "$tmp/data" "$tmp/out"
if [ -d testdata/samples/trypan ]; then
	cp -r testdata/samples/. "$tmp/data/"
else
	log "testdata/samples/trypan missing; using a generated 96x96 PNG"
	mkdir -p "$tmp/data/trypan"
	base64 -d >"$tmp/data/trypan/generated.png" <<'PNG'
iVBORw0KGgoAAAANSUhEUgAAAGAAAABgCAIAAABt+uBvAAACKklEQVR4nOybvW3DMBBGk8Brqcgc
bjSEaxepM4SbzOHCjZvslEKAYMSiPok8nsnDe5UQAYz1cD+UzTvc779vkObj1R+gdRAkQJAAQQIE
CRAkQJAAQQIECRAkQJAAQQIECRAkQJAAQQIzQafz1Wqppngv/EZx0cv312fJmk1RFEGpqIkUTfmC
1i2EcZQpaMvzx3AUpIuN47HSyodK6/rw6GW+vlx+DP9FThfblTuVOpoMGStNmW1+o6Padm632/Pd
YRimCxNHHdegRTsrf8+jP0FT+KxbmO6aVO5MQVtyJ8Z+Oj+C1p8/hp3SFEtZqGdnb9aUZ1npy+rM
6Xz1iZotNWjuZeWNzKxIh8mpf/TXxZzpT9CUNfNucBGr/OpS0EzK0bq7vZgVaWdafxdrhEVNr3+b
b5BxPNp6mQkiqB4dF2kfECRAkABBAgQJECRAkABBAgQJECRAkABBAgQJECRAkABBAgQJECRAkABB
AgQJXiaol1PU3j/7dDfb4RpBPc52+AnqdLbDSVC/sx3xu1jhMcW+ZzVWsBrj8Iig7bljlWWpqMmI
Jqc27znbkZrkyJvhCFuDns8J581whBVkhZMgt9mOLVVmVyXyiyCf2Y4t9aXdGuQ/21GO9z5odlF7
tmMYhlQX20XMQ5wrVWbvXjFmF0tZyNhJx4ygRwqPUMcXVEjMFDMEQQIECRAkQJAAQQIECRAkQJAA
QQIECRAkQJAAQQIECRAk+AsAAP//kTq7Hx9ZtZkAAAAASUVORK5CYII=
PNG
fi
# A corrupt file next to good ones: histocount must finish the good ones and
# exit 3 ("partial").
mkdir -p "$tmp/data/mixed"
good=$(find "$tmp/data/trypan" -name '*.png' | sort | awk 'NR == 1')
cp "$good" "$tmp/data/mixed/good.png"
head -c 400 "$good" >"$tmp/data/mixed/corrupt.png" # truncated PNG
# The container user (10001) must reach the inputs (mktemp made $tmp 0700)
# and write the results.
chmod 755 "$tmp"
chmod -R a+rX "$tmp/data"
chown -R 10001:10001 "$tmp/out"

ctr=$(buildah from "$IMAGE")
run() { buildah run --volume "$tmp/data:/data:ro" --volume "$tmp/out:/out" "$ctr" -- "$@"; }

# --- runs ------------------------------------------------------------------
uid=$(run id -u)
[ "$uid" = 10001 ] && pass "runs as uid $uid" || fail "runs as uid $uid"

if out=$(run histocount version 2>&1); then
	pass "histocount version: $(echo "$out" | tr '\n' ' ')"
else
	fail "histocount version exited $?: $out"
fi

check_outputs() { # dir want_images
	local f ok=1
	for f in images.csv objects.csv samples.csv results.json; do
		[ -s "$tmp/out/$1/$f" ] || { fail "$1/$f missing or empty"; ok=0; }
	done
	if [ -s "$tmp/out/$1/images.csv" ]; then
		local rows=$(($(wc -l <"$tmp/out/$1/images.csv") - 1))
		[ "$rows" -eq "$2" ] || { fail "$1/images.csv has $rows rows, want $2"; ok=0; }
	fi
	if [ $ok = 1 ]; then pass "$1: outputs written ($(ls "$tmp/out/$1" | tr '\n' ' '))"; fi
}

n=$(find "$tmp/data/trypan" -name '*.png' | wc -l)
set +e
run histocount cells --stain trypan --quiet --out /out/trypan /data/trypan >"$tmp/trypan.log" 2>&1
code=$?
set -e
[ $code = 0 ] && pass "cells --stain trypan on $n images: exit 0" || { fail "cells --stain trypan: exit $code"; cat "$tmp/trypan.log" >&2; }
check_outputs trypan "$n"

if [ -d "$tmp/data/nuclei" ]; then
	n=$(find "$tmp/data/nuclei" -name '*.png' | wc -l)
	set +e
	run histocount cells --stain fluorescence --quiet --out /out/nuclei /data/nuclei >"$tmp/nuclei.log" 2>&1
	code=$?
	set -e
	[ $code = 0 ] && pass "cells --stain fluorescence on $n images: exit 0" || { fail "cells --stain fluorescence: exit $code"; cat "$tmp/nuclei.log" >&2; }
	check_outputs nuclei "$n"
fi

set +e
run histocount cells --stain trypan --quiet --out /out/mixed /data/mixed >"$tmp/mixed.log" 2>&1
code=$?
set -e
[ $code = 3 ] && pass "good + corrupt image: exit 3" || { fail "good + corrupt image: exit $code, want 3"; cat "$tmp/mixed.log" >&2; }
[ -s "$tmp/out/mixed/results.json" ] && pass "mixed: results.json written" || fail "mixed: results.json missing"

log "image $IMAGE: $(buildah images --format '{{.Size}}' "$IMAGE" | awk 'NR == 1')"
if [ $fails -gt 0 ]; then
	log "$fails check(s) failed"
	exit 1
fi
log "all checks passed"
