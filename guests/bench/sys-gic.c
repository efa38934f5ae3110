/*
 * System benchmark: the GIC's acknowledge + end of interrupt, as an interrupt handler does them. 20,000 rounds, with
 * IRQs masked at the CPU: an SGI to this CPU (GICD_SGIR), acknowledge (GICC_IAR) and end of interrupt (GICC_EOIR) —
 * three GICv2 register accesses per round, no exception. The check is the INTIDs acknowledged. No native build.
 */
#include "bench.h"
#include "gic.h"

#define ROUNDS BENCH_SIZE(20000, 200)

int main(void)
{
    gic_init();
    irq_disable();
    gic_enable(1, 0x80);
    uint64_t check = 0;
    uint64_t start = bench_ticks();
    for (int i = 0; i < ROUNDS; i++) {
        gic_send_sgi_self(1);
        uint32_t iar = gic_ack();
        gic_eoi(iar);
        check = bench_mix(check, iar);
    }
    uint64_t end = bench_ticks();
    bench_report("sys-gic", start, end, check);
    return 0;
}
