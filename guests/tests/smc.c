/*
 * Self-modifying code, the way the architecture says it becomes visible (CTR_EL0.DIC = IDC = 0): new instructions
 * are written, cleaned to the point of unification (DC CVAU), the instruction cache invalidated (IC IVAU or
 * IC IALLU), then DSB and ISB. A function in a writable buffer is rewritten several times and called after each
 * rewrite; a loop that patches its own immediate; code copied over code that already ran.
 */
#include "support.h"

static uint32_t buffer[256] __attribute__((aligned(64)));

typedef uint64_t (*fn)(uint64_t);

static void sync_range(void *start, size_t bytes, int all)
{
    for (uintptr_t p = (uintptr_t)start & ~63ul; p < (uintptr_t)start + bytes; p += 64)
        __asm__ volatile("dc cvau, %0" :: "r"(p) : "memory");
    __asm__ volatile("dsb ish" ::: "memory");
    if (all)
        __asm__ volatile("ic iallu" ::: "memory");
    else
        for (uintptr_t p = (uintptr_t)start & ~63ul; p < (uintptr_t)start + bytes; p += 64)
            __asm__ volatile("ic ivau, %0" :: "r"(p) : "memory");
    __asm__ volatile("dsb ish; isb" ::: "memory");
}

/* add x0, x0, #imm; ret */
static void write_adder(uint32_t imm, int all)
{
    buffer[0] = 0x91000000u | (imm & 0xfff) << 10; /* add x0, x0, #imm */
    buffer[1] = 0xd65f03c0u;                       /* ret */
    sync_range(buffer, 8, all);
}

int main(void)
{
    fn f = (fn)(uintptr_t)buffer;
    uint64_t total = 0;
    for (uint32_t k = 1; k <= 20; k++) {
        write_adder(k, k & 1);
        uint64_t r = f(1000);
        total += r;
        if (k <= 3 || k == 20) kprintf("adder %u: f(1000) = %lu\n", k, r);
    }
    kprintf("total %lu\n", total);

    /* A loop body that rewrites the instruction it will run next time round: movz x0, #k at buffer[0]. */
    buffer[1] = 0xd65f03c0u; /* ret */
    uint64_t sum = 0;
    for (uint32_t k = 0; k < 100; k++) {
        buffer[0] = 0xd2800000u | (k * 7 & 0xffff) << 5; /* movz x0, #(k*7) */
        sync_range(buffer, 4, 0);
        sum += f(0);
    }
    kprintf("patched loop sum %lu (expected %u)\n", sum, 7 * 99 * 100 / 2);

    /* A longer function replaced by a different one of the same length. */
    static const uint32_t twice[] = { 0x8b000000u, 0x8b000000u, 0xd65f03c0u };            /* add x0,x0,x0 twice; ret */
    static const uint32_t negate[] = { 0xcb0003e0u, 0xd503201fu, 0xd65f03c0u };            /* neg x0, x0; nop; ret */
    for (int i = 0; i < 3; i++) buffer[8 + i] = twice[i];
    sync_range(&buffer[8], 12, 1);
    fn g = (fn)(uintptr_t)&buffer[8];
    kprintf("twice twice 5 = %lu\n", g(5));
    for (int i = 0; i < 3; i++) buffer[8 + i] = negate[i];
    sync_range(&buffer[8], 12, 0);
    kprintf("negate 5 = %ld\n", (long)g(5));

    /* A branch that stays the same into code that changes: a trampoline 448 bytes away (not rewritten, not in the
     * invalidated line) jumps to a function that is rewritten, invalidated by its own line only. */
    uint32_t *target = &buffer[16], *trampoline = &buffer[128];
    *trampoline = 0x14000000u | ((uint32_t)(target - trampoline) & 0x03ffffffu); /* b target */
    sync_range(trampoline, 4, 0);
    fn t = (fn)(uintptr_t)trampoline;
    for (uint32_t k = 1; k <= 3; k++) {
        target[0] = 0xd2800000u | (k * 100) << 5; /* movz x0, #k*100 */
        target[1] = 0xd65f03c0u;                 /* ret */
        sync_range(target, 8, 0);
        kprintf("through the trampoline: %lu\n", t(0));
        kprintf("and again: %lu\n", t(0));
    }
    kprintf("DONE\n");
    return 0;
}
