/*
 * The interrupt controller, GICv2 or GICv3 (whichever the board has; build.sh: qemu-variant gicv3 virt,gic-version=3):
 * an SGI to this CPU, a PPI and SPIs made pending through GICD_ISPENDR, taken in priority order, the priority mask,
 * the active state and the running priority inside the handler, end of interrupt, and the spurious INTID. The IRQ
 * vector acknowledges, records and ends each interrupt; what it saw is printed afterwards.
 */
#include "support.h"

#include "gic.h"
#include "vectors.h"

static volatile uint32_t seen[16];
static volatile unsigned count;
static volatile int active_in_handler, rpr_in_handler;

void handle(struct frame *f, uint64_t offset)
{
    (void)f;
    if (offset != 0x280) {
        uint64_t esr;
        __asm__ volatile("mrs %0, esr_el1" : "=r"(esr));
        kprintf("unexpected vector 0x%lx, ESR 0x%lx\n", offset, esr);
        return;
    }
    uint32_t iar = gic_ack();
    uint32_t id = iar & 0x3FF;
    if (id >= 1020) {
        kprintf("spurious IRQ (IAR %u)\n", iar);
        return;
    }
    active_in_handler = gic_is_active((int)id);
    rpr_in_handler = (int)gic_running_priority();
    if (count < 16)
        seen[count] = iar;
    count++;
    gic_eoi(iar);
}

static void show(const char *what)
{
    kprintf("%s:", what);
    for (unsigned i = 0; i < count && i < 16; i++)
        kprintf(" %u", seen[i]);
    kprintf("\n");
    count = 0;
}

static void settle(void)
{
    /* Give a pending interrupt every chance to arrive: a few thousand instructions with IRQs unmasked. */
    for (volatile int i = 0; i < 2000; i++)
        ;
}

int main(void)
{
    __asm__ volatile("msr vbar_el1, %0; isb" :: "r"(vectors));
    gic_init();
    kprintf("GICv%d\n", gic_version);
    uint32_t typer = mmio_read32(GICD_BASE + GICD_TYPER);
    kprintf("GICD_TYPER.ITLinesNumber %u, CPUNumber %u\n", typer & 0x1F, (typer >> 5) & 7);
    kprintf("nothing pending: IAR %u\n", gic_ack());

    /* An SGI to this CPU. */
    gic_enable(3, 0x80);
    irq_enable();
    gic_send_sgi_self(3);
    settle();
    show("SGI 3 to self");
    kprintf("  active in the handler: %d, running priority 0x%x, after EOI active: %d, running priority 0x%x\n",
        active_in_handler, rpr_in_handler, gic_is_active(3), gic_running_priority());

    /* A PPI made pending by software. */
    gic_enable(20, 0x60);
    gic_set_pending(20);
    settle();
    show("PPI 20");

    /* Two SPIs pended while IRQs are masked: the higher priority (lower value) is taken first. */
    irq_disable();
    gic_enable(72, 0xA0);
    gic_enable(73, 0x40);
    gic_enable(74, 0x40);
    gic_set_pending(72);
    gic_set_pending(74);
    gic_set_pending(73);
    kprintf("masked by PSTATE.I: pending 72 %d, 73 %d, 74 %d; highest pending %u\n",
        gic_is_pending(72), gic_is_pending(73), gic_is_pending(74), gic_highest_pending() & 0x3FF);
    settle();
    kprintf("still pending with IRQs masked: %u taken\n", count);
    irq_enable();
    settle();
    show("SPIs 72 (0xa0), 73 and 74 (0x40) in order");
    kprintf("  running priority in the handler 0x%x\n", rpr_in_handler);

    /* The priority mask. */
    gic_set_pmr(0x60);
    gic_set_pending(72);
    settle();
    kprintf("priority 0xa0 under PMR 0x60: %u taken, still pending %d\n", count, gic_is_pending(72));
    gic_set_pmr(0xF0);
    settle();
    show("after PMR 0xf0");

    /* A disabled interrupt stays pending and is not taken. */
    gic_disable(73);
    gic_set_pending(73);
    settle();
    kprintf("disabled SPI 73: %u taken, pending %d\n", count, gic_is_pending(73));
    gic_enable(73, 0x40);
    settle();
    show("enabled again");

    /* Several SGIs at once: lower INTID first among equal priorities. */
    irq_disable();
    gic_enable(5, 0x80);
    gic_enable(1, 0x80);
    gic_send_sgi_self(5);
    gic_send_sgi_self(1);
    gic_send_sgi_self(3);
    irq_enable();
    settle();
    show("SGIs 5, 1, 3 sent together");

    irq_disable();
    kprintf("DONE\n");
    return 0;
}
