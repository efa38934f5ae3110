/*
 * System benchmark: timer interrupt latency. 500 times: the virtual timer is armed 100 us ahead, the CPU waits in
 * WFI (IRQs masked around the test, so no wake-up is lost), and the IRQ handler reads the counter first thing. The
 * kernel time reported is the sum of (counter at the handler - CVAL) over all events: divide by 500 for the mean
 * latency of one timer interrupt, from the deadline to the first instruction of the C handler (the vector's register
 * saves included). The check is the INTIDs acknowledged. No native build.
 */
#include "bench.h"
#include "gic.h"
#include "vectors.h"

#define EVENTS BENCH_SIZE(500, 20)

static volatile uint64_t taken, taken_at;
static volatile uint32_t last_iar;

void handle(struct frame *f, uint64_t offset)
{
    (void)f;
    if (offset != 0x280)
        return;
    taken_at = bench_ticks();
    uint32_t iar = gic_ack();
    if ((iar & 0x3FF) == 27)
        __asm__ volatile("msr cntv_ctl_el0, %0" :: "r"(0ul)); /* disabled: the level drops */
    last_iar = iar;
    taken++;
    gic_eoi(iar);
}

int main(void)
{
    __asm__ volatile("msr vbar_el1, %0; isb" :: "r"(vectors));
    gic_init();
    gic_enable(27, 0x80);
    uint64_t delay = bench_freq() / 10000; /* 100 us */
    uint64_t total = 0, check = 0;
    for (int i = 0; i < EVENTS; i++) {
        uint64_t before = taken;
        uint64_t cval = bench_ticks() + delay;
        __asm__ volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb" :: "r"(cval), "r"(1ul));
        irq_disable();
        while (taken == before) {
            __asm__ volatile("wfi");
            irq_enable();
            __asm__ volatile("isb");
            irq_disable();
        }
        irq_enable();
        total += taken_at - cval;
        check = bench_mix(check, last_iar);
    }
    irq_disable();
    bench_report("sys-timer", 0, total, check);
    return 0;
}
