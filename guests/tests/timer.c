/*
 * The generic timer (build.sh: qemu-variant gicv3 virt,gic-version=3): CNTPCT_EL0 and CNTVCT_EL0 read one counter;
 * CNTV and CNTP raise PPIs 27 and 30 when the counter reaches CVAL; ISTATUS follows the condition, IMASK keeps
 * the interrupt from the GIC, TVAL counts down and goes negative, a level interrupt drops when CVAL moves on; an
 * interrupt taken in a busy loop and one that wakes WFI, neither early nor late by more than 250 ms (a loaded host is slow); WFI with IRQs
 * masked returns when the timer fires. Only what is deterministic is printed (no times, no frequencies).
 */
#include "support.h"

#include "gic.h"
#include "vectors.h"

#define CNTV_CTL "cntv_ctl_el0"
#define CNTV_CVAL "cntv_cval_el0"
#define CNTV_TVAL "cntv_tval_el0"
#define CNTP_CTL "cntp_ctl_el0"
#define CNTP_CVAL "cntp_cval_el0"
#define CNTP_TVAL "cntp_tval_el0"

#define SYSREG_READ(r) ({ uint64_t _v; __asm__ volatile("isb; mrs %0, " r : "=r"(_v) :: "memory"); _v; })
#define SYSREG_WRITE(r, v) __asm__ volatile("msr " r ", %0; isb" :: "r"((uint64_t)(v)) : "memory")

static uint64_t freq;
static volatile uint32_t last_id;
static volatile uint64_t last_ctl, taken_at, taken;

static uint64_t now(void) { return SYSREG_READ("cntvct_el0"); }

void handle(struct frame *f, uint64_t offset)
{
    (void)f;
    if (offset != 0x280) {
        uint64_t esr;
        __asm__ volatile("mrs %0, esr_el1" : "=r"(esr));
        kprintf("unexpected vector 0x%lx, ESR 0x%lx\n", offset, esr);
        return;
    }
    taken_at = now();
    uint32_t iar = gic_ack();
    uint32_t id = iar & 0x3FF;
    if (id == 27) {
        last_ctl = SYSREG_READ(CNTV_CTL);
        SYSREG_WRITE(CNTV_CTL, 3); /* IMASK: the level drops */
    } else if (id == 30) {
        last_ctl = SYSREG_READ(CNTP_CTL);
        SYSREG_WRITE(CNTP_CTL, 3);
    } else if (id >= 1020) {
        return;
    }
    last_id = id;
    taken++;
    gic_eoi(iar);
}

static const char *yes(int b) { return b ? "yes" : "no"; }

/*
 * WFI without losing a wake-up: IRQs masked while the condition is tested, so an interrupt that arrives between the
 * test and the WFI stays pending and WFI returns at once; unmasking then takes it.
 */
static void wait_for_irq(uint64_t before, uint64_t limit)
{
    irq_disable();
    while (taken == before && now() < limit) {
        __asm__ volatile("wfi");
        irq_enable();
        __asm__ volatile("isb");
        irq_disable();
    }
    irq_enable();
}

/*
 * Waits for the interrupt after the before-th with a busy loop (wfi = 0) or WFI, and reports it against the deadline.
 * (The count is taken before the timer is armed: a slow host may take the interrupt before this is called.)
 */
static void expect(int id, uint64_t deadline, int wfi, uint64_t before)
{
    uint64_t limit = now() + freq; /* give up after a second */
    if (wfi)
        wait_for_irq(before, limit);
    while (taken == before && now() < limit)
        ;
    if (taken == before) {
        kprintf("  no interrupt %d within a second\n", id);
        return;
    }
    uint64_t late = taken_at - deadline;
    kprintf("  interrupt %u taken%s, ISTATUS %lu, not early: %s, late by less than 250 ms: %s\n", last_id,
        wfi ? " in WFI" : "", (last_ctl >> 2) & 1, yes(taken_at >= deadline), yes(taken_at >= deadline && late < freq / 4));
}

int main(void)
{
    __asm__ volatile("msr vbar_el1, %0; isb" :: "r"(vectors));
    freq = SYSREG_READ("cntfrq_el0");
    gic_init();

    uint64_t v0 = SYSREG_READ("cntvct_el0"), p = SYSREG_READ("cntpct_el0"), v1 = SYSREG_READ("cntvct_el0");
    kprintf("CNTPCT between two CNTVCT reads: %s; counter frequency at least 1 MHz: %s\n", yes(v0 <= p && p <= v1), yes(freq >= 1000000));
    kprintf("reset: CNTV_CTL ENABLE %lu, CNTP_CTL ENABLE %lu\n", SYSREG_READ(CNTV_CTL) & 1, SYSREG_READ(CNTP_CTL) & 1);

    /* Polled, IRQs masked at the CPU: ISTATUS and the GIC's pending bit. */
    gic_enable(27, 0x80);
    gic_enable(30, 0x80);
    uint64_t cval = now() + freq / 2; /* 500 ms: long enough for a slow host to read the registers before it */
    SYSREG_WRITE(CNTV_CVAL, cval);
    SYSREG_WRITE(CNTV_CTL, 1);
    kprintf("CNTV_CVAL reads back: %s; before the deadline ISTATUS %lu, PPI 27 pending %d\n",
        yes(SYSREG_READ(CNTV_CVAL) == cval), (SYSREG_READ(CNTV_CTL) >> 2) & 1, gic_is_pending(27));
    while (!(SYSREG_READ(CNTV_CTL) & 4))
        ;
    kprintf("after: counter past CVAL %s, ISTATUS 1, PPI 27 pending %d\n", yes(now() >= cval), gic_is_pending(27));
    SYSREG_WRITE(CNTV_CTL, 3);
    kprintf("IMASK: CNTV_CTL 0x%lx, PPI 27 pending %d\n", SYSREG_READ(CNTV_CTL), gic_is_pending(27));
    SYSREG_WRITE(CNTV_CTL, 1);
    kprintf("unmasked again: PPI 27 pending %d\n", gic_is_pending(27));
    SYSREG_WRITE(CNTV_CVAL, now() + 100 * freq);
    kprintf("CVAL moved on: ISTATUS %lu, PPI 27 pending %d\n", (SYSREG_READ(CNTV_CTL) >> 2) & 1, gic_is_pending(27));
    SYSREG_WRITE(CNTV_CTL, 0);
    SYSREG_WRITE(CNTV_CVAL, 0);
    kprintf("disabled with CVAL 0: ISTATUS %lu, PPI 27 pending %d\n", (SYSREG_READ(CNTV_CTL) >> 2) & 1, gic_is_pending(27));

    /* TVAL: a signed 32-bit view of CVAL - counter. */
    /* 125 ms: generous, so that a slow host (a first-use JIT, a descheduled thread) passes; TVAL is a signed 32-bit
     * count, so at a counter of a few GHz no more than about half a second fits. */
    SYSREG_WRITE(CNTP_TVAL, freq / 8);
    uint64_t tval = SYSREG_READ(CNTP_TVAL), pcval = SYSREG_READ(CNTP_CVAL);
    kprintf("TVAL counts down from what was written: %s; CVAL = counter + TVAL: %s\n",
        yes(tval <= freq / 8 && tval > freq / 16), yes(pcval > now() && pcval <= now() + freq / 8));
    SYSREG_WRITE(CNTP_TVAL, (uint32_t)-(int32_t)(freq / 1000)); /* -1 ms: already expired */
    SYSREG_WRITE(CNTP_CTL, 3);
    tval = SYSREG_READ(CNTP_TVAL);
    kprintf("TVAL written negative: reads negative %s, upper half zero %s, ISTATUS %lu\n",
        yes((tval & 0x80000000u) != 0), yes(tval >> 32 == 0), (SYSREG_READ(CNTP_CTL) >> 2) & 1);
    SYSREG_WRITE(CNTP_CTL, 0);

    /* Interrupts: a busy loop, then WFI, each timer. */
    irq_enable();
    kprintf("CNTV, 2 ms, busy loop:\n");
    uint64_t before = taken;
    cval = now() + freq / 500;
    SYSREG_WRITE(CNTV_CVAL, cval);
    SYSREG_WRITE(CNTV_CTL, 1);
    expect(27, cval, 0, before);
    kprintf("CNTP, 2 ms, busy loop:\n");
    before = taken;
    cval = now() + freq / 500;
    SYSREG_WRITE(CNTP_CVAL, cval);
    SYSREG_WRITE(CNTP_CTL, 1);
    expect(30, cval, 0, before);
    kprintf("CNTV, 5 ms, WFI:\n");
    before = taken;
    cval = now() + freq / 200;
    SYSREG_WRITE(CNTV_CVAL, cval);
    SYSREG_WRITE(CNTV_CTL, 1);
    expect(27, cval, 1, before);
    kprintf("CNTP by TVAL, 3 ms, WFI:\n");
    before = taken;
    SYSREG_WRITE(CNTP_TVAL, freq / 333);
    cval = SYSREG_READ(CNTP_CVAL);
    SYSREG_WRITE(CNTP_CTL, 1);
    expect(30, cval, 1, before);
    for (int i = 0; i < 5; i++) {
        before = taken;
        cval = now() + freq / 1000;
        SYSREG_WRITE(CNTV_CVAL, cval);
        SYSREG_WRITE(CNTV_CTL, 1);
        wait_for_irq(before, now() + freq);
    }
    kprintf("five more 1 ms CNTV interrupts in WFI: %lu taken in all\n", taken);

    /* WFI returns for a pending interrupt even with IRQs masked; unmasking then takes it. */
    irq_disable();
    cval = now() + freq / 500;
    SYSREG_WRITE(CNTV_CVAL, cval);
    SYSREG_WRITE(CNTV_CTL, 1);
    before = taken;
    while (!(SYSREG_READ(CNTV_CTL) & 4))
        __asm__ volatile("wfi");
    kprintf("WFI with IRQs masked returned after the deadline: %s, interrupts taken meanwhile: %lu\n", yes(now() >= cval), taken - before);
    irq_enable();
    __asm__ volatile("isb");
    kprintf("unmasked: interrupt %u taken: %s\n", last_id, yes(taken == before + 1));

    irq_disable();
    SYSREG_WRITE(CNTV_CTL, 0);
    SYSREG_WRITE(CNTP_CTL, 0);
    kprintf("DONE\n");
    return 0;
}
