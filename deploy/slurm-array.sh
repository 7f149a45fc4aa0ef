#!/bin/bash
# histocount scale-out on Slurm: a job array with one task per shard, then a
# merge job that starts when every task has succeeded (--dependency=afterok).
#
# Submit (from a login node; N defaults to 8):
#   bash deploy/slurm-array.sh submit /lab/runs/2026-11/manifest.json /lab/results/2026-11 [N]
# which runs
#   sbatch --array=0-(N-1) deploy/slurm-array.sh shard MANIFEST OUT
#   sbatch --dependency=afterok:<array job> --kill-on-invalid-dep=yes deploy/slurm-array.sh merge MANIFEST OUT
# Task i runs   histocount run MANIFEST --shard i/N --out OUT/shard-i
# and the merge histocount merge --manifest MANIFEST --out OUT/merged OUT/shard-0 ... OUT/shard-(N-1)
#
# Exit codes: a shard whose only problem is unreadable images (histocount's
# exit 3: its results are written, the failures listed in them) counts as
# done, so the merge still runs and exits 3 itself, listing those images in
# OUT/merged/summary.json. Any other failure (crash, out of memory, time
# limit) fails the task and the merge is cancelled (--kill-on-invalid-dep);
# rerun just the failed task, which resumes from its results.jsonl:
#   sbatch --array=<i> --export=ALL,SHARDS=N deploy/slurm-array.sh shard MANIFEST OUT
#   sbatch --dependency=afterok:<that job> --export=ALL,SHARDS=N deploy/slurm-array.sh merge MANIFEST OUT
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
# The #SBATCH lines are the shard tasks' defaults (the merge job overrides
# them); there is no #SBATCH --array, so that the merge job, submitted with
# this same script, is not an array: `submit` gives the shards --array.
#SBATCH --job-name=histocount
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=04:00:00
#SBATCH --output=histocount-%A_%a.log
set -euo pipefail

RUNTIME=${HISTOCOUNT_RUNTIME:-apptainer}
SIF=${HISTOCOUNT_SIF:-histocount.sif}
IMAGE=${HISTOCOUNT_IMAGE:-histocount:latest}

die() {
	echo "slurm-array.sh: $*" >&2
	exit 2
}

# histocount_in DATA OUT ARGS... runs histocount ARGS with DATA at /data
# (read-only) and OUT at /out; bare runs it in place with host paths.
histocount_in() {
	local data=$1 out=$2
	shift 2
	case $RUNTIME in
	apptainer)
		apptainer exec --containall --bind "$data:/data:ro" --bind "$out:/out" "$SIF" histocount "$@" ;;
	podman)
		podman run --rm --network none --userns=keep-id --user "$(id -u):$(id -g)" \
			--cpus "${SLURM_CPUS_PER_TASK:-2}" \
			-v "$data:/data:ro,z" -v "$out:/out:z" "$IMAGE" "$@" ;;
	bare)
		histocount "$@" ;;
	*) die "HISTOCOUNT_RUNTIME must be apptainer, podman or bare, not $RUNTIME" ;;
	esac
}

# paths MANIFEST OUT sets data, out (host) and c_manifest, c_out (as
# histocount sees them).
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
	[ -f "$2" ] || die "manifest $2 not found"
	mkdir -p "$3"
	self=$(readlink -f "$0")
	# Absolute paths: the tasks may start in another directory.
	set -- "$1" "$(readlink -f "$2")" "$(readlink -f "$3")"
	array=$(sbatch --parsable --array="0-$((n - 1))" --output="$3/histocount-%A_%a.log" \
		--export=ALL,SHARDS="$n" "$self" shard "$2" "$3")
	array=${array%%;*} # "jobid;cluster" on multi-cluster setups
	merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
		--job-name=histocount-merge --cpus-per-task=1 --mem=2G --time=00:30:00 \
		--output="$3/histocount-merge-%j.log" --export=ALL,SHARDS="$n" "$self" merge "$2" "$3")
	merge=${merge%%;*}
	echo "submitted array job $array ($n shards) and merge job $merge (after all shards succeed)"
	echo "results: $3/merged (summary.json, results.jsonl)"
	;;
shard)
	[ $# -eq 3 ] || die "usage: slurm-array.sh shard MANIFEST OUT (run by sbatch)"
	: "${SLURM_ARRAY_TASK_ID:?not an array task: use 'submit'}"
	# The task id is the shard: `submit` numbers them 0..N-1, and a task
	# resubmitted alone (--array=i) must still run shard i (subtracting
	# SLURM_ARRAY_TASK_MIN, = i then, would rerun shard 0: found by
	# make cluster-test).
	i=$SLURM_ARRAY_TASK_ID
	n=${SHARDS:-$((SLURM_ARRAY_TASK_MAX + 1))}
	[ "$i" -lt "$n" ] || die "array task $i is not a shard of $n (submit with --array=0-$((n - 1)))"
	paths "$2" "$3"
	mkdir -p "$out/shard-$i"
	echo "histocount shard $i/$n on $(hostname), ${SLURM_CPUS_PER_TASK:-?} CPUs"
	export GOMAXPROCS=${SLURM_CPUS_PER_TASK:-2}
	code=0
	histocount_in "$data" "$out" run "$c_manifest" --shard "$i/$n" --out "$c_out/shard-$i" || code=$?
	if [ $code = 3 ]; then
		echo "shard $i: some images unreadable (listed in shard-$i/results.jsonl); the merge will report them" >&2
		code=0
	fi
	exit $code
	;;
merge)
	[ $# -eq 3 ] || die "usage: slurm-array.sh merge MANIFEST OUT (run by sbatch)"
	: "${SHARDS:?SHARDS (the number of shards) must be set}"
	paths "$2" "$3"
	# Listed, not globbed: folders of an earlier run with more shards stay out.
	shards=()
	for ((i = 0; i < SHARDS; i++)); do
		shards+=("$c_out/shard-$i")
	done
	histocount_in "$data" "$out" merge --manifest "$c_manifest" --out "$c_out/merged" "${shards[@]}"
	;;
*)
	die "usage: slurm-array.sh submit MANIFEST OUT [N]   (shard and merge are run by sbatch)"
	;;
esac
