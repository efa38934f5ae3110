#!/usr/bin/env bash
# The guest benchmark suite (issue 4): runs every program of guests/bench on captive (kvm),
# captive (interpreter), qemu-system-aarch64 (TCG, same image) and natively on x86-64 (the same C,
# compiled by the host gcc), in one run; checks that every engine computed the same checksum; and
# prints per-benchmark times and ratios, geometric means per suite, and captive (kvm)'s profile.
#
#   usage: benchmarks/suite.sh [BENCHMARK...]      (default: all of guests/prebuilt/bench/*.elf)
#     e.g. benchmarks/suite.sh int-sort fp-fft
#   environment:
#     SKIP_INTERPRETER=1  leave out captive (interpreter) (~50x slower than QEMU)
#     SKIP_NATIVE=1       leave out the native x86-64 build
#     RUNS=N              run each engine N times and take the median (default 1)
#     SMALL=1             the -small images (a quick check of the machinery; times mean nothing)
#     TIMEOUT=S           per-run time limit in seconds (default 900)
#     NO_PUBLISH=1        use the captive already published in artifacts/bench/captive
#
# Times: "kernel" is what the guest measured itself with CNTVCT_EL0 around its kernel (ticks /
# CNTFRQ_EL0; clock_gettime natively), which leaves out start-up, loading and printing; "wall" is
# the whole process, start-up included. Ratios are speeds relative to captive (kvm):
# "xQEMU" = QEMU's time / captive's time (> 1: captive is faster), "/native" = native time /
# captive's time (1 = native speed).
#
# captive (kvm) runs with --stats (it costs nothing): exits and channel requests per second of the
# VM's wall time, and the share of that time spent translating. Guest MIPS needs the number of
# guest instructions executed, which translated code counts only with --count (slower, so not in
# the timed run): it is taken from the interpreter run, which always counts, or, with
# SKIP_INTERPRETER=1, from an extra untimed `captive --engine kvm --count` run. The count is a
# property of the program, the same on both engines (a test checks that), and MIPS = instructions
# executed / the timed kvm run's wall time in the VM (whole program, like the count).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-1}
timeout_s=${TIMEOUT:-900}
suffix=""
[[ "${SMALL:-0}" == 1 ]] && suffix=-small
images=guests/prebuilt/bench
qemu=(qemu-system-aarch64 -M virt -cpu cortex-a57 -nographic -monitor none -kernel)

die() { echo "suite.sh: $*" >&2; exit 1; }
command -v qemu-system-aarch64 >/dev/null || die "qemu-system-aarch64 not found (apt-get install qemu-system-arm)"

if (( $# > 0 )); then
    names=("$@")
else
    names=()
    for g in int mem fp simd sys; do
        for f in "$images/$g"-*-small.elf; do
            [[ -e "$f" ]] && names+=("$(basename "$f" -small.elf)")
        done
    done
fi
(( ${#names[@]} > 0 )) || die "no benchmark images in $images (guests/bench/build.sh builds them)"
for n in "${names[@]}"; do [[ -f "$images/$n$suffix.elf" ]] || die "$images/$n$suffix.elf not found"; done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A ReadyToRun build, as a deployed tool would be (see benchmarks/compare.sh).
out=artifacts/bench/captive
if [[ "${NO_PUBLISH:-0}" == 1 ]]; then
    [[ -x "$out/captive" ]] || die "NO_PUBLISH=1 but $out/captive does not exist"
    echo "using the captive already published in $out (NO_PUBLISH=1)" >&2
else
    echo "publishing captive (ReadyToRun) to $out ..." >&2
    if ! dotnet publish src/Captive.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
            -o "$out" -nologo -v q >"$tmp/publish.log" 2>&1; then
        cat "$tmp/publish.log" >&2
        die "dotnet publish failed"
    fi
fi
captive="$out/captive"

engines=(qemu kvm)
[[ "${SKIP_INTERPRETER:-0}" == 1 ]] || engines+=(interp)
if [[ "${SKIP_NATIVE:-0}" != 1 ]]; then
    if command -v "${HOSTCC:-gcc}" >/dev/null; then
        echo "building the native x86-64 programs ..." >&2
        guests/bench/build.sh --native >/dev/null
        engines+=(native)
    else
        echo "suite.sh: no host gcc: the native column is left out" >&2
    fi
fi
native_dir=artifacts/bench/native

declare -A title=([qemu]="qemu-system-aarch64" [kvm]="captive (kvm)" [interp]="captive (interpreter)" [native]="native x86-64")
command_for() { # command_for ENGINE NAME: prints nothing, sets cmd
    local image="$images/$2$suffix.elf"
    case "$1" in
        qemu) cmd=("${qemu[@]}" "$image") ;;
        kvm) cmd=("$captive" --engine kvm --stats -kernel "$image") ;;
        interp) cmd=("$captive" --engine interpreter --stats -kernel "$image") ;;
        native) cmd=("$native_dir/$2$suffix") ;;
    esac
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print ""; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

declare -A kernel wall failure
failures=()
fail() { failures+=("$1"); echo "suite.sh: FAILED: $1" >&2; }

echo "$(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r), $(qemu-system-aarch64 --version | head -n 1)" >&2
for n in "${names[@]}"; do
    expected="$images/$n$suffix.expected"
    want=$(grep -o 'check=0x[0-9a-f]*' "$expected" 2>/dev/null || true)
    [[ -n "$want" ]] || die "$expected: no recorded check= value (guests/bench/build.sh records it)"
    for e in "${engines[@]}"; do
        [[ "$e" == native && "$n" == sys-* ]] && continue # system benchmarks have no native build
        command_for "$e" "$n"
        ks=(); ws=()
        for ((r = 0; r < runs; r++)); do
            start=$(date +%s.%N)
            status=0
            timeout "$timeout_s" "${cmd[@]}" </dev/null >"$tmp/out" 2>"$tmp/err" || status=$?
            end=$(date +%s.%N)
            line=$(grep -m1 '^BENCH ' "$tmp/out" || true)
            got=$(grep -o 'check=0x[0-9a-f]*' <<<"$line" || true)
            if (( status != 0 )) || [[ -z "$line" ]] || [[ "$(tail -n 1 "$tmp/out")" != DONE ]]; then
                fail "$n on ${title[$e]}: exit status $status$([[ $status == 124 ]] && echo " (timed out)"), output: $(head -c 300 "$tmp/out" | tr '\n' '|') $(grep -v -E '^(  |engine:|wall time:|guest instructions executed:|blocks translated:|vm exits:|channel requests:|faults:|longest stretch)' "$tmp/err" | head -n 3 | tr '\n' '|')"
                failure[$n,$e]=1
                break
            fi
            if [[ "$got" != "$want" ]]; then
                fail "$n on ${title[$e]}: $got, but QEMU recorded $want ($expected)"
                failure[$n,$e]=1
                break
            fi
            ks+=("$(awk '{for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } print v["ticks"] / v["freq"]}' <<<"$line")")
            ws+=("$(echo "$end - $start" | bc -l)")
            [[ "$e" == kvm || "$e" == interp ]] && cp "$tmp/err" "$tmp/$n.$e.stats"
        done
        [[ -n "${failure[$n,$e]:-}" ]] && continue
        kernel[$n,$e]=$(printf '%s\n' "${ks[@]}" | median)
        wall[$n,$e]=$(printf '%s\n' "${ws[@]}" | median)
        printf '  %-12s %-22s kernel %8.3f s  wall %8.3f s  %s\n' "$n" "${title[$e]}" "${kernel[$n,$e]}" "${wall[$n,$e]}" "$got" >&2
    done
    # Instruction count for MIPS: the interpreter's, or an extra counted kvm run.
    if [[ -z "${failure[$n,kvm]:-}" && ! -f "$tmp/$n.interp.stats" ]]; then
        "$captive" --engine kvm --count --stats -kernel "$images/$n$suffix.elf" </dev/null >/dev/null 2>"$tmp/$n.count.stats" || true
    fi
done

# --stats fields: stats_field FILE KEY
stats_field() {
    awk -v key="$2" '
        /^wall time:/                   { wall = $3 }
        /^guest instructions executed:/ { insns = ($4 ~ /^[0-9]+$/) ? $4 : "" }
        /^blocks translated:/           { blocks = $3; tms = $(NF - 1) }
        /^vm exits:/                    { exits = $3 }
        /^channel requests:/            { requests = $3 }
        /^faults:/                      { faults = $2 }
        /^longest stretch/              { quiet = $(NF - 3); gsub(/[(%]/, "", quiet) }
        END { v["wall"] = wall; v["insns"] = insns; v["blocks"] = blocks; v["tms"] = tms; v["exits"] = exits
              v["requests"] = requests; v["faults"] = faults; v["quiet"] = quiet; print v[key] }' "$1"
}

group_of() { case "$1" in int-*) echo int ;; mem-*) echo mem ;; fp-*|simd-*) echo fpsimd ;; sys-*) echo sys ;; *) echo other ;; esac; }
ratio() { # ratio NUM DEN: NUM / DEN, or empty
    [[ -n "$1" && -n "$2" ]] || return 0
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b }'
}
fmt() { [[ -n "$1" ]] && printf "%.3f" "$1" || printf -- "-"; }

print_table() { # print_table kernel|wall
    local -n t=$1
    echo
    echo "$2"
    printf '%-12s' benchmark
    for e in "${engines[@]}"; do printf ' %11s' "$e"; done
    printf ' %9s %9s' "kvm xQEMU" "kvm/nat"
    [[ " ${engines[*]} " == *" interp "* ]] && printf ' %9s' "int xQEMU"
    echo
    declare -gA speed_q speed_n
    for n in "${names[@]}"; do
        printf '%-12s' "$n"
        for e in "${engines[@]}"; do
            if [[ -n "${failure[$n,$e]:-}" ]]; then printf ' %11s' FAIL; else printf ' %11s' "$(fmt "${t[$n,$e]:-}")"; fi
        done
        local q=$(ratio "${t[$n,qemu]:-}" "${t[$n,kvm]:-}") nat=$(ratio "${t[$n,native]:-}" "${t[$n,kvm]:-}")
        printf ' %9s %9s' "${q:--}" "${nat:--}"
        if [[ " ${engines[*]} " == *" interp "* ]]; then
            local iq=$(ratio "${t[$n,qemu]:-}" "${t[$n,interp]:-}")
            printf ' %9s' "${iq:--}"
        fi
        echo
        speed_q[$1,$n]=$q; speed_n[$1,$n]=$nat
    done
    echo "geometric means of captive (kvm)'s speed:"
    for g in int mem fpsimd sys; do
        local qs=() ns=()
        for n in "${names[@]}"; do
            [[ "$(group_of "$n")" == "$g" ]] || continue
            [[ -n "${speed_q[$1,$n]}" ]] && qs+=("${speed_q[$1,$n]}")
            [[ -n "${speed_n[$1,$n]}" ]] && ns+=("${speed_n[$1,$n]}")
        done
        (( ${#qs[@]} + ${#ns[@]} > 0 )) || continue
        local gq gn
        gq=$( (( ${#qs[@]} )) && printf '%s\n' "${qs[@]}" | awk '{s += log($1)} END {printf "%.2f", exp(s / NR)}' || echo -)
        gn=$( (( ${#ns[@]} )) && printf '%s\n' "${ns[@]}" | awk '{s += log($1)} END {printf "%.2f", exp(s / NR)}' || echo -)
        local label=$g; [[ $g == fpsimd ]] && label="fp+simd"
        printf '  %-8s %6sx QEMU (%d benchmarks)   %6s of native (%d benchmarks)\n' "$label" "$gq" "${#qs[@]}" "$gn" "${#ns[@]}"
    done
}

echo
echo "guest benchmark suite$([[ -n $suffix ]] && echo " (SMALL images: times mean nothing)"), median of $runs run(s); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
print_table kernel "kernel time in seconds (the guest's own CNTVCT_EL0 count; clock_gettime natively)"
print_table wall "whole-process wall time in seconds (start-up, loading and printing included)"

echo
echo "captive (kvm) profile (--stats of the timed run; instructions from the $([[ " ${engines[*]} " == *" interp "* ]] && echo "interpreter run" || echo "extra --count run"))"
printf '%-12s %9s %10s %9s %10s %7s %7s %8s %7s\n' benchmark "vm ms" "insns" MIPS "exits/s" "req/s" faults "transl%" "quiet%"
for n in "${names[@]}"; do
    s="$tmp/$n.kvm.stats"
    [[ -f "$s" ]] || { printf '%-12s %9s\n' "$n" FAIL; continue; }
    vm=$(stats_field "$s" wall)
    insns=""; [[ -f "$tmp/$n.interp.stats" ]] && insns=$(stats_field "$tmp/$n.interp.stats" insns)
    [[ -z "$insns" && -f "$tmp/$n.count.stats" ]] && insns=$(stats_field "$tmp/$n.count.stats" insns)
    awk -v n="$n" -v vm="$vm" -v insns="$insns" -v exits="$(stats_field "$s" exits)" -v req="$(stats_field "$s" requests)" \
        -v faults="$(stats_field "$s" faults)" -v tms="$(stats_field "$s" tms)" -v quiet="$(stats_field "$s" quiet)" 'BEGIN {
        sec = vm / 1000
        printf "%-12s %9.1f %10s %9s %10.1f %7.1f %7s %8.1f %7s\n", n, vm, insns == "" ? "-" : sprintf("%.3g", insns),
            insns == "" ? "-" : sprintf("%.0f", insns / sec / 1e6), exits / sec, req / sec, faults, 100 * tms / vm, quiet
    }'
done
echo "(vm ms: captive's own wall time for the run; exits and requests are whole-run totals per second of it,"
echo " start-up and printing included; quiet%: the longest stretch without exits or requests, as a share of it)"

# The interrupt microbenchmarks' kernel time is a sum over events: per event in microseconds.
declare -A events=([sys-timer]=500 [sys-gic]=20000)
declare -A event_what=([sys-timer]="timer interrupt latency (deadline to handler)" [sys-gic]="SGI + acknowledge + EOI")
shown=0
for n in "${names[@]}"; do
    [[ -n "${events[$n]:-}" && -z "$suffix" ]] || continue
    (( shown++ )) || { echo; echo "per event, microseconds (kernel time / events)"; }
    printf '  %-10s %-46s' "$n" "${event_what[$n]}"
    for e in qemu kvm interp; do
        [[ -n "${kernel[$n,$e]:-}" ]] || continue
        printf ' %s %8.1f' "$e" "$(echo "${kernel[$n,$e]} * 1000000 / ${events[$n]}" | bc -l)"
    done
    echo
done

if (( ${#failures[@]} > 0 )); then
    echo
    echo "FAILED: ${#failures[@]} run(s) did not compute QEMU's checksum or did not finish:"
    printf '  %s\n' "${failures[@]}"
    exit 1
fi
echo
echo "all checksums agree with QEMU's"
