/*
 * Start-up code for the Captive.Sdk guest test programs (bare metal, EL1, 'virt' board).
 *
 * QEMU and Captive enter _start with the MMU off, at the ELF entry point. We set up a stack
 * inside the image, enable FP/SIMD at EL1/EL0 (the C is built with -mgeneral-regs-only, but
 * a trap on the first stray FP instruction would be a confusing failure), zero .bss, call
 * main and then power the machine off with PSCI SYSTEM_OFF over HVC (the 'virt' conduit).
 */

#define PSCI_SYSTEM_OFF 0x84000008
#define CPACR_EL1_FPEN  (3 << 20)

    .section .text.start, "ax"
    .global _start
    .type _start, %function
_start:
    adrp    x0, __stack_top
    add     x0, x0, :lo12:__stack_top
    mov     sp, x0

    mrs     x0, cpacr_el1
    orr     x0, x0, #CPACR_EL1_FPEN
    msr     cpacr_el1, x0
    isb

    /* .bss bounds are 16-byte aligned by link.ld. */
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
1:  cmp     x0, x1
    b.hs    2f
    stp     xzr, xzr, [x0], #16
    b       1b

2:  bl      main

    movz    x0, #(PSCI_SYSTEM_OFF & 0xffff)
    movk    x0, #(PSCI_SYSTEM_OFF >> 16), lsl #16
    hvc     #0

    /* SYSTEM_OFF does not return; if a broken monitor lets it, stay parked. */
3:  wfi
    b       3b
    .size _start, . - _start
