/*
 * An EL1 exception vector table for the test programs: 16 entries of 0x80 bytes. Each saves x0-x30 on the
 * current stack (SP_EL1: the exception switched to it), calls
 *     void handle(struct frame *f, uint64_t offset)
 * with the vector's offset, restores the registers (the handler may change them in the frame) and returns
 * with ERET. Include it in one file of a program, at file scope, and define handle().
 */
#ifndef CAPTIVE_GUEST_VECTORS_H
#define CAPTIVE_GUEST_VECTORS_H

#include <stdint.h>

struct frame { uint64_t x[31]; uint64_t pad; };
extern char vectors[];
void handle(struct frame *f, uint64_t offset);

#define CAPTIVE_VECTOR(off)                           \
    ".balign 0x80\n"                                  \
    "sub sp, sp, #256\n"                              \
    "stp x0, x1, [sp, #0]\n"                          \
    "stp x2, x3, [sp, #16]\n"                         \
    "mov x1, #" #off "\n"                             \
    "b common_entry\n"

__asm__(
    ".section .text.vectors, \"ax\"\n"
    ".balign 0x800\n"
    ".global vectors\n"
    "vectors:\n"
    CAPTIVE_VECTOR(0x000) CAPTIVE_VECTOR(0x080) CAPTIVE_VECTOR(0x100) CAPTIVE_VECTOR(0x180)
    CAPTIVE_VECTOR(0x200) CAPTIVE_VECTOR(0x280) CAPTIVE_VECTOR(0x300) CAPTIVE_VECTOR(0x380)
    CAPTIVE_VECTOR(0x400) CAPTIVE_VECTOR(0x480) CAPTIVE_VECTOR(0x500) CAPTIVE_VECTOR(0x580)
    CAPTIVE_VECTOR(0x600) CAPTIVE_VECTOR(0x680) CAPTIVE_VECTOR(0x700) CAPTIVE_VECTOR(0x780)
    "common_entry:\n"
    "stp x4, x5, [sp, #32]\n"   "stp x6, x7, [sp, #48]\n"   "stp x8, x9, [sp, #64]\n"
    "stp x10, x11, [sp, #80]\n" "stp x12, x13, [sp, #96]\n" "stp x14, x15, [sp, #112]\n"
    "stp x16, x17, [sp, #128]\n" "stp x18, x19, [sp, #144]\n" "stp x20, x21, [sp, #160]\n"
    "stp x22, x23, [sp, #176]\n" "stp x24, x25, [sp, #192]\n" "stp x26, x27, [sp, #208]\n"
    "stp x28, x29, [sp, #224]\n" "str x30, [sp, #240]\n"
    "mov x0, sp\n"
    "bl handle\n"
    "ldp x2, x3, [sp, #16]\n"   "ldp x4, x5, [sp, #32]\n"   "ldp x6, x7, [sp, #48]\n"
    "ldp x8, x9, [sp, #64]\n"   "ldp x10, x11, [sp, #80]\n" "ldp x12, x13, [sp, #96]\n"
    "ldp x14, x15, [sp, #112]\n" "ldp x16, x17, [sp, #128]\n" "ldp x18, x19, [sp, #144]\n"
    "ldp x20, x21, [sp, #160]\n" "ldp x22, x23, [sp, #176]\n" "ldp x24, x25, [sp, #192]\n"
    "ldp x26, x27, [sp, #208]\n" "ldp x28, x29, [sp, #224]\n" "ldr x30, [sp, #240]\n"
    "ldp x0, x1, [sp, #0]\n"
    "add sp, sp, #256\n"
    "eret\n"
    ".text\n");

/*
 * For a run_el0 trampoline written in assembly: CAPTIVE_EL0_ENTER saves what a C caller keeps (x19-x30) before the
 * trampoline drops to EL0 with ERET; the EL0 code's exit SVC makes the handler return to el1_resume at EL1h, where
 * CAPTIVE_EL0_RESUME restores them and returns to run_el0's caller.
 */
#define CAPTIVE_EL0_ENTER                                                                       \
    "stp x29, x30, [sp, #-96]!\n"                                                               \
    "stp x19, x20, [sp, #16]\n" "stp x21, x22, [sp, #32]\n" "stp x23, x24, [sp, #48]\n"        \
    "stp x25, x26, [sp, #64]\n" "stp x27, x28, [sp, #80]\n"
#define CAPTIVE_EL0_RESUME                                                                      \
    ".global el1_resume\n"                                                                      \
    "el1_resume:\n"                                                                             \
    "ldp x19, x20, [sp, #16]\n" "ldp x21, x22, [sp, #32]\n" "ldp x23, x24, [sp, #48]\n"        \
    "ldp x25, x26, [sp, #64]\n" "ldp x27, x28, [sp, #80]\n"                                    \
    "ldp x29, x30, [sp], #96\n"                                                                 \
    "ret\n"

#endif
