/*
 * System benchmark: first-touch page faults. 4,096 pages (16 MiB) of the window start unmapped; a loop reads one
 * word from each, and every read takes a data abort whose handler maps the page (a level 3 descriptor written, no
 * TLB maintenance needed for an invalid-to-valid change) and returns to the load, which then succeeds. The unmapping
 * between rounds (TLBI VMALLE1) is outside the timed region. 5 rounds. No native build.
 */
#include "bench.h"
#include "mmu.h"

#define PAGES (WINDOW_TABLES * 512)
#define ROUNDS BENCH_SIZE(5, 1)

static volatile uint64_t faults;
extern char fault_vectors[];

/* The EL1h synchronous vector: map the page of FAR_EL1 and return to the load. x16-x18 are free (no C around). */
__asm__(".section .text.faultvec, \"ax\"\n"
        ".balign 0x800\n"
        "fault_vectors:\n"
        ".fill 0x200 / 4, 4, 0xd4200000\n"     /* brk #0: unexpected vectors */
        "stp x16, x17, [sp, #-16]!\n"          /* 0x200: synchronous, current EL, SP_EL1 */
        "mrs x16, far_el1\n"
        "mov x18, #0x80000000\n"               /* WINDOW */
        "sub x16, x16, x18\n"
        "lsr x16, x16, #12\n"                  /* page number */
        "adrp x17, window_l3\n"
        "add x17, x17, :lo12:window_l3\n"
        "add x17, x17, x16, lsl #3\n"          /* &window_l3[0][n]: the tables are contiguous */
        "lsl x16, x16, #12\n"
        "mov x18, #0x44000000\n"               /* WINDOW_PA */
        "add x16, x16, x18\n"
        "movz x18, #0x0707\n"                  /* page | attr 1 | ISH | AF: 0x707 */
        "movk x18, #0x0060, lsl #48\n"         /* PXN | UXN */
        "orr x16, x16, x18\n"
        "str x16, [x17]\n"
        "dsb ishst\n"
        "isb\n"
        "adrp x17, faults\n"
        "ldr x16, [x17, :lo12:faults]\n"
        "add x16, x16, #1\n"
        "str x16, [x17, :lo12:faults]\n"
        "ldp x16, x17, [sp], #16\n"
        "eret\n"
        ".balign 0x80\n"
        ".fill (0x800 - 0x280) / 4, 4, 0xd4200000\n"
        ".text\n");

int main(void)
{
    mmu_on();
    volatile uint64_t *window = (volatile uint64_t *)WINDOW;
    uint64_t vbar;
    __asm__ volatile("mrs %0, vbar_el1; msr vbar_el1, %1; isb" : "=&r"(vbar) : "r"((uint64_t)fault_vectors));
    uint64_t ticks = 0, sum = 0;
    for (int round = 0; round < ROUNDS; round++) {
        for (uint64_t n = 0; n < PAGES; n++) window_l3[n / 512][n % 512] = 0;
        __asm__ volatile("dsb ishst; tlbi vmalle1; dsb ish; isb" ::: "memory");
        uint64_t start = bench_ticks();
        for (uint64_t n = 0; n < PAGES; n++) sum += window[n * 512 + (n & 7)] + n;
        ticks += bench_ticks() - start;
    }
    __asm__ volatile("msr vbar_el1, %0; isb" :: "r"(vbar));
    bench_report("sys-pagefault", 0, ticks, bench_mix(sum, faults));
    return 0;
}
