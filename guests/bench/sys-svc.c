/*
 * System benchmark: the SVC + ERET round trip, as a system call from EL0 costs it. The program drops to EL0, which
 * makes 2,000,000 SVCs; the EL1 vector (lower EL, AArch64, synchronous) returns at once with ERET. SVC #1 ends the
 * loop: the vector then returns to EL1. No native build (the kernel is the exception entry and return).
 */
#include "bench.h"

#define CALLS BENCH_SIZE(2000000, 20000)

uint64_t run_calls(uint64_t calls, uint64_t *stack_top);

/* run_calls: x0 = calls, x1 = the EL0 stack. Saves what the C caller keeps, points VBAR_EL1 at the table, ERETs to
 * the EL0 loop; the lower-EL vector ERETs straight back unless the SVC's immediate is 1, when it restores EL1. */
__asm__(
    ".section .text.sysvec, \"ax\"\n"
    ".balign 0x800\n"
    "sys_vectors:\n"
    ".fill 0x400 / 4, 4, 0xd4200000\n"       /* brk #0: unexpected vectors */
    "mrs x17, esr_el1\n"                      /* 0x400: synchronous from EL0 */
    "tbnz x17, #0, 1f\n"                      /* SVC #1: done */
    "eret\n"
    "1: ldr x17, =sys_resume\n"
    "msr elr_el1, x17\n"
    "mov x17, #0x3c5\n"
    "msr spsr_el1, x17\n"
    "eret\n"
    ".ltorg\n"
    ".balign 0x80\n"
    ".fill (0x800 - 0x480) / 4, 4, 0xd4200000\n"
    ".text\n"
    ".global run_calls\n"
    "run_calls:\n"
    "stp x29, x30, [sp, #-32]!\n"
    "stp x19, x20, [sp, #16]\n"
    "mrs x19, vbar_el1\n"
    "adr x17, sys_vectors\n"
    "msr vbar_el1, x17\n"
    "isb\n"
    "msr sp_el0, x1\n"
    "adr x17, el0_loop\n"
    "msr elr_el1, x17\n"
    "mov x17, #0x3c0\n"
    "msr spsr_el1, x17\n"
    "mov x2, x0\n"
    "mov x0, #0\n"
    "eret\n"
    "el0_loop:\n"
    "svc #0\n"
    "add x0, x0, #1\n"
    "subs x2, x2, #1\n"
    "b.ne el0_loop\n"
    "svc #1\n"
    "sys_resume:\n"
    "msr vbar_el1, x19\n"
    "isb\n"
    "ldp x19, x20, [sp, #16]\n"
    "ldp x29, x30, [sp], #32\n"
    "ret\n");

static uint64_t stack[256] __attribute__((aligned(16)));

int main(void)
{
    uint64_t start = bench_ticks();
    uint64_t done = run_calls(CALLS, &stack[256]);
    uint64_t end = bench_ticks();
    bench_report("sys-svc", start, end, bench_mix(0, done));
    return 0;
}
