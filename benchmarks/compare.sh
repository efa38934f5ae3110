#!/usr/bin/env bash
# Runs one integer-loop guest (guests/prebuilt/loop-O2.elf: 200 million iterations, 1.6 billion
# guest instructions) on captive (kvm), captive (interpreter) and qemu-system-aarch64 (TCG) in the
# same run, and prints wall times and ratios against QEMU. Times are whole-process wall times
# (start-up included), median of RUNS runs.
#   usage: benchmarks/compare.sh [IMAGE] [RUNS]     (SKIP_INTERPRETER=1 to leave the slow engine out)
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:-guests/prebuilt/loop-O2.elf}
runs=${2:-3}
# A ReadyToRun build, as a deployed tool would be: otherwise JIT-compiling the code generator
# dominates a short run's translation time.
out=artifacts/bench/captive
dotnet publish src/Captive.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$out" -nologo -v q >/dev/null
captive=("$out/captive")
expected="guests/prebuilt/$(basename "$image" | sed 's/-O[0-9]*\.elf$//; s/\.elf$//').expected"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
measure() { # name, command...
  local name=$1; shift
  local times=()
  for _ in $(seq "$runs"); do
    local start end out
    start=$(date +%s.%N)
    out=$("$@" 2>/dev/null) || { echo "$name failed" >&2; return 1; }
    end=$(date +%s.%N)
    if [ -f "$expected" ] && [ "$out" != "$(cat "$expected")" ]; then echo "$name printed the wrong output" >&2; return 1; fi
    times+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | median
}

echo "image: $image, median of $runs runs, $(nproc) cores, $(uname -r)"
qemu=$(measure qemu qemu-system-aarch64 -M virt -cpu cortex-a57 -nographic -monitor none -kernel "$image")
kvm=$(measure captive-kvm "${captive[@]}" --engine kvm -kernel "$image")
if [ "${SKIP_INTERPRETER:-0}" != 1 ]; then
  interp=$(measure captive-interpreter "${captive[@]}" --engine interpreter -kernel "$image")
fi
printf '%-26s %10s %14s\n' engine "seconds" "time / QEMU"
printf '%-26s %10.3f %14.3f\n' "qemu-system-aarch64 (TCG)" "$qemu" 1
printf '%-26s %10.3f %14.3f\n' "captive (kvm)" "$kvm" "$(echo "$kvm / $qemu" | bc -l)"
[ -n "${interp:-}" ] && printf '%-26s %10.3f %14.3f\n' "captive (interpreter)" "$interp" "$(echo "$interp / $qemu" | bc -l)"
printf 'captive (kvm) is %.2fx QEMU'"'"'s speed\n' "$(echo "$qemu / $kvm" | bc -l)"
echo "exit and request profile of one captive (kvm) run:"
"${captive[@]}" --engine kvm --count --stats -kernel "$image" 2>&1 >/dev/null | sed 's/^/  /'
