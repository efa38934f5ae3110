/*
 * System benchmark: a page-stride read loop with the MMU on. 256 pages (1 MiB) mapped with 4 KiB pages are read one
 * word per page, 8,000 times over: 2,048,000 loads, each to a different page than the one before, all of them
 * translated by the guest MMU (a TLB hit once warm: the working set is 256 pages). No native build.
 */
#include "bench.h"
#include "mmu.h"

#define PAGES 256
#define PASSES BENCH_SIZE(8000, 40)

int main(void)
{
    for (uint64_t n = 0; n < PAGES; n++) window_l3[0][n] = window_page(n);
    mmu_on();
    volatile uint64_t *window = (volatile uint64_t *)WINDOW;
    for (uint64_t n = 0; n < PAGES; n++) window[n * 512 + (n & 511)] = n * 0x9e3779b97f4a7c15ull;

    uint64_t start = bench_ticks();
    uint64_t sum = 0;
    for (uint64_t pass = 0; pass < PASSES; pass++)
        for (uint64_t n = 0; n < PAGES; n++) sum += window[n * 512 + (n & 511)] ^ pass;
    uint64_t end = bench_ticks();
    bench_report("sys-pagestride", start, end, bench_mix(0, sum));
    return 0;
}
