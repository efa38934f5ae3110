#!/usr/bin/env bash
# Builds the guest test programs and the demo guest, and records their expected UART output.
#
#   guests/build.sh            build everything, run each program under QEMU, write .expected
#   guests/build.sh --no-qemu  build only (keeps the committed .expected files)
#
# For every tests/NAME.c: prebuilt/NAME-O0.elf, prebuilt/NAME-O2.elf (stripped) and
# prebuilt/NAME.expected, the UART output of
#   qemu-system-aarch64 -M virt -cpu cortex-a57 -nographic -monitor none -kernel NAME-Ox.elf
# Both optimisation levels must print the same bytes, end with a line "DONE" and power off
# through PSCI SYSTEM_OFF (QEMU then exits with status 0); otherwise the script fails.
# demo/hello.c becomes prebuilt/hello.elf (-O2) and prebuilt/hello.expected.
# A source may name more QEMU machines to run it on, each with a line
#   build.sh: qemu-variant VARIANT MACHINE       (e.g. "build.sh: qemu-variant gicv3 virt,gic-version=3")
# which records prebuilt/NAME-VARIANT.expected, the output of the same ELFs under -M MACHINE.
#
# Tools: gcc-aarch64-linux-gnu, qemu-system-arm (qemu-system-aarch64), binutils.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

CROSS="${CROSS:-aarch64-linux-gnu-}"
CC="${CC:-${CROSS}gcc}"
STRIP="${STRIP:-${CROSS}strip}"
OBJDUMP="${OBJDUMP:-${CROSS}objdump}"
QEMU="${QEMU:-qemu-system-aarch64}"
QEMU_TIMEOUT="${QEMU_TIMEOUT:-300}"
RUN_QEMU=1
[[ "${1:-}" == "--no-qemu" ]] && RUN_QEMU=0

OUT=prebuilt
BUILD="$(mktemp -d)"
trap 'rm -rf "$BUILD"' EXIT
mkdir -p "$OUT"

# -mgeneral-regs-only: the emulator's SIMD coverage is small, so the C must not use FP/SIMD.
# -fno-tree-loop-distribute-patterns: keep our own memcpy/memset loops from becoming calls
# to themselves. -ffile-prefix-map and --build-id=none keep the output reproducible; --nmagic
# drops the page alignment of segments in the file (nothing maps these files), keeping them small.
CFLAGS=(
    -std=gnu11 -Wall -Wextra -Werror
    -ffreestanding -fno-builtin -nostdlib -nostartfiles -static
    -mgeneral-regs-only -mcmodel=small -fno-pic -fno-pie -mstrict-align
    -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables
    -fno-tree-loop-distribute-patterns -fno-ident
    "-ffile-prefix-map=$here=."
    -Icommon
)
# guests/fp/*.c may use scalar FP (not vectors: the AdvSIMD lowering is not complete yet).
FP_CFLAGS=()
for f in "${CFLAGS[@]}"; do [[ "$f" == -mgeneral-regs-only ]] || FP_CFLAGS+=("$f"); done
FP_CFLAGS+=(-fno-tree-vectorize -fno-tree-slp-vectorize -fno-math-errno -ffp-contract=off)
LDFLAGS=(-no-pie -T common/link.ld -Wl,--build-id=none -Wl,--nmagic -Wl,-z,norelro -Wl,--gc-sections)
COMMON_SRC=(common/start.S common/support.c)

die() { echo "build.sh: $*" >&2; exit 1; }
command -v "$CC" >/dev/null || die "$CC not found (apt-get install gcc-aarch64-linux-gnu)"
if (( RUN_QEMU )); then
    command -v "$QEMU" >/dev/null || die "$QEMU not found (apt-get install qemu-system-arm), or pass --no-qemu"
fi

compile() { # compile OUTPUT.elf OPT SOURCE [fp]
    local elf="$1" opt="$2" src="$3" fp="${4:-}"
    local flags=("${CFLAGS[@]}")
    [[ -n "$fp" ]] && flags=("${FP_CFLAGS[@]}")
    "$CC" "${flags[@]}" "$opt" -ffunction-sections -fdata-sections \
        "${COMMON_SRC[@]}" "$src" "${LDFLAGS[@]}" -lgcc -o "$BUILD/$(basename "$elf")"
    # (objdump goes to a file first: with pipefail, grep -q closing the pipe early would fail it.)
    "$OBJDUMP" -d "$BUILD/$(basename "$elf")" >"$BUILD/disasm"
    if grep -q 'build.sh: SIMD&FP in inline assembly on purpose' "$src"; then
        : # the test executes SIMD&FP instructions in its own inline assembly (e.g. to see them trap)
    elif [[ -z "$fp" ]]; then
        # No FP/SIMD register may appear in the code (see -mgeneral-regs-only above).
        grep -E -q $'\t[^\t]*\\b[vqdsh][0-9]{1,2}\\b' "$BUILD/disasm" && die "$elf: FP/SIMD instructions found"
    else
        # Scalar FP only: no vector arrangements.
        grep -E -q '\bv[0-9]{1,2}\.[0-9]*[bhsd]\b' "$BUILD/disasm" && die "$elf: AdvSIMD vector instructions found"
    fi
    "$STRIP" --strip-all -R .comment "$BUILD/$(basename "$elf")" -o "$elf"
}

run_qemu() { # run_qemu ELF OUTPUT [MACHINE]
    local status=0
    timeout "$QEMU_TIMEOUT" "$QEMU" -M "${3:-virt}" -cpu cortex-a57 -m 128M -nographic -monitor none \
        -kernel "$1" </dev/null >"$2" 2>"$2.err" || status=$?
    if (( status != 0 )); then
        cat "$2.err" >&2
        die "$1: QEMU exited with status $status (124 = timed out; the guest must call SYSTEM_OFF)"
    fi
}

programs=()
variants=() # "NAME VARIANT MACHINE"
for src in tests/*.c; do
    name="$(basename "$src" .c)"
    programs+=("$name")
    while read -r variant machine; do
        variants+=("$name $variant $machine")
    done < <(grep -o 'build.sh: qemu-variant [a-z0-9-]* [a-z0-9=,-]*' "$src" | cut -d' ' -f3-)
    for opt in O0 O2; do
        echo "  CC    $OUT/$name-$opt.elf"
        compile "$OUT/$name-$opt.elf" "-$opt" "$src"
    done
done
for src in fp/*.c; do
    name="$(basename "$src" .c)"
    programs+=("$name")
    for opt in O0 O2; do
        echo "  CC    $OUT/$name-$opt.elf (scalar FP)"
        compile "$OUT/$name-$opt.elf" "-$opt" "$src" fp
    done
done
echo "  CC    $OUT/hello.elf"
compile "$OUT/hello.elf" -O2 demo/hello.c

# The dense switch in funcptr.c must be a jump table: an indirect BR (calls are BLR).
for opt in O0 O2; do
    "$OBJDUMP" -d "$OUT/funcptr-$opt.elf" >"$BUILD/disasm"
    if ! grep -E -q $'\tbr\tx[0-9]+' "$BUILD/disasm"; then
        die "funcptr-$opt.elf: no jump table (br xN) found"
    fi
done

(( RUN_QEMU )) || { echo "build.sh: built; QEMU runs skipped"; exit 0; }

for name in "${programs[@]}"; do
    echo "  QEMU  $name"
    run_qemu "$OUT/$name-O0.elf" "$BUILD/$name-O0.out"
    run_qemu "$OUT/$name-O2.elf" "$BUILD/$name-O2.out"
    if ! cmp -s "$BUILD/$name-O0.out" "$BUILD/$name-O2.out"; then
        diff "$BUILD/$name-O0.out" "$BUILD/$name-O2.out" >&2 || true
        die "$name: -O0 and -O2 print different output"
    fi
    [[ "$(tail -n 1 "$BUILD/$name-O0.out")" == "DONE" ]] || die "$name: output does not end with DONE"
    cp "$BUILD/$name-O0.out" "$OUT/$name.expected"
done
for v in "${variants[@]}"; do
    read -r name variant machine <<<"$v"
    echo "  QEMU  $name -M $machine"
    run_qemu "$OUT/$name-O0.elf" "$BUILD/$name-$variant-O0.out" "$machine"
    run_qemu "$OUT/$name-O2.elf" "$BUILD/$name-$variant-O2.out" "$machine"
    if ! cmp -s "$BUILD/$name-$variant-O0.out" "$BUILD/$name-$variant-O2.out"; then
        diff "$BUILD/$name-$variant-O0.out" "$BUILD/$name-$variant-O2.out" >&2 || true
        die "$name -M $machine: -O0 and -O2 print different output"
    fi
    [[ "$(tail -n 1 "$BUILD/$name-$variant-O0.out")" == "DONE" ]] || die "$name -M $machine: output does not end with DONE"
    cp "$BUILD/$name-$variant-O0.out" "$OUT/$name-$variant.expected"
done
echo "  QEMU  hello"
run_qemu "$OUT/hello.elf" "$OUT/hello.expected"
rm -f "$OUT/hello.expected.err"

echo "build.sh: ${#programs[@]} programs built and checked against QEMU"
