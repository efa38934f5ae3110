/*
 * System benchmark: the PL011 flag register read (UARTFR) with the MMU on, the UART mapped as Device-nGnRnE at its
 * physical address: 1,000,000 reads, as a console driver under an OS polls it. No native build.
 */
#include "bench.h"
#include "mmu.h"

#define READS BENCH_SIZE(1000000, 5000)

int main(void)
{
    mmu_on();
    volatile uint32_t *fr = (volatile uint32_t *)0x09000018ul;
    uint64_t start = bench_ticks();
    uint64_t acc = 0;
    for (uint64_t n = 0; n < READS; n++) acc += *fr & 0x90; /* TXFE | RXFE: the stable bits of an idle UART */
    uint64_t end = bench_ticks();
    bench_report("sys-uartmmu", start, end, bench_mix(0, acc));
    return 0;
}
