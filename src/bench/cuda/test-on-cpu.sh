#!/usr/bin/env bash
# The CPU test of the CUDA kit: makes the kit (make-kit.sh) and runs run-on-device.sh end to end on this machine's
# CPU, against Debian's libtorch (python3-torch's torch package: headers, libraries; libtorch-dev's TorchConfig.cmake)
# instead of the GPU machine's wheel. Every stage runs as it will there (the runtime unpacked from the kit, the JNI
# library compiled from DJL's sources and loaded through DJL_CACHE_DIR and PYTORCH_LIBRARY_PATH, the tiny model's
# greedy tokens checked against those recorded with DJL's own libtorch, bench beear on random weights with --fit, the
# eager mirror on the bench's plan, the summary) except what only CUDA has: PYTORCH_FLAVOR=cu128, CUDA's runtime for
# JNA, nvidia-smi, float16. The bench runs a small shape (4 layers, hidden 256) instead of 7B. Then the kit's size is
# checked against what the device tool carries (64 MiB with the working tree).
#
# Usage: src/bench/cuda/test-on-cpu.sh [--tiny-model DIR] [--keep]
#   --tiny-model  use this model in the kit instead of training an xs organism (saves about a minute)
#   --keep        keep the kit and the results (target/cuda-kit-cpu-test, target/cuda-run-cpu-test)
# Exit status: 0 passed, 1 failed, 77 skipped (a tool is missing: g++, xz, a JDK 17 with jlink, python3-torch,
# libtorch-dev; `apt-get install g++ xz-utils python3-torch libtorch-dev libopenblas0-pthread` brings them).
# Takes minutes: the JNI compile is about 3 CPU-minutes, the organism one, the rest about two.
set -uo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
tiny=()
keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --tiny-model) tiny=(--tiny-model "$2"); shift 2 ;;
    --keep) keep=true; shift ;;
    *) echo "error: unknown argument $1" >&2; exit 2 ;;
  esac
done
PY=/usr/bin/python3
missing=()
command -v g++ >/dev/null || missing+=(g++)
command -v xz >/dev/null || missing+=(xz-utils)
command -v jlink >/dev/null || missing+=("a JDK 17 with jlink")
"$PY" -c 'import torch' 2>/dev/null || missing+=(python3-torch)
torch_dir="$("$PY" -c 'import importlib.util as u; print(u.find_spec("torch").submodule_search_locations[0])' 2>/dev/null)"
[ -n "$torch_dir" ] && [ -f "$torch_dir/include/torch/csrc/api/include/torch/torch.h" ] || missing+=(libtorch-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "skipped: missing ${missing[*]}"
  exit 77
fi

kit="$root/target/cuda-kit-cpu-test"
out="$root/target/cuda-run-cpu-test"
work="$(mktemp -d)"
cleanup() { rm -rf "$work"; $keep || rm -rf "$kit" "$out"; }
trap cleanup EXIT
fail() { echo "FAILED: $*"; exit 1; }
t0=$(date +%s)

echo "== make-kit.sh"
bash src/bench/cuda/make-kit.sh --out "$kit" "${tiny[@]}" || fail "make-kit.sh"

# the race's random shape: 4 layers, hidden 256, 4 heads (2 KV), MLP 688, vocabulary 2048
cat > "$work/config.json" <<'EOF'
{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 2048, "hidden_size": 256,
 "intermediate_size": 688, "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2,
 "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 4096, "tie_word_embeddings": false,
 "bos_token_id": 0, "eos_token_id": 1, "torch_dtype": "float32"}
EOF

echo "== run-on-device.sh with DEVICE=cpu"
rm -rf "$out"
OUT="$out" KIT="$kit" DEVICE=cpu PYTHON="$PY" JOBS="$(nproc)" BENCH_CONFIG="$work/config.json" \
  BENCH_ARGS="--batch 2 --anchors 4 --seq 32 --dtype float32 --fit --warmup 1 --steps 2" \
  MIRROR_ARGS="--rounds 3 --threads $(nproc) --dtype float32" JAVA_HEAP=4g TIMEOUTS="600 900 600" JNI_TIMEOUT=3600 \
  bash src/bench/cuda/run-on-device.sh
rc=$?
echo "== checks"
[ -f "$out/summary.txt" ] || fail "no summary.txt"
for name in runtime torch jni engine tokens bench mirror; do
  grep -Eq "^  $name +ok " "$out/summary.txt" || fail "stage $name did not pass: $(grep -E "^  $name " "$out/summary.txt")"
done
[ $rc -eq 0 ] || fail "run-on-device.sh exited with $rc"
grep -q "greedy tokens equal to the CPU's" "$out/summary.txt" || fail "no token verdict"
[ -s "$out/libdjl_torch.so" ] && [ -s "$out/torch-version.txt" ] || fail "the JNI library did not come back in OUT"
grep -Eq "^  round +[0-9.]+ +[0-9.]+ " "$out/summary.txt" || fail "no seconds per round for both sides"
files=$(find "$out" -type f | wc -l)
[ "$files" -le 8 ] || fail "$files files in OUT: the device tool brings back 8"

kit_bytes=$(du -sb "$kit" | cut -f1)
tree_bytes=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
total_mib=$(( (kit_bytes + tree_bytes + 1048575) / 1048576 ))
echo "kit $(( kit_bytes / 1048576 )) MiB + working tree $(( tree_bytes / 1048576 )) MiB = $total_mib MiB (the device tool carries 64)"
[ "$total_mib" -le 64 ] || fail "kit and working tree are $total_mib MiB"
echo "passed in $(( $(date +%s) - t0 )) s"
