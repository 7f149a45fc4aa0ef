#!/bin/bash
# histocount scale-out on Slurm: a job array with one task per shard, then a
# merge job that starts when every task has ended.
#
# Submit (from a login node; N defaults to 8):
#   bash deploy/slurm-array.sh submit /lab/runs/2026-11/manifest.json /lab/results/2026-11 [N]
# which runs
#   sbatch --array=0-(N-1) deploy/slurm-array.sh shard MANIFEST OUT
#   sbatch --dependency=afterany:<array job> deploy/slurm-array.sh merge MANIFEST OUT
# Task i runs   histocount run MANIFEST --shard i/N --out OUT/shard-i
# and the merge histocount merge --out OUT/merged OUT/shard-*
#
# How histocount is run (HISTOCOUNT_RUNTIME):
#   apptainer  (default) HISTOCOUNT_SIF, e.g. built once with
#              IMAGE_ARCHIVE=histocount.tar bash scripts/image.sh
#              apptainer build histocount.sif docker-archive:histocount.tar
#   podman     HISTOCOUNT_IMAGE (default histocount:latest), rootless is fine
#   bare       the histocount binary on PATH (make build)
# The manifest's folder is bound read-only at /data and OUT at /out, so image
# paths in the manifest must be relative to it (or under it).
#
# The #SBATCH lines are defaults; `submit` overrides --array from N.
#SBATCH --job-name=histocount
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=04:00:00
#SBATCH --output=histocount-%A_%a.log
set -euo pipefail

RUNTIME=${HISTOCOUNT_RUNTIME:-apptainer}
SIF=${HISTOCOUNT_SIF:-histocount.sif}
IMAGE=${HISTOCOUNT_IMAGE:-histocount:latest}

die() { echo "slurm-array.sh: $*" >&2; exit 2; }

# histocount MANIFEST_DIR OUT ARGS... runs histocount with the manifest's folder
# at /data and OUT at /out (bare: in place, paths rewritten by the caller).
histocount_in() {
	local data=$1 out=$2
	shift 2
	case $RUNTIME in
	apptainer)
		apptainer exec --containall --bind "$data:/data:ro" --bind "$out:/out" "$SIF" histocount "$@" ;;
	podman)
		podman run --rm --userns=keep-id --user "$(id -u):$(id -g)" \
			--cpus "${SLURM_CPUS_PER_TASK:-2}" \
			-v "$data:/data:ro,z" -v "$out:/out:z" "$IMAGE" "$@" ;;
	bare)
		histocount "$@" ;;
	*) die "HISTOCOUNT_RUNTIME must be apptainer, podman or bare, not $RUNTIME" ;;
	esac
}

# paths MANIFEST OUT sets in-container (or bare) paths for the manifest and out.
paths() {
	manifest=$(readlink -f "$1")
	out=$(readlink -m "$2")
	data=$(dirname "$manifest")
	if [ "$RUNTIME" = bare ]; then
		c_manifest=$manifest c_out=$out
	else
		c_manifest=/data/$(basename "$manifest") c_out=/out
	fi
}

cmd=${1:-}
case $cmd in
submit)
	[ $# -ge 3 ] || die "usage: slurm-array.sh submit MANIFEST OUT [N]"
	n=${4:-8}
	[ "$n" -ge 1 ] 2>/dev/null || die "N must be a positive integer"
	mkdir -p "$3"
	self=$(readlink -f "$0")
	# Absolute paths: the tasks may start in another directory.
	set -- "$1" "$(readlink -f "$2")" "$(readlink -f "$3")"
	[ -f "$2" ] || die "manifest $2 not found"
	array=$(sbatch --parsable --array="0-$((n - 1))" --output="$3/histocount-%A_%a.log" \
		--export=ALL,SHARDS="$n" "$self" shard "$2" "$3")
	array=${array%%;*}
	merge=$(sbatch --parsable --dependency="afterany:$array" --job-name=histocount-merge \
		--cpus-per-task=1 --mem=2G --time=00:30:00 --output="$3/histocount-merge-%j.log" \
		--export=ALL,SHARDS="$n" "$self" merge "$2" "$3")
	echo "submitted array job $array ($n shards) and merge job $merge"
	;;
shard)
	[ $# -eq 3 ] || die "usage: slurm-array.sh shard MANIFEST OUT (run by sbatch)"
	: "${SLURM_ARRAY_TASK_ID:?not an array task: use 'submit'}"
	i=$SLURM_ARRAY_TASK_ID
	n=${SHARDS:-$((SLURM_ARRAY_TASK_MAX + 1))}
	paths "$2" "$3"
	mkdir -p "$out/shard-$i"
	echo "histocount shard $i/$n on $(hostname), $SLURM_CPUS_PER_TASK CPUs"
	export GOMAXPROCS=${SLURM_CPUS_PER_TASK:-2}
	# Exit code 3 (some images unreadable; results written, failures listed)
	# is kept: the array shows the shard as FAILED and afterany still merges.
	histocount_in "$data" "$out" run "$c_manifest" --shard "$i/$n" --out "$c_out/shard-$i"
	;;
merge)
	[ $# -eq 3 ] || die "usage: slurm-array.sh merge MANIFEST OUT (run by sbatch)"
	paths "$2" "$3"
	n=${SHARDS:-8}
	shards=()
	for ((i = 0; i < n; i++)); do
		shards+=("$c_out/shard-$i")
		[ -d "$out/shard-$i" ] || echo "warning: $out/shard-$i missing (task never ran?)" >&2
	done
	histocount_in "$data" "$out" merge --out "$c_out/merged" "${shards[@]}"
	;;
*)
	die "usage: slurm-array.sh submit MANIFEST OUT [N]   (shard and merge are run by sbatch)"
	;;
esac
