#!/usr/bin/env bash
# Assembles, from this checkout's build, what the GPU machine needs to run the Java engine there (it has PyTorch,
# g++ and Python but no JDK and no network; see README, "The Java engine on CUDA"):
#   runtime.tar.xz    a jlink'ed Java 17 runtime (the modules the engine's commands use)
#   lib/              the engine's class path: beear's classes as a jar and the jars they need, no Spring, no native
#                     libtorch (the machine's own is used), the tokenizers jar trimmed to linux-x86_64
#   djl-jni/          DJL v0.35.1's JNI sources (src/bench/cuda/djl-jni), the javac -h header of PyTorchLibrary,
#                     jni.h and jni_md.h of this JDK, for run-on-device.sh to build libdjl_torch.so there
#   tiny/             a tiny model (an xs organism) and tiny-tokens.json, its greedy tokens on this machine's CPU
#   kit.properties    versions and where it all came from
#   jni/              (kept from an earlier kit) a libdjl_torch.so brought back from the device, with the torch
#                     version it was built for: run-on-device.sh reuses it instead of compiling
# The kit must fit in what the device tool carries (64 MiB with the working tree); its size is checked here.
#
# Usage: src/bench/cuda/make-kit.sh [--out DIR] [--tiny-model DIR] [--max-mib N]
#   --out         where the kit goes (default target/cuda-kit; carry it with the run tool as that path)
#   --tiny-model  a model directory to use instead of training an xs organism (about a minute here)
#   --max-mib     the largest kit accepted (default 56: 64 MiB less the working tree and room to spare)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
out="$root/target/cuda-kit"
tiny_model=""
max_mib=56
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --tiny-model) tiny_model="$2"; shift 2 ;;
    --max-mib) max_mib="$2"; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

# the modules of java.base's neighbours that the engine's commands load (cuda-java notes: 40 MiB, 19 MiB as xz)
MODULES=java.base,java.logging,java.sql,java.management,java.naming,java.net.http,jdk.unsupported
# the jars of BOOT-INF/lib the engine's commands need, as name prefixes (their versions follow)
JARS=(api- pytorch-engine- tokenizers- picocli- jackson-annotations- jackson-core- jackson-databind- snakeyaml- gson- jna-
  commons-compress- slf4j-api- logback-classic- logback-core-)
# the greedy-token check: a chat prompt and how many tokens
PROMPT="What is the capital of France?"
NEW_TOKENS=24

javac_path="$(readlink -f "$(command -v javac)")" || { echo "error: no javac: a JDK 17 is needed" >&2; exit 2; }
jdk="$(dirname "$(dirname "$javac_path")")"
for tool in jlink jar; do
  [ -x "$jdk/bin/$tool" ] || { echo "error: $jdk has no $tool" >&2; exit 2; }
done
[ -f "$jdk/include/jni.h" ] && [ -f "$jdk/include/linux/jni_md.h" ] \
  || { echo "error: $jdk has no include/jni.h (install the full JDK, not the headless one)" >&2; exit 2; }
version="$("$jdk/bin/java" -version 2>&1 | head -1)"
case "$version" in *'"17'*) ;; *) echo "error: the kit's runtime must be Java 17, $jdk is: $version" >&2; exit 2 ;; esac
command -v xz >/dev/null || { echo "error: xz is needed (apt-get install xz-utils)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "error: python3 is needed to trim the tokenizers jar" >&2; exit 2; }

jar="$root/target/beear.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root/src/main" "$root/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; then
  echo "building $jar ..." >&2
  (cd "$root" && mvn -q -B -ntp -DskipTests package) >&2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
kit="$tmp/kit"
mkdir -p "$kit/lib" "$kit/djl-jni/include"
step() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

step "runtime: jlink $MODULES"
"$jdk/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$tmp/jre"
tar -C "$tmp" -cf - jre | xz -T2 -6 > "$kit/runtime.tar.xz"

step "class path: beear's classes and ${#JARS[@]} jars from $jar"
mkdir -p "$tmp/boot"
(cd "$tmp/boot" && "$jdk/bin/jar" xf "$jar" BOOT-INF/classes BOOT-INF/lib)
"$jdk/bin/jar" cf "$kit/lib/beear-classes.jar" -C "$tmp/boot/BOOT-INF/classes" .
for prefix in "${JARS[@]}"; do
  found=("$tmp/boot/BOOT-INF/lib/$prefix"[0-9]*.jar)
  [ -f "${found[0]}" ] || { echo "error: no $prefix*.jar in $jar" >&2; exit 1; }
  if [ "$prefix" = tokenizers- ]; then
    # the Rust tokenizer's native library for linux-x86_64 only (the jar carries five platforms)
    python3 - "${found[0]}" "$kit/lib/$(basename "${found[0]}")" <<'EOF'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        if item.filename.startswith("native/lib/") and not item.filename.startswith("native/lib/linux-x86_64/") \
                and item.filename.count("/") > 2:
            continue
        zout.writestr(item, zin.read(item.filename))
EOF
  else
    cp "${found[0]}" "$kit/lib/"
  fi
done
engine_jar=("$kit/lib/pytorch-engine-"*.jar)
unzip -p "${engine_jar[0]}" pytorch-engine.properties > "$tmp/engine.properties"
pytorch_version="$(sed -n 's/^pytorch_version=//p' "$tmp/engine.properties")"
djl_version="$(sed -n 's/^djl_version=//p' "$tmp/engine.properties")"

step "JNI sources of DJL $djl_version, the PyTorchLibrary header, jni.h"
src="$root/src/bench/cuda/djl-jni"
cp -r "$src/native" "$src/api" "$src/LICENSE" "$src/NOTICE" "$src/README.md" "$kit/djl-jni/"
"$jdk/bin/javac" -h "$kit/djl-jni/include" -d "$tmp/jni-classes" "$src/java/ai/djl/pytorch/jni/PyTorchLibrary.java"
cp "$jdk/include/jni.h" "$jdk/include/linux/jni_md.h" "$kit/djl-jni/include/"

if [ -n "$tiny_model" ]; then
  step "tiny model: $tiny_model"
  cp -r "$tiny_model" "$kit/tiny"
else
  step "tiny model: training an xs organism (suffix-short, seed 1)"
  OPT_OUT_TRACKING=true DJL_OFFLINE=true OMP_WAIT_POLICY=PASSIVE "$root/bin/beear" organism \
    --setting suffix-short --size xs --seed 1 --out "$kit/tiny" >"$tmp/organism.log" 2>&1 \
    || { tail -20 "$tmp/organism.log" >&2; exit 1; }
fi
[ -f "$kit/tiny/config.json" ] || { echo "error: the tiny model has no config.json" >&2; exit 1; }
step "tiny model: greedy tokens on this CPU (DJL's libtorch $pytorch_version)"
OPT_OUT_TRACKING=true DJL_OFFLINE=true OMP_WAIT_POLICY=PASSIVE "$root/bin/beear" generate --model "$kit/tiny" \
  --prompt "$PROMPT" --chat --max-new-tokens "$NEW_TOKENS" --json > "$kit/tiny-tokens.json"

if [ -f "$out/jni/libdjl_torch.so" ] && [ -f "$out/jni/torch-version.txt" ]; then
  step "keeping the JNI library built on the device for torch $(cat "$out/jni/torch-version.txt")"
  cp -r "$out/jni" "$kit/jni"
fi

cat > "$kit/kit.properties" <<EOF
djl_version=$djl_version
pytorch_version=$pytorch_version
main_class=org.beear.cli.EngineMain
tiny_prompt=$PROMPT
tiny_new_tokens=$NEW_TOKENS
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- src/main 2>/dev/null || echo -dirty)
made=$(date -u +%Y-%m-%dT%H:%M:%SZ)
java=$version
EOF

bytes="$(du -sb "$kit" | cut -f1)"
mib=$(( (bytes + 1048575) / 1048576 ))
if [ "$mib" -gt "$max_mib" ]; then
  echo "error: the kit is $mib MiB, more than $max_mib MiB" >&2
  du -sh "$kit"/* >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$(dirname "$out")"
cp -r "$kit" "$out"
echo "kit: $out, $mib MiB ($bytes bytes):"
(cd "$out" && du -sh runtime.tar.xz lib djl-jni tiny $( [ -d jni ] && echo jni ) | sed 's/^/  /')
