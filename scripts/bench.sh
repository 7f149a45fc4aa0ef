#!/usr/bin/env bash
# Runs the benchmarks and prints ratios against the baselines measured in
# the same run: for each real batch kind (the DSB2018 nuclei mix with
# overlays and labels, the real trypan crops, whole chamber fields) the
# 2-worker vs 1-worker throughput and the peak RSS of the long vs the short
# batch. Absolute numbers vary by machine and load; the ratios are the point.
# On a shared machine read the 1→2 ratio with "cores used" (CPU seconds per
# wall second): when 2 workers get only one core's worth, no code can
# scale, and a steady CPU per image says the workers do not slow each other.
# HISTOCOUNT_BENCH_SIZES=small,large sets the batch lengths (default
# 100,2000: an hour or more on 2 cores; 20,200 gives a quick look).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH HISTOCOUNT_NO_MATPROFILE=1
out=$(mktemp)
echo "bench: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out"
go test -run '^$' -bench '^BenchmarkBatch$' -benchtime 1x -timeout 6h ./cmd/histocount/ | tee -a "$out"
go test -run '^$' -bench 'RunPeakRSS' -benchtime 1x -timeout 30m ./cmd/histocount/ | tee -a "$out"
go test -run '^$' -bench . -benchtime 10x ./analysis/... ./imageio/ ./pipeline/ | tee -a "$out"
echo "bench: load average after $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
echo
echo "== ratios (same run)"
awk '
function metric(name,   i) { for (i = 1; i < NF; i++) if ($(i+1) == name) return $i; return "" }
/^BenchmarkBatch\// {
  split($1, p, "/"); kind = p[2]; w = p[3]; sub(/workers=/, "", w); n = p[4]; sub(/images=/, "", n); sub(/-[0-9]+$/, "", n)
  if (!(kind in seen)) { seen[kind] = 1; order[++nk] = kind }
  if (small[kind] == "" || n + 0 < small[kind] + 0) small[kind] = n
  if (n + 0 > large[kind] + 0) large[kind] = n
  ips[kind, w, n] = metric("images/s"); cpu[kind, w, n] = metric("cpu-s/image"); rss[kind, w, n] = metric("peak-RSS-MiB")
}
/RunPeakRSS\/items=100-/   { q1 = metric("peak-RSS-MiB") }
/RunPeakRSS\/items=10000-/ { q2 = metric("peak-RSS-MiB"); s2 = metric("images/s") }
END {
  for (k = 1; k <= nk; k++) {
    K = order[k]; s = small[K]; l = large[K]
    a = ips[K, 1, s]; b = ips[K, 2, s]
    if (a != "" && b != "")
      printf "%-14s 1→2 workers (%d images): %.2f → %.2f images/s = %.2f× (target ≥ 1.8×); CPU %.3f → %.3f s/image; cores used %.2f → %.2f\n", K, s, a, b, b / a, cpu[K, 1, s], cpu[K, 2, s], a * cpu[K, 1, s], b * cpu[K, 2, s]
    r1 = rss[K, 2, s]; r2 = rss[K, 2, l]
    if (r1 != "" && r2 != "" && l != s)
      printf "%-14s peak RSS %d → %d images (2 workers): %.0f → %.0f MiB = %.2f× (target ≤ 1.25×); %.2f images/s at %d\n", K, s, l, r1, r2, r2 / r1, ips[K, 2, l], l
  }
  if (q1) printf "run: peak RSS 100 → 10000 items: %.0f → %.0f MiB = %.2f× (%.0f images/s at 10000)\n", q1, q2, q2/q1, s2
}' "$out"
rm -f "$out"
