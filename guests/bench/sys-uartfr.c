/*
 * System benchmark: the PL011 flag register read (UARTFR at 0x0900_0018), as a console driver polls it before every
 * character: 1,000,000 reads, MMU off. No native build.
 */
#include "bench.h"

#define READS BENCH_SIZE(1000000, 5000)

int main(void)
{
    volatile uint32_t *fr = (volatile uint32_t *)0x09000018ul;
    uint64_t start = bench_ticks();
    uint64_t acc = 0;
    for (uint64_t n = 0; n < READS; n++) acc += *fr & 0x90; /* TXFE | RXFE: the stable bits of an idle UART */
    uint64_t end = bench_ticks();
    bench_report("sys-uartfr", start, end, bench_mix(0, acc));
    return 0;
}
