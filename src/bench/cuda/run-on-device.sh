#!/usr/bin/env bash
# Runs the Java engine on the lent GPU machine from the kit of make-kit.sh, in stages, each logged to $OUT/stages.log
# (see README, "The Java engine on CUDA"):
#   runtime  unpack the kit's Java runtime
#   torch    find the machine's libtorch (PYTHON's torch package), its version, and from TorchConfig.cmake its C++
#            standard and ABI; the compiler
#   jni      build DJL's JNI library against that libtorch (g++ -O2 -fPIC, one job per core), or reuse the kit's
#            jni/libdjl_torch.so when it was built for the same torch version; copy it to $OUT for the next call
#   engine   DJL's loader settings: DJL_CACHE_DIR (the library where DJL looks for it), PYTORCH_LIBRARY_PATH (torch's
#            lib folder), PYTORCH_FLAVOR, OPT_OUT_TRACKING, DJL_OFFLINE, -Djna.library.path (CUDA's runtime)
#   tokens   greedy generation on the kit's tiny model on the device, compared with the CPU tokens in the kit
#   bench    bench beear with random weights of BENCH_CONFIG's shape (default Llama-2-7B) in float16 with the plan's
#            settings (--fit): seconds per round, peak device memory and the plan, side by side
#   mirror   the same rounds in eager PyTorch on the same device: src/bench/python/eager_beear_step.py
#            --random-config with the bench's plan (same settings, batch and sequence length)
#   summary  $OUT/summary.txt: each stage's status and time, and the figures side by side
# A stage that fails is recorded and the next ones that do not depend on it still run. Exit status: 0 when every
# stage passed, 1 otherwise.
#
# Usage, from the checkout's root: src/bench/cuda/run-on-device.sh
# Environment (all optional):
#   OUT           where the results go (default: the device tool's $OUT, else target/cuda-run)
#   KIT           the kit (default target/cuda-kit)
#   DEVICE        cuda (default) or cpu: cpu runs every stage against a CPU libtorch (the CPU test of this script)
#   PYTHON        the interpreter whose torch package is used (default python3)
#   TORCH_DIR     the torch package folder (default: PYTHON's); TORCH_CMAKE its TorchConfig.cmake (default: under
#                 TORCH_DIR/share/cmake, else beside the real libtorch.so)
#   BENCH_CONFIG  config.json of the benchmarked shape (default src/test/resources/configs/llama-2-7b/config.json)
#   BENCH_ARGS    bench beear's flags (default: --batch 8 --anchors 32 --seq 256 --dtype float16 --fit --warmup 1
#                 --steps 2: the README's plan-check settings)
#   MIRROR_ARGS   eager_beear_step.py's extra flags (default --rounds 3)
#   JOBS          compile jobs (default: the number of cores); JAVA_HEAP (default 8g)
#   TIMEOUTS      seconds the tokens, bench and mirror stages may each run (default "90 210 150": with the JNI
#                 build, at most about 9 minutes in all, inside the device tool's 10); JNI_TIMEOUT the compile's
#                 (default 400)
set -uo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
OUT="${OUT:-$root/target/cuda-run}"
KIT="${KIT:-$root/target/cuda-kit}"
DEVICE="${DEVICE:-cuda}"
PYTHON="${PYTHON:-python3}"
BENCH_CONFIG="${BENCH_CONFIG:-src/test/resources/configs/llama-2-7b/config.json}"
BENCH_ARGS="${BENCH_ARGS:---batch 8 --anchors 32 --seq 256 --dtype float16 --fit --warmup 1 --steps 2}"
MIRROR_ARGS="${MIRROR_ARGS:---rounds 3}"
JOBS="${JOBS:-$(nproc)}"
JAVA_HEAP="${JAVA_HEAP:-8g}"
read -r TOKENS_TIMEOUT BENCH_TIMEOUT MIRROR_TIMEOUT <<< "${TIMEOUTS:-90 210 150}"
JNI_TIMEOUT="${JNI_TIMEOUT:-400}"
case "$DEVICE" in cuda|cpu) ;; *) echo "error: DEVICE must be cuda or cpu, not $DEVICE" >&2; exit 2 ;; esac
case "$KIT" in /*) ;; *) KIT="$root/$KIT" ;; esac
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/beear-cuda.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
: > "$OUT/stages.log"
exec > >(tee -a "$OUT/stages.log") 2>&1
STATUS="$WORK/status.tsv"
: > "$STATUS"

# --- helpers ----------------------------------------------------------------------------------------------------
stage() { # stage NAME FUNCTION: runs it, records ok/FAILED and its seconds
  local name="$1" fn="$2" start end rc
  echo
  echo "=== $name ($(date -u +%T) UTC)"
  start=$(date +%s.%N)
  "$fn"
  rc=$?
  end=$(date +%s.%N)
  local took
  took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  if [ $rc -eq 0 ]; then
    printf '%s\tok\t%s\t%s\t%s\t%s\n' "$name" "$took" "$start" "$end" "${NOTE:-}" >> "$STATUS"
    echo "=== $name: ok in $took s${NOTE:+ ($NOTE)}"
  else
    printf '%s\tFAILED\t%s\t%s\t%s\t%s\n' "$name" "$took" "$start" "$end" "${NOTE:-exit status $rc}" >> "$STATUS"
    echo "=== $name: FAILED in $took s (${NOTE:-exit status $rc})"
  fi
  NOTE=""
  return $rc
}
skip() { # skip NAME REASON
  printf '%s\tskipped\t0\t0\t0\t%s\n' "$1" "$2" >> "$STATUS"
  echo
  echo "=== $1: skipped ($2)"
}
passed() { awk -F'\t' -v s="$1" '$1 == s && $2 == "ok" { found = 1 } END { exit !found }' "$STATUS"; }
prop() { sed -n "s/^$1=//p" "$KIT/kit.properties"; }
NOTE=""

# --- stages -----------------------------------------------------------------------------------------------------
stage_runtime() {
  [ -f "$KIT/kit.properties" ] || { NOTE="no kit at $KIT (make it with src/bench/cuda/make-kit.sh)"; return 1; }
  cat "$KIT/kit.properties"
  tar -C "$WORK" -xJf "$KIT/runtime.tar.xz" || return 1
  JAVA="$WORK/jre/bin/java"
  "$JAVA" -version || return 1
  NOTE="$("$JAVA" -version 2>&1 | head -1)"
}

stage_torch() {
  if [ -z "${TORCH_DIR:-}" ]; then
    TORCH_DIR="$("$PYTHON" -c 'import importlib.util as u; print(u.find_spec("torch").submodule_search_locations[0])')" \
      || { NOTE="$PYTHON has no torch package; set TORCH_DIR"; return 1; }
  fi
  TORCH_LIB="$TORCH_DIR/lib"
  [ -e "$TORCH_LIB/libtorch.so" ] || { NOTE="no libtorch.so in $TORCH_LIB"; return 1; }
  [ -d "$TORCH_DIR/include/torch/csrc/api/include" ] || { NOTE="no C++ headers under $TORCH_DIR/include"; return 1; }
  TORCH_VERSION="$(sed -n "s/^__version__ = '\(.*\)'.*/\1/p" "$TORCH_DIR/version.py" 2>/dev/null)"
  if [ -z "${TORCH_CMAKE:-}" ]; then
    TORCH_CMAKE="$TORCH_DIR/share/cmake/Torch/TorchConfig.cmake"
    [ -f "$TORCH_CMAKE" ] || TORCH_CMAKE="$(dirname "$(readlink -f "$TORCH_LIB/libtorch.so")")/cmake/Torch/TorchConfig.cmake"
  fi
  [ -f "$TORCH_CMAKE" ] || { NOTE="no TorchConfig.cmake found (set TORCH_CMAKE)"; return 1; }
  # DJL's CMakeLists asks for C++17; a libtorch that needs a newer standard says so in its CXX_STANDARD
  CXX_STD="$(grep -o 'CXX_STANDARD [0-9]*' "$TORCH_CMAKE" | awk '{print $2}' | sort -n | tail -1)"
  [ -n "$CXX_STD" ] && [ "$CXX_STD" -ge 17 ] || CXX_STD=17
  CXX_ABI="$(grep -o '_GLIBCXX_USE_CXX11_ABI=[01]' "$TORCH_CMAKE" | head -1 | cut -d= -f2)"
  CXX_ABI="${CXX_ABI:-1}"
  # DJL's build.sh: libtorch 1.13 to 2.1 take the V1_13_X code paths
  case "$TORCH_VERSION" in 1.13*|2.0.*|2.1.*) PT_DEFINE="-DV1_13_X" ;; *) PT_DEFINE="" ;; esac
  CXX="${CXX:-g++}"
  command -v "$CXX" >/dev/null || { NOTE="no C++ compiler ($CXX)"; return 1; }
  echo "torch $TORCH_VERSION at $TORCH_DIR"
  echo "TorchConfig.cmake: $TORCH_CMAKE: C++$CXX_STD, _GLIBCXX_USE_CXX11_ABI=$CXX_ABI ${PT_DEFINE:+, $PT_DEFINE}"
  "$CXX" --version | head -1
  NOTE="torch $TORCH_VERSION, $("$CXX" --version | head -1), C++$CXX_STD, ABI $CXX_ABI"
}

stage_jni() {
  JNI_LIB="$WORK/jni/libdjl_torch.so"
  mkdir -p "$WORK/jni/obj"
  if [ -f "$KIT/jni/libdjl_torch.so" ] && [ "$(cat "$KIT/jni/torch-version.txt" 2>/dev/null)" = "$TORCH_VERSION" ]; then
    cp "$KIT/jni/libdjl_torch.so" "$JNI_LIB"
    NOTE="reused the kit's library, built for torch $TORCH_VERSION"
  else
    local src="$KIT/djl-jni"
    local flags=(-std="c++$CXX_STD" -O2 -fPIC -w -D_GLIBCXX_USE_CXX11_ABI="$CXX_ABI" $PT_DEFINE
      -I"$src/include" -I"$src/api" -I"$TORCH_DIR/include" -I"$TORCH_DIR/include/torch/csrc/api/include")
    echo "$CXX ${flags[*]} -c FILE.cc (x$(ls "$src"/native/*.cc | wc -l), $JOBS jobs)"
    export CXX
    ls "$src"/native/*.cc | timeout "$JNI_TIMEOUT" xargs -P "$JOBS" -I{} sh -c \
      'f="$1"; shift; o="$0/$(basename "$f" .cc).o"
       "$CXX" "$@" -c "$f" -o "$o" 2>"$o.err" || { echo "FAILED: $f"; head -40 "$o.err"; exit 1; }' \
      "$WORK/jni/obj" {} "${flags[@]}" || { NOTE="compilation failed"; return 1; }
    "$CXX" -shared -o "$JNI_LIB" "$WORK"/jni/obj/*.o -L"$TORCH_LIB" -Wl,-rpath,"$TORCH_LIB" -Wl,--no-as-needed \
      -ltorch -ltorch_cpu -lc10 || { NOTE="linking failed"; return 1; }
    NOTE="built against torch $TORCH_VERSION"
  fi
  cp "$JNI_LIB" "$OUT/libdjl_torch.so"
  printf '%s\n' "$TORCH_VERSION" > "$OUT/torch-version.txt"
  ls -la "$JNI_LIB"
}

stage_engine() {
  local flavor pt djl
  pt="$(prop pytorch_version)"
  djl="$(prop djl_version)"
  flavor=$([ "$DEVICE" = cuda ] && echo cu128 || echo cpu)
  export DJL_CACHE_DIR="$WORK/djl-cache" PYTORCH_LIBRARY_PATH="$TORCH_LIB" PYTORCH_FLAVOR="$flavor"
  export OPT_OUT_TRACKING=true DJL_OFFLINE=true OMP_WAIT_POLICY=PASSIVE
  unset PYTORCH_VERSION
  # DJL takes the JNI library from torch's lib folder, else from here (LibUtils.findJniLibrary)
  mkdir -p "$DJL_CACHE_DIR/pytorch/$pt-$flavor-linux-x86_64"
  cp "$JNI_LIB" "$DJL_CACHE_DIR/pytorch/$pt-$flavor-linux-x86_64/$djl-libdjl_torch.so"
  JAVA_OPTS=(-Xmx"$JAVA_HEAP" -Dai.djl.offline=true -Dai.djl.default_engine=PyTorch
    -Dai.djl.pytorch.num_threads="$(nproc)" -Dai.djl.pytorch.num_interop_threads=1)
  if [ "$DEVICE" = cuda ]; then
    # DJL counts GPUs through CUDA's runtime, which it loads with JNA from jna.library.path
    local cudart
    cudart="$(find "$TORCH_DIR/../nvidia" "$TORCH_LIB" "$TORCH_DIR/.." -maxdepth 4 -name 'libcudart.so*' 2>/dev/null \
      | head -1)"
    [ -n "$cudart" ] || { NOTE="no libcudart.so beside torch"; return 1; }
    # JNA asks for "cudart": an unversioned name beside the wheel's libcudart.so.NN (the same file, so the same
    # runtime as PyTorch's once loaded)
    mkdir -p "$WORK/jna"
    ln -sf "$(readlink -f "$cudart")" "$WORK/jna/libcudart.so"
    JAVA_OPTS+=(-Djna.library.path="$WORK/jna:$(dirname "$cudart")")
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  fi
  echo "DJL_CACHE_DIR=$DJL_CACHE_DIR PYTORCH_LIBRARY_PATH=$PYTORCH_LIBRARY_PATH PYTORCH_FLAVOR=$PYTORCH_FLAVOR"
  echo "java ${JAVA_OPTS[*]} -cp $KIT/lib/* $(prop main_class)"
  NOTE="flavor $flavor, JNI at pytorch/$pt-$flavor-linux-x86_64/$djl-libdjl_torch.so"
}

beear() { # beear SECONDS COMMAND...: the engine's command line from the kit, stopped after SECONDS
  local seconds="$1"
  shift
  timeout "$seconds" "$JAVA" "${JAVA_OPTS[@]}" -cp "$KIT/lib/*" "$(prop main_class)" "$@"
}

stage_tokens() {
  beear "$TOKENS_TIMEOUT" generate --model "$KIT/tiny" --device "$DEVICE" --prompt "$(prop tiny_prompt)" --chat \
    --max-new-tokens "$(prop tiny_new_tokens)" --json > "$WORK/tokens.json" || { NOTE="generate failed"; return 1; }
  cat "$WORK/tokens.json"
  NOTE="$("$PYTHON" - "$KIT/tiny-tokens.json" "$WORK/tokens.json" <<'EOF'
import json, sys
expected, got = (json.load(open(p))["output_ids"] for p in sys.argv[1:3])
first = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b), None)
if first is None and len(expected) != len(got):
    first = min(len(expected), len(got))
print(f"{len(got)} of {len(expected)} greedy tokens equal to the CPU's" if first is None else
      f"greedy tokens differ from the CPU's at token {first}: expected {expected[first:first + 5]}, "
      f"got {got[first:first + 5]}")
sys.exit(0 if first is None else 1)
EOF
)"
}

stage_bench() {
  local device_flag=$([ "$DEVICE" = cuda ] && echo gpu || echo cpu)
  [ "$DEVICE" = cpu ] && export MALLOC_MMAP_THRESHOLD_=65536  # resident memory as allocated (see MemoryBench)
  # shellcheck disable=SC2086
  beear "$BENCH_TIMEOUT" bench beear --model "$BENCH_CONFIG" --device "$device_flag" $BENCH_ARGS --json "$OUT/bench.json"
  local rc=$?
  unset MALLOC_MMAP_THRESHOLD_
  [ $rc -eq 4 ] && NOTE="out of memory"
  return $rc
}

stage_mirror() {
  "$PYTHON" -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["plan"], open(sys.argv[2], "w"))' \
    "$OUT/bench.json" "$WORK/plan.json" || { NOTE="no plan in bench.json"; return 1; }
  # shellcheck disable=SC2086
  PYTHONUNBUFFERED=1 timeout "$MIRROR_TIMEOUT" "$PYTHON" src/bench/python/eager_beear_step.py \
    --random-config "$BENCH_CONFIG" --plan "$WORK/plan.json" --device "$DEVICE" $MIRROR_ARGS --json "$OUT/mirror.json"
}

# --- the run ----------------------------------------------------------------------------------------------------
echo "run-on-device: DEVICE=$DEVICE KIT=$KIT OUT=$OUT BENCH_CONFIG=$BENCH_CONFIG BENCH_ARGS=$BENCH_ARGS; $(nproc) cores"
stage runtime stage_runtime
stage torch stage_torch
if passed torch; then stage jni stage_jni; else skip jni "no libtorch or compiler"; fi
if passed runtime && passed jni; then stage engine stage_engine; else skip engine "no runtime or JNI library"; fi
if passed engine; then stage tokens stage_tokens; else skip tokens "engine not set up"; fi
smi=""
if [ "$DEVICE" = cuda ] && command -v nvidia-smi >/dev/null; then
  # the device's memory in use every 200 ms over the bench and the mirror, a cross-check of what each reports
  nvidia-smi --query-gpu=timestamp,memory.used,memory.total,utilization.gpu --format=csv,nounits -lms 200 \
    > "$OUT/smi.csv" 2>/dev/null &
  smi=$!
fi
if passed engine; then stage bench stage_bench; else skip bench "engine not set up"; fi
if [ -f "$OUT/bench.json" ]; then stage mirror stage_mirror; else skip mirror "no plan from the bench"; fi
[ -n "$smi" ] && kill "$smi" 2>/dev/null
echo
"${PYTHON}" "$root/src/bench/cuda/summarize.py" --status "$STATUS" --out "$OUT" | tee "$OUT/summary.txt"
awk -F'\t' '$2 != "ok" { failed = 1 } END { exit failed }' "$STATUS"
