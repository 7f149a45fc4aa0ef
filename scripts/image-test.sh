#!/usr/bin/env bash
# image-test.sh runs the histocount image on the bundled samples and checks
# it against a host build of the same tree (`make image-test`). With buildah
# (or podman, if installed) it checks
#   - the image: uid 10001, ENTRYPOINT ["histocount"], no HEALTHCHECK,
#     volumes /data and /out
#   - `histocount version` (every OpenCV symbol resolves)
#   - `cells` on testdata/samples/trypan (per donor) and nuclei: exit 0, the
#     expected files, and images.csv, objects.csv and samples.csv identical
#     to a host run of bin/histocount on the same inputs (paths aside)
#   - a LIMS manifest of all samples, as a scheduler runs it: two shards
#     (`run --shard 0/2`, and `--shard auto/2` with JOB_COMPLETION_INDEX=1
#     as a Kubernetes indexed Job sets it), then `merge`; exit 0, every item
#     once, and results.jsonl and summary.json equal to the host's run of
#     the same shards and merge (timings and provenance aside)
#   - a truncated image among good ones: exit 3, results still written
# Inputs are mounted read-only at /data and results written to /out, as in
# deploy/. Builds the image with scripts/image.sh first if it is missing, and
# bin/histocount if it is missing or older than the sources.
# Needs root (buildah: its default storage, chroot isolation).
# pass never fails, so `test && pass || fail` is if/else; single-quoted $ is
# for buildah templates and the container's shell.
# shellcheck disable=SC2015,SC2016
set -euo pipefail

cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-${IMAGE_NAME:-histocount}:latest}
HOST_BIN=${HOST_BIN:-bin/histocount}
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}
export PATH=/usr/local/go/bin:$PATH

fails=0
log() { printf '[image-test] %s\n' "$*" >&2; }
pass() { log "ok   $*"; }
fail() { log "FAIL $*"; fails=$((fails + 1)); }
started=$(date +%s)

if [ ! -d testdata/samples/trypan ] || [ ! -d testdata/samples/nuclei ]; then
	log "testdata/samples/{trypan,nuclei} missing"
	exit 1
fi
command -v buildah >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah >/dev/null; }
# The image must be built from these sources, else the comparison with the
# host build below compares two versions of histocount: a missing or older
# image is (re)built first (cached layers: quick when only Go code changed),
# unless IMAGE_TEST_BUILD=0.
digest=$(bash scripts/image.sh digest)
image_digest() { buildah inspect --type image --format '{{index .OCIv1.Config.Labels "io.histocount.source-digest"}}' "$IMAGE" 2>/dev/null || true; }
if [ "$(image_digest)" != "$digest" ]; then
	if [ "${IMAGE_TEST_BUILD:-1}" = 0 ]; then
		log "$IMAGE is missing or was not built from these sources (IMAGE_TEST_BUILD=0: not rebuilding)"
		exit 1
	fi
	log "$IMAGE is missing or was not built from these sources; building it"
	IMAGE_NAME=${IMAGE%:*} bash scripts/image.sh
fi
# The reference: the same tree built on this machine.
if [ ! -x "$HOST_BIN" ] || [ -n "$(find . -name '*.go' -newer "$HOST_BIN" -print -quit)" ] ||
	[ go.mod -nt "$HOST_BIN" ]; then
	log "building $HOST_BIN"
	go build -trimpath -o "$HOST_BIN" ./cmd/histocount
fi

tmp=$(mktemp -d /var/tmp/histocount-image-test.XXXXXX)
ctr=""
cleanup() {
	if [ -n "$ctr" ]; then buildah rm "$ctr" >/dev/null 2>&1 || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- image configuration -------------------------------------------------
cfg() { buildah inspect --type image --format "$1" "$IMAGE"; }
user=$(cfg '{{.OCIv1.Config.User}}')
entry=$(cfg '{{.OCIv1.Config.Entrypoint}}')
health=$(cfg '{{.Docker.Config.Healthcheck}}')
vols=$(cfg '{{range $k, $v := .OCIv1.Config.Volumes}}{{$k}} {{end}}')
[ "$user" = "10001:10001" ] && pass "user $user" || fail "user is '$user', want 10001:10001"
[ "$entry" = '[histocount]' ] && pass "entrypoint $entry" || fail "entrypoint is $entry, want [histocount]"
case $health in "" | "<nil>") pass "no healthcheck" ;; *) fail "healthcheck set: $health" ;; esac
[ "$vols" = "/data /out " ] && pass "volumes $vols" || fail "volumes are '$vols', want /data /out"

# --- inputs ----------------------------------------------------------------
# data/ is what the container sees at /data; the host runs read it in place
# (cwd $tmp), so that paths differ only by the leading slash.
mkdir -p "$tmp/data" "$tmp/out" "$tmp/host"
cp -r testdata/samples/trypan testdata/samples/nuclei "$tmp/data/"
# The LIMS manifest: every sample image, paths relative to the manifest.
{
	echo '{"schema_version": "1.0.0", "job_id": "IMAGE-TEST",'
	echo ' "defaults": {"cells": {"stain": "trypan", "depth_um": 100, "dilution": 2}},'
	echo ' "items": ['
	sep=""
	for f in $(cd "$tmp/data" && find trypan -name '*.png' | sort); do
		donor=$(basename "$(dirname "$f")")
		printf '%s  {"id": "%s", "kind": "cells", "path": "%s", "sample_id": "%s", "pixel_size_um": 0.8}' \
			"$sep" "$(basename "$f" .png)" "$f" "$donor"
		sep=$',\n'
	done
	for f in $(cd "$tmp/data" && find nuclei -name '*.png' | sort); do
		printf '%s  {"id": "%s", "kind": "cells", "path": "%s", "sample_id": "nuclei", "stain": "fluorescence"}' \
			"$sep" "$(basename "$f" .png)" "$f"
	done
	printf '\n ]}\n'
} >"$tmp/data/manifest.json"
items=$(grep -c '"kind": "cells"' "$tmp/data/manifest.json")
# A truncated PNG next to a good one: histocount must finish the good one
# and exit 3 ("partial").
mkdir -p "$tmp/data/mixed"
good=$(find "$tmp/data/trypan" -name '*.png' | sort | awk 'NR == 1')
cp "$good" "$tmp/data/mixed/good.png"
head -c 400 "$good" >"$tmp/data/mixed/corrupt.png"
# The container user (10001) must read the inputs (mktemp made $tmp 0700)
# and write the results.
chmod 755 "$tmp"
chmod -R a+rX "$tmp/data"
chown -R 10001:10001 "$tmp/out"

# --- runners ---------------------------------------------------------------
# in_image_cmd [VAR=value...] -- CMD ARGS...: CMD in the image as the image's
# user, /data read-only, /out writable, no network; in_image runs histocount
# (what the ENTRYPOINT does).
if command -v podman >/dev/null; then
	runner=podman
	in_image_cmd() {
		local envs=()
		while [ "$1" != -- ]; do envs+=(--env "$1"); shift; done
		shift
		podman run --rm --network none "${envs[@]}" -v "$tmp/data:/data:ro" -v "$tmp/out:/out" \
			--entrypoint "$1" "$IMAGE" "${@:2}"
	}
else
	runner=buildah
	ctr=$(buildah from --pull=never "$IMAGE")
	# buildah 1.28 mounts the image's anonymous VOLUMEs over --volume binds
	# of the same path (docker, podman and Kubernetes do not), so this
	# working container, not the image, forgets them.
	buildah config --volume /data- --volume /out- "$ctr"
	# buildah run does not apply the ENTRYPOINT (checked above), so the
	# command is named.
	in_image_cmd() {
		local envs=()
		while [ "$1" != -- ]; do envs+=(--env "$1"); shift; done
		shift
		buildah run --network none "${envs[@]}" --volume "$tmp/data:/data:ro" --volume "$tmp/out:/out" \
			"$ctr" -- "$@"
	}
fi
in_image() {
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	in_image_cmd "${envs[@]}" -- histocount "$@"
}
host_bin=$(readlink -f "$HOST_BIN")
host() { (cd "$tmp" && "$host_bin" "$@"); }
log "runner: $runner; reference: $HOST_BIN ($(host version | head -n1))"

# expect CODE NAME CMD...: runs CMD, output to $tmp/NAME.log, checks the code.
expect() {
	local want=$1 name=$2 code=0
	shift 2
	"$@" >"$tmp/$name.log" 2>&1 || code=$?
	if [ "$code" = "$want" ]; then
		pass "$name: exit $code"
	else
		fail "$name: exit $code, want $want"
		tail -n 20 "$tmp/$name.log" >&2
	fi
}

# same NAME FILE: FILE under out/ (image) and host/ must be equal once the
# image's /data/ and /out/ paths read as the host's data/ and host/.
same() {
	local a="$tmp/out/$2" b="$tmp/host/$2"
	if [ ! -s "$a" ] || [ ! -s "$b" ]; then
		fail "$1: $2 missing or empty (image: $(test -s "$a" && echo yes || echo no), host: $(test -s "$b" && echo yes || echo no))"
		return
	fi
	if diff <(sed -e 's#/data/#data/#g; s#/out/#host/#g' "$a") "$b" >"$tmp/diff" 2>&1; then
		pass "$1: $2 same as host ($(wc -l <"$b") lines)"
	else
		fail "$1: $2 differs from host:"
		head -n 20 "$tmp/diff" >&2
	fi
}

# --- runs ------------------------------------------------------------------
uid=$(in_image_cmd -- id -u)
[ "$uid" = 10001 ] && pass "runs as uid $uid" || fail "runs as uid $uid, want 10001"
if v=$(in_image -- version 2>&1); then
	pass "version: $(echo "$v" | tr '\n' ' ')"
else
	fail "version: $v"
fi

# cells, as `make demo` runs them.
trypan_args=(cells --stain trypan --pixel-size 0.8 --depth 100 --sample-by dir --quiet)
expect 0 trypan in_image -- "${trypan_args[@]}" --out /out/trypan /data/trypan
expect 0 trypan-host host "${trypan_args[@]}" --out host/trypan data/trypan
expect 0 nuclei in_image -- cells --stain fluorescence --quiet --out /out/nuclei /data/nuclei
expect 0 nuclei-host host cells --stain fluorescence --quiet --out host/nuclei data/nuclei
for d in trypan nuclei; do
	n=$(find "$tmp/data/$d" -name '*.png' | wc -l)
	[ -s "$tmp/out/$d/results.json" ] && pass "$d: results.json written" || fail "$d: results.json missing"
	rows=$(($(wc -l <"$tmp/out/$d/images.csv" 2>/dev/null || echo 1) - 1))
	[ "$rows" = "$n" ] && pass "$d: images.csv has $n images" || fail "$d: images.csv has $rows rows, want $n"
	for f in images.csv objects.csv samples.csv; do same "$d" "$d/$f"; done
done
# The counts themselves, so a log shows what was compared.
log "trypan samples: $(cut -d, -f1-6 "$tmp/out/trypan/samples.csv" | tr '\n' ' ')"

# The LIMS manifest, sharded as deploy/ runs it, then merged.
expect 0 shard-0 in_image -- run /data/manifest.json --quiet --shard 0/2 --out /out/job/shard-0
expect 0 shard-1 in_image JOB_COMPLETION_INDEX=1 -- run /data/manifest.json --quiet --shard auto/2 --out /out/job/shard-1
# The merge as deploy/k8s-indexed-job.yaml runs it (sh and seq in the image).
expect 0 merge in_image_cmd SHARDS=2 -- /bin/sh -c \
	'exec histocount merge --quiet --manifest /data/manifest.json --out /out/job/merged $(seq -f /out/job/shard-%g 0 $((SHARDS - 1)))'
expect 0 shard-0-host host run data/manifest.json --quiet --shard 0/2 --out host/job/shard-0
expect 0 shard-1-host host run data/manifest.json --quiet --shard 1/2 --out host/job/shard-1
expect 0 merge-host host merge --quiet --manifest data/manifest.json --out host/job/merged host/job/shard-0 host/job/shard-1
s0=$(wc -l <"$tmp/out/job/shard-0/results.jsonl" 2>/dev/null || echo 0)
s1=$(wc -l <"$tmp/out/job/shard-1/results.jsonl" 2>/dev/null || echo 0)
m=$(wc -l <"$tmp/out/job/merged/results.jsonl" 2>/dev/null || echo 0)
if [ "$m" = "$items" ] && [ $((s0 + s1)) = "$items" ] && [ "$s0" -gt 0 ] && [ "$s1" -gt 0 ]; then
	pass "manifest: $items items, shards $s0 + $s1, merged $m"
else
	fail "manifest: $items items, shards $s0 + $s1, merged $m"
fi
ok=$(grep -c '"status":"ok"' "$tmp/out/job/merged/results.jsonl" 2>/dev/null || true)
[ "$ok" = "$items" ] && pass "manifest: all $items items ok" || fail "manifest: $ok of $items items ok"
# Provenance (times, host, build version) is the only part that may differ:
# it is the last field of a record and the last block of summary.json.
for f in results.jsonl summary.json; do
	for side in out host; do
		sed -e 's/,"provenance":{[^}]*}}$/}/' -e '/^  "provenance": {/,$d' \
			"$tmp/$side/job/merged/$f" >"$tmp/$side/job/merged/$f.cmp" 2>/dev/null || true
	done
	same manifest "job/merged/$f.cmp"
done

expect 3 mixed in_image -- cells --stain trypan --quiet --out /out/mixed /data/mixed
[ -s "$tmp/out/mixed/results.json" ] && pass "mixed: results.json written" || fail "mixed: results.json missing"
grep -q '^/data/mixed/good.png,[^,]*,ok,' "$tmp/out/mixed/images.csv" 2>/dev/null &&
	pass "mixed: the good image analysed" || fail "mixed: the good image not analysed"

if [ "$(bash scripts/image.sh digest)" != "$digest" ]; then
	log "note: the sources changed while this ran; differences from the host build may come from that: run again"
fi
log "image $IMAGE: $(buildah images --format '{{.Size}}' "$IMAGE" | awk 'NR == 1'); took $(($(date +%s) - started))s"
if [ $fails -gt 0 ]; then
	log "$fails check(s) failed"
	exit 1
fi
log "all checks passed"
