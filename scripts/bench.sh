#!/usr/bin/env bash
# Runs the benchmarks and prints ratios against the baselines measured in
# the same run: 2-worker vs 1-worker throughput, and peak RSS for 2000 vs
# 100 images. Absolute numbers vary by machine; the ratios are the point.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH HISTOCOUNT_NO_MATPROFILE=1
out=$(mktemp)
go test -run '^$' -bench 'CellsThroughput|^BenchmarkPeakRSS$' -benchtime 3x ./cmd/histocount/ | tee "$out"
go test -run '^$' -bench 'RunPeakRSS' -benchtime 1x -timeout 30m ./cmd/histocount/ | tee -a "$out"
# The real nuclei batch: DSB2018 dev images (fluorescence, stained, brightfield),
# overlays and labels written; skipped without ../shared/data.
go test -run '^$' -bench 'NucleiMix' -benchtime 1x -timeout 60m ./cmd/histocount/ | tee -a "$out"
go test -run '^$' -bench . -benchtime 10x ./analysis/... ./imageio/ ./pipeline/ | tee -a "$out"
echo
echo "== ratios (same run)"
awk '
/CellsThroughput\/trypan\/workers=1/       { for (i=1;i<=NF;i++) if ($(i+1)=="images/s") t1=$i }
/CellsThroughput\/trypan\/workers=2/       { for (i=1;i<=NF;i++) if ($(i+1)=="images/s") t2=$i }
/CellsThroughput\/fluorescence\/workers=1/ { for (i=1;i<=NF;i++) if ($(i+1)=="images/s") f1=$i }
/CellsThroughput\/fluorescence\/workers=2/ { for (i=1;i<=NF;i++) if ($(i+1)=="images/s") f2=$i }
/^BenchmarkPeakRSS\/images=100-/  { for (i=1;i<=NF;i++) if ($(i+1)=="peak-RSS-MiB") r1=$i }
/^BenchmarkPeakRSS\/images=2000-/ { for (i=1;i<=NF;i++) if ($(i+1)=="peak-RSS-MiB") r2=$i }
/NucleiMix\/workers=1/ { for (i=1;i<=NF;i++) if ($(i+1)=="images/s") n1=$i }
/NucleiMix\/workers=2/ { for (i=1;i<=NF;i++) if ($(i+1)=="images/s") n2=$i }
/NucleiMixPeakRSS\/images=100-/  { for (i=1;i<=NF;i++) if ($(i+1)=="peak-RSS-MiB") m1=$i }
/NucleiMixPeakRSS\/images=2000-/ { for (i=1;i<=NF;i++) if ($(i+1)=="peak-RSS-MiB") m2=$i }
/RunPeakRSS\/items=100-/   { for (i=1;i<=NF;i++) { if ($(i+1)=="peak-RSS-MiB") q1=$i; if ($(i+1)=="images/s") s1=$i } }
/RunPeakRSS\/items=10000-/ { for (i=1;i<=NF;i++) { if ($(i+1)=="peak-RSS-MiB") q2=$i; if ($(i+1)=="images/s") s2=$i } }
END {
  if (t1) printf "trypan       1→2 workers: %.1f → %.1f images/s = %.2f×\n", t1, t2, t2/t1
  if (f1) printf "fluorescence 1→2 workers: %.1f → %.1f images/s = %.2f×\n", f1, f2, f2/f1
  if (r1) printf "peak RSS 100 → 2000 images: %.0f → %.0f MiB = %.2f×\n", r1, r2, r2/r1
  if (n1) printf "nuclei mix   1→2 workers: %.1f → %.1f images/s = %.2f×\n", n1, n2, n2/n1
  if (m1) printf "nuclei mix peak RSS 100 → 2000 images: %.0f → %.0f MiB = %.2f×\n", m1, m2, m2/m1
  if (q1) printf "run: peak RSS 100 → 10000 items: %.0f → %.0f MiB = %.2f× (%.0f images/s at 10000)\n", q1, q2, q2/q1, s2
}' "$out"
rm -f "$out"
