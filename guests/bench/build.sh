#!/usr/bin/env bash
# Builds the guest benchmark programs (guests/bench/*.c), records their output under QEMU, and
# builds the same kernels natively for x86-64.
#
#   guests/bench/build.sh             guest images + QEMU runs (.expected) + native build and check
#   guests/bench/build.sh --no-qemu   guest images only (keeps the committed .expected files)
#   guests/bench/build.sh --native    native build only (what benchmarks/suite.sh calls)
#
# For every bench/GROUP-NAME.c (GROUP: int, mem, fp, simd; sys: system microbenchmarks, no native build):
#   prebuilt/bench/GROUP-NAME.elf          full size (each kernel takes ~0.5-2 s under QEMU TCG)
#   prebuilt/bench/GROUP-NAME-small.elf    -DBENCH_SMALL, for correctness tests
#   prebuilt/bench/GROUP-NAME.expected, GROUP-NAME-small.expected
#       the UART output of qemu-system-aarch64 -M virt -cpu cortex-a57 -nographic -monitor none
#       -kernel IMAGE, with the timing fields (" ticks=T freq=F") removed from the BENCH line
#   artifacts/bench/native/GROUP-NAME, GROUP-NAME-small (x86-64 Linux executables, not committed)
# The guests link with bench/link.ld (common/link.ld with the writable data on pages of its own).
#
# Compiler flags by group (guest and native alike, apart from the target's own options):
#   int, mem  -O2, integer registers only (-mgeneral-regs-only: no FP/SIMD, like guests/tests)
#   fp        -O2, scalar FP: vectorisation off, -ffp-contract=off (like guests/fp)
#   simd      -O3, vectorised (AdvSIMD; SSE2 natively), -ffp-contract=off
# -ffp-contract=off keeps FP results bit-identical between AArch64 and x86-64 (no fused
# multiply-add on one side only), so that the checksums agree everywhere. The native build uses
# the baseline x86-64 ISA (SSE2), as the guests use the baseline ARMv8.0 one.
#
# Tools: gcc-aarch64-linux-gnu, qemu-system-arm, binutils, and the host gcc for the native build.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)" # guests/
cd "$here"
root="$(cd .. && pwd)"

CROSS="${CROSS:-aarch64-linux-gnu-}"
CC="${CC:-${CROSS}gcc}"
STRIP="${STRIP:-${CROSS}strip}"
OBJDUMP="${OBJDUMP:-${CROSS}objdump}"
HOSTCC="${HOSTCC:-gcc}"
QEMU="${QEMU:-qemu-system-aarch64}"
QEMU_TIMEOUT="${QEMU_TIMEOUT:-120}"
OUT=prebuilt/bench
NATIVE_OUT="${NATIVE_OUT:-$root/artifacts/bench/native}"

mode=all
case "${1:-}" in
    --no-qemu) mode=guest ;;
    --native) mode=native ;;
    "") ;;
    *) echo "usage: $0 [--no-qemu | --native]" >&2; exit 2 ;;
esac

BUILD="$(mktemp -d)"
trap 'rm -rf "$BUILD"' EXIT

die() { echo "bench/build.sh: $*" >&2; exit 1; }

# Target-independent flags, shared by the guest and the native builds.
COMMON=(
    -std=gnu11 -Wall -Wextra -Werror
    -ffreestanding -fno-builtin -fno-pic -fno-pie
    -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables
    -fno-tree-loop-distribute-patterns -fno-ident
    "-ffile-prefix-map=$here=."
)
group_flags() { # group_flags GROUP: optimisation and FP/SIMD flags of a benchmark group
    case "$1" in
        int|mem|sys) echo "-O2 -mgeneral-regs-only" ;;
        fp) echo "-O2 -fno-tree-vectorize -fno-tree-slp-vectorize -fno-math-errno -ffp-contract=off" ;;
        simd) echo "-O3 -fno-math-errno -ffp-contract=off" ;;
        *) die "unknown benchmark group '$1' (file names are GROUP-NAME.c: int, mem, fp, simd, sys)" ;;
    esac
}
GUEST_FLAGS=(-nostdlib -nostartfiles -static -mcmodel=small -mstrict-align -Icommon -Ibench)
GUEST_LDFLAGS=(-no-pie -T bench/link.ld -Wl,--build-id=none -Wl,--nmagic -Wl,-z,norelro -Wl,--gc-sections)
# bench/native/support.h stands in for common/support.h.
NATIVE_FLAGS=(-Ibench/native -Ibench)

strip_timing() { sed -E 's/ ticks=[0-9]+ freq=[0-9]+//'; }

names=()
for src in bench/*.c; do names+=("$(basename "$src" .c)"); done

# Calls to memcpy/memset/... would be the byte loops of common/support.c in the guest and the C
# library's natively: the kernels must not make any.
check_no_libcalls() { # check_no_libcalls DISASM WHAT
    if grep -E -q $'\t(bl|b|call|jmp)\\s+[0-9a-f]+ <(memcpy|memset|memmove|memcmp)' "$1"; then
        die "$2: calls memcpy/memset/memmove/memcmp; write the loop out"
    fi
}

build_guest() { # build_guest NAME SMALL(0|1)
    local name="$1" small="$2" group="${1%%-*}" suffix="" defs=()
    (( small )) && { suffix=-small; defs=(-DBENCH_SMALL); }
    local elf="$OUT/$name$suffix.elf" tmp="$BUILD/$name$suffix.elf"
    local flags=("${COMMON[@]}" "${GUEST_FLAGS[@]}")
    # shellcheck disable=SC2207
    flags+=($(group_flags "$group"))
    echo "  CC    $elf"
    "$CC" "${flags[@]}" "${defs[@]}" -ffunction-sections -fdata-sections \
        common/start.S common/support.c "bench/$name.c" "${GUEST_LDFLAGS[@]}" -lgcc -o "$tmp"
    "$OBJDUMP" -d "$tmp" >"$BUILD/disasm"
    check_no_libcalls "$BUILD/disasm" "$elf"
    case "$group" in
        int|mem|sys)
            grep -E -q $'\t[^\t]*\\b[vqdsh][0-9]{1,2}\\b' "$BUILD/disasm" && die "$elf: FP/SIMD instructions found" ;;
        fp)
            grep -E -q '\bv[0-9]{1,2}\.[0-9]*[bhsd]\b' "$BUILD/disasm" && die "$elf: AdvSIMD vector instructions found" ;;
        simd)
            grep -E -q '\bv[0-9]{1,2}\.[0-9]+[bhsd]\b' "$BUILD/disasm" || die "$elf: not vectorised (no AdvSIMD vector instructions)" ;;
    esac
    "$STRIP" --strip-all -R .comment "$tmp" -o "$elf"
}

build_native() { # build_native NAME SMALL(0|1)
    local name="$1" small="$2" group="${1%%-*}" suffix="" defs=()
    (( small )) && { suffix=-small; defs=(-DBENCH_SMALL); }
    local exe="$NATIVE_OUT/$name$suffix"
    local flags=("${COMMON[@]}" "${NATIVE_FLAGS[@]}")
    # shellcheck disable=SC2207
    flags+=($(group_flags "$group"))
    echo "  HOSTCC $exe"
    "$HOSTCC" "${flags[@]}" "${defs[@]}" -c "bench/$name.c" -o "$BUILD/$name$suffix.o"
    "$HOSTCC" -no-pie "$BUILD/$name$suffix.o" "$BUILD/shim.o" -o "$exe"
    # (The shim's and libc's own calls are fine: only the benchmark's object is checked.)
    objdump -dr "$BUILD/$name$suffix.o" >"$BUILD/disasm"
    if grep -E -q 'R_X86_64_(PLT)?(PC)?32\s+(memcpy|memset|memmove|memcmp)' "$BUILD/disasm"; then
        die "$exe: calls memcpy/memset/memmove/memcmp; write the loop out"
    fi
}

run_qemu() { # run_qemu ELF OUTPUT
    local status=0
    timeout "$QEMU_TIMEOUT" "$QEMU" -M virt -cpu cortex-a57 -m 128M -nographic -monitor none \
        -kernel "$1" </dev/null >"$2" 2>"$2.err" || status=$?
    if (( status != 0 )); then
        cat "$2.err" >&2
        die "$1: QEMU exited with status $status (124 = timed out; the guest must call SYSTEM_OFF)"
    fi
    [[ "$(tail -n 1 "$2")" == "DONE" ]] || die "$1: output does not end with DONE"
    grep -E -q '^BENCH name=[a-z0-9-]+ ticks=[0-9]+ freq=[0-9]+ check=0x[0-9a-f]{16}$' "$2" || die "$1: no BENCH line"
}

if [[ "$mode" != native ]]; then
    command -v "$CC" >/dev/null || die "$CC not found (apt-get install gcc-aarch64-linux-gnu)"
    mkdir -p "$OUT"
    for name in "${names[@]}"; do
        build_guest "$name" 0
        build_guest "$name" 1
    done
    if [[ "$mode" == all ]]; then
        command -v "$QEMU" >/dev/null || die "$QEMU not found (apt-get install qemu-system-arm), or pass --no-qemu"
        for name in "${names[@]}"; do
            for suffix in -small ""; do
                run_qemu "$OUT/$name$suffix.elf" "$BUILD/out"
                strip_timing <"$BUILD/out" >"$OUT/$name$suffix.expected"
                printf '  QEMU  %-24s %s\n' "$name$suffix" "$(grep '^BENCH' "$BUILD/out")"
            done
        done
    fi
fi

if [[ "$mode" != guest ]]; then
    command -v "$HOSTCC" >/dev/null || die "$HOSTCC not found"
    mkdir -p "$NATIVE_OUT"
    "$HOSTCC" -O2 -c bench/native/shim.c -o "$BUILD/shim.o"
    for name in "${names[@]}"; do
        [[ "$name" == sys-* ]] && continue # exception entry and return: nothing to compare natively
        build_native "$name" 0
        build_native "$name" 1
    done
    if [[ "$mode" == all ]]; then
        # The native build must compute what the guest computes under QEMU.
        for name in "${names[@]}"; do
            [[ "$name" == sys-* ]] && continue
            for suffix in -small ""; do
                "$NATIVE_OUT/$name$suffix" | strip_timing >"$BUILD/native.out"
                if ! cmp -s "$BUILD/native.out" "$OUT/$name$suffix.expected"; then
                    diff "$OUT/$name$suffix.expected" "$BUILD/native.out" >&2 || true
                    die "$name$suffix: the native build prints a different checksum from QEMU's"
                fi
            done
        done
        echo "  native checksums agree with QEMU's"
    fi
fi
echo "bench/build.sh: ${#names[@]} benchmarks built"
