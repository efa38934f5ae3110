#!/usr/bin/env bash
# The Linux benchmark (issue 6): Debian's stock arm64 kernel and the busybox initramfs of
# scripts/linux-guest.sh, with the same command line, on captive (kvm) and on
# qemu-system-aarch64 -M virt -cpu cortex-a57 -m 512M, in one run. Measures, per engine:
#   boot    wall time from process start to the initramfs's CAPTIVE-INIT-READY line
#   fork    500 x fork+exec of /bin/true            } timed by the guest itself
#   md5     md5sum of 8 MiB                           } (/proc/uptime, 10 ms resolution)
#   builtin a loop of 2000 shell builtins             }
#   exit    wall time from process start to the process's exit after the guest's poweroff
# and prints captive's time as a ratio of QEMU's (< 1: captive is faster), with captive's exits
# and channel requests by reason (--stats of the same run).
#
#   usage: benchmarks/linux-boot.sh            environment: RUNS=N (median of N, default 1),
#                                                           GIC=2|3 (default 2), NO_PUBLISH=1
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-1}
gic=${GIC:-2}
command -v qemu-system-aarch64 >/dev/null || { echo "linux-boot.sh: qemu-system-aarch64 not found" >&2; exit 1; }

env_file=$(mktemp)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$env_file"' EXIT
scripts/linux-guest.sh >"$env_file"
# shellcheck disable=SC1090
. "$env_file"

out=artifacts/bench/captive
if [[ "${NO_PUBLISH:-0}" != 1 ]]; then
    echo "publishing captive (ReadyToRun) to $out ..." >&2
    dotnet publish src/Captive.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$out" -v q >/dev/null
fi

# The workload, run by /init (captive.cmd64) after the marker; each phase timed by the guest.
read -r -d '' workload <<'EOF' || true
up() { cut -d' ' -f1 /proc/uptime; }
t0=$(up)
i=0; while [ $i -lt 500 ]; do /bin/true; i=$((i + 1)); done
t1=$(up)
head -c 8388608 /dev/zero | md5sum >/dev/null
t2=$(up)
i=0; while [ $i -lt 2000 ]; do : ; i=$((i + 1)); done
t3=$(up)
echo "WORKLOAD fork=$t0,$t1 md5=$t1,$t2 builtin=$t2,$t3"
EOF
cmd64=$(printf '%s' "$workload" | base64 -w0)
# nokaslr on both: both device trees carry a kaslr-seed, and a randomised kernel forces KPTI on, which makes captive's
# boot more than ten times slower (docs/linux.md, "KASLR and KPTI"); the same command line for both keeps them comparable.
append="console=ttyAMA0 panic=-1 nokaslr captive.cmd64=$cmd64"

# run NAME COMMAND...: the command's output, each line stamped with the wall clock when it arrived; the first line
# is the start.
run() {
    local name=$1; shift
    printf '%s START\n' "$EPOCHREALTIME" >"$tmp/$name.out"
    "$@" 2>"$tmp/$name.err" </dev/null | while IFS= read -r line; do
        printf '%s %s\n' "$EPOCHREALTIME" "$line"
    done >>"$tmp/$name.out"
    printf '%s EXIT\n' "$EPOCHREALTIME" >>"$tmp/$name.out"
}

# figures FILE: "boot fork md5 builtin exit" in seconds (boot and exit since the start).
figures() {
    awk '
        NR == 1 { start = $1 }
        { $1 = $1 - start }
        / CAPTIVE-INIT-READY/ && !boot { boot = $1 }
        / WORKLOAD / { for (i = 3; i <= NF; i++) { split($i, kv, "="); split(kv[2], t, ","); w[kv[1]] = t[2] - t[1] } }
        / EXIT$/ { exit_t = $1 }
        END { printf "%.3f %.3f %.3f %.3f %.3f\n", boot, w["fork"], w["md5"], w["builtin"], exit_t }' "$1"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

for ((r = 1; r <= runs; r++)); do
    run "qemu-$r" qemu-system-aarch64 -M "virt,gic-version=$gic" -cpu cortex-a57 -m 512M -nographic -monitor none \
        -no-reboot -kernel "$KERNEL" -initrd "$INITRD" -append "$append"
    run "captive-$r" "$out/captive" -M "virt,gic-version=$gic" -m 512M -kernel "$KERNEL" -initrd "$INITRD" \
        -append "$append" -no-reboot --stats
    for e in qemu captive; do
        grep -q "WORKLOAD" "$tmp/$e-$r.out" || { echo "linux-boot.sh: $e run $r did not finish the workload:" >&2; tail -20 "$tmp/$e-$r.out" >&2; cat "$tmp/$e-$r.err" >&2; exit 1; }
        figures "$tmp/$e-$r.out" >>"$tmp/$e.figures"
    done
done

echo "$(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), kernel $VERSION, GICv$gic, $(qemu-system-aarch64 --version | head -1)"
echo "median of $runs run(s); seconds; ratio = captive / QEMU (< 1: captive faster)"
printf '%-10s %10s %10s %8s\n' phase qemu captive ratio
col=1
for phase in boot fork md5 builtin exit; do
    q=$(cut -d' ' -f$col "$tmp/qemu.figures" | median)
    c=$(cut -d' ' -f$col "$tmp/captive.figures" | median)
    printf '%-10s %10.3f %10.3f %8.2f\n' "$phase" "$q" "$c" "$(awk -v q="$q" -v c="$c" 'BEGIN { print (q > 0 ? c / q : 0) }')"
    col=$((col + 1))
done
echo
echo "captive (kvm) --stats of the last run:"
sed -n '/^engine:/,$p' "$tmp/captive-$runs.err"
