/*
 * System benchmark: the TLBI + context-switch loop, as an operating system's context switches cost it. Two address
 * spaces (TTBR0 with ASID 1 and ASID 2) share the program's mappings and map the same 8 window pages, non-global,
 * onto different RAM. Each round switches TTBR0 to the other address space (MSR + ISB) and reads a word from each of
 * the 8 pages, which must come from that space's RAM; every 16th round also invalidates the ASID it leaves
 * (TLBI ASIDE1), as an ASID allocator recycling it would. No native build.
 */
#include "bench.h"
#include "mmu.h"

#define ROUNDS BENCH_SIZE(200000, 2000)
#define SPACE_PAGES 8
#define NG (1ul << 11)

static uint64_t l1_b[512] __attribute__((aligned(4096)));
static uint64_t l2_window_b[512] __attribute__((aligned(4096)));
static uint64_t window_l3_b[512] __attribute__((aligned(4096)));

int main(void)
{
    /* Space A: window page n -> WINDOW_PA + n pages; space B: -> WINDOW_PA + (64 + n) pages. */
    for (uint64_t n = 0; n < SPACE_PAGES; n++) {
        window_l3[0][n] = window_page(n) | NG;
        window_l3_b[n] = window_page(64 + n) | NG;
    }
    mmu_on();
    for (int i = 0; i < 512; i++) { l1_b[i] = mmu_l1[i]; l2_window_b[i] = mmu_l2_window[i]; }
    l1_b[2] = (uint64_t)l2_window_b | 3;
    l2_window_b[0] = (uint64_t)window_l3_b | 3;

    volatile uint64_t *window = (volatile uint64_t *)WINDOW;
    volatile uint64_t *ram = (volatile uint64_t *)WINDOW_PA; /* the same RAM through the identity map */
    for (uint64_t n = 0; n < SPACE_PAGES; n++) {
        ram[n * 512] = n * 0x9e3779b97f4a7c15ull;
        ram[(64 + n) * 512] = ~n * 0x9e3779b97f4a7c15ull;
    }
    uint64_t ttbr[2] = { (uint64_t)mmu_l1 | 1ul << 48, (uint64_t)l1_b | 2ul << 48 };
    __asm__ volatile("dsb ishst; tlbi vmalle1; dsb ish; isb" ::: "memory");

    uint64_t start = bench_ticks();
    uint64_t sum = 0;
    for (uint64_t round = 0; round < ROUNDS; round++) {
        uint64_t space = round & 1;
        if ((round & 15) == 15)
            __asm__ volatile("dsb ishst; tlbi aside1, %0; dsb ish" :: "r"(((space ^ 1) + 1) << 48) : "memory");
        __asm__ volatile("msr ttbr0_el1, %0; isb" :: "r"(ttbr[space]) : "memory");
        for (uint64_t n = 0; n < SPACE_PAGES; n++) sum += window[n * 512] ^ round;
    }
    uint64_t end = bench_ticks();
    __asm__ volatile("msr ttbr0_el1, %0; isb" :: "r"(ttbr[0]) : "memory");
    bench_report("sys-ctxswitch", start, end, bench_mix(0, sum));
    return 0;
}
