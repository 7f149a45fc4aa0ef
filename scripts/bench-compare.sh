#!/usr/bin/env bash
# Times histocount against what a lab would use instead, on the same nuclei
# batch (the DSB2018 development images: fluorescence, stained and
# brightfield), every tool writing a count table and 16-bit instance labels:
#   - ImageJ 1.53t (Debian imagej), its stock macro (8-bit, Otsu, mask, fill
#     holes, watershed, Analyze Particles → count masks), one JVM in batch
#     mode under xvfb-run (ImageJ 1.x needs a display to open images);
#   - a scikit-image pipeline (Debian python3-skimage): Otsu, fill holes,
#     distance transform, peak markers, watershed; one Python process.
# Both peers run as one process, as their users run them; histocount runs
# with --workers 2 (and 1, for reference), labels on and overlays off, as
# the peers write no overlays; a last line adds histocount with overlays.
# Each tool's labels are scored against the truth (pooled F1 at IoU 0.5,
# count error). Rounds alternate the tools and each tool's best round is
# kept, so a burst of load on a shared machine hits all of them alike.
#
# Env: HISTOCOUNT_COMPARE_N (images, default all), HISTOCOUNT_COMPARE_ROUNDS
# (default 1), HISTOCOUNT_DATA (default: the nearest shared/data upwards).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH

# The peers, from Debian's own packages (idempotent).
need=()
[ -e /usr/share/java/ij.jar ] || need+=(imagej)
/usr/bin/python3 -c 'import skimage' 2>/dev/null || need+=(python3-skimage)
command -v xvfb-run >/dev/null || need+=(xvfb xauth)
command -v /usr/bin/time >/dev/null || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench-compare: apt-get install ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

data=${HISTOCOUNT_DATA:-}
if [ -z "$data" ]; then
  d=$PWD
  while [ "$d" != / ] && [ ! -d "$d/shared/data" ]; do d=$(dirname "$d"); done
  data=$d/shared/data
fi
set_dir=$data/nuclei-dsb2018
[ -f "$set_dir/truth.csv" ] || { echo "bench-compare: $set_dir/truth.csv not found (set HISTOCOUNT_DATA)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/in"
n=0
for f in "$set_dir"/images/*.png; do
  [ -n "${HISTOCOUNT_COMPARE_N:-}" ] && [ "$n" -ge "$HISTOCOUNT_COMPARE_N" ] && break
  ln -s "$f" "$work/in/"
  n=$((n + 1))
done
cat "$work"/in/*.png >/dev/null # warm the page cache for every tool alike
bin=bin/histocount
[ -x "$bin" ] || go build -o "$bin" ./cmd/histocount

# run NAME CMD...: times one tool into $work/NAME (wall seconds, peak RSS).
run() {
  local name=$1
  shift
  rm -rf "${work:?}/$name"
  mkdir -p "$work/$name"
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M %U %S" -o "$work/$name.rss" "$@" >"$work/$name.log" 2>&1 ||
    { echo "bench-compare: $name failed:" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  local s
  s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  # keep the best round
  if [ ! -f "$work/$name.best" ] || awk -v s="$s" -v b="$(cat "$work/$name.best")" 'BEGIN { exit !(s < b) }'; then
    echo "$s" >"$work/$name.best"
    cp "$work/$name.rss" "$work/$name.bestrss"
  fi
}

ij=(xvfb-run -a java -jar /usr/share/java/ij.jar -batch "$PWD/scripts/compare/imagej-nuclei.ijm" "$work/in|$work/imagej")
hc=("$bin" cells --stain fluorescence --save-labels --quiet)

echo "bench-compare: $n images of $set_dir; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
rounds=${HISTOCOUNT_COMPARE_ROUNDS:-1}
for r in $(seq "$rounds"); do
  run histocount-w2 "${hc[@]}" --workers 2 --overlays=false --out "$work/histocount-w2" "$work/in"
  run imagej "${ij[@]}"
  run skimage /usr/bin/python3 scripts/compare/skimage_nuclei.py "$work/in" "$work/skimage"
  run histocount-w1 "${hc[@]}" --workers 1 --overlays=false --out "$work/histocount-w1" "$work/in"
  run histocount-w2-overlays "${hc[@]}" --workers 2 --out "$work/histocount-w2-overlays" "$work/in"
done
echo "bench-compare: load average after $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "== nuclei batch, $n images, best of $rounds round(s) (same run)"
hc2=$(cat "$work/histocount-w2.best")
printf "%-24s %8s %9s %10s %9s %15s\n" tool wall-s images/s CPU-s peak-MiB "w2 is faster"
for t in histocount-w2 histocount-w1 histocount-w2-overlays imagej skimage; do
  s=$(cat "$work/$t.best")
  read -r rss usr sys <"$work/$t.bestrss"
  awk -v t="$t" -v s="$s" -v n="$n" -v h="$hc2" -v rss="$rss" -v cpu="$(awk -v a="$usr" -v b="$sys" 'BEGIN { print a + b }')" \
    'BEGIN { printf "%-24s %8.1f %9.2f %10.1f %9.0f %14.2f×\n", t, s, n/s, cpu, rss/1024, s/h }'
done
echo "(w2 is faster: that tool's wall time ÷ histocount-w2's. CPU-s: user+sys of the process and"
echo " its threads, the figure a loaded machine distorts least.)"
cpu_of() { awk '{ print $2 + $3 }' "$work/$1.bestrss"; }
best_peer=$(printf "%s\n%s\n" "$(cat "$work/imagej.best")" "$(cat "$work/skimage.best")" | sort -g | head -1)
awk -v p="$best_peer" -v h="$hc2" -v w1="$(cat "$work/histocount-w1.best")" \
  -v c="$(cpu_of histocount-w2)" -v ci="$(cpu_of imagej)" -v cs="$(cpu_of skimage)" 'BEGIN {
  printf "histocount (2 workers, labels) vs the faster peer: %.2f× wall (target ≥ 2×)\n", p/h
  printf "histocount 1 → 2 workers: %.2f× wall (target ≥ 1.8×); cores used by histocount-w2: %.2f\n", w1/h, c/h
  printf "CPU seconds per image: histocount %.3f, ImageJ %.3f, scikit-image %.3f\n", c/'"$n"', ci/'"$n"', cs/'"$n"' }'

echo
echo "== accuracy against the DSB2018 truth (the same images)"
/usr/bin/python3 scripts/compare/score_nuclei.py "$set_dir" \
  "$work/histocount-w2/labels" "$work/imagej/labels" "$work/skimage/labels" |
  sed -e "s|$work/||" -e 's|/labels:|:|'
