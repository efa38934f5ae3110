/*
 * An interrupt that becomes pending in the middle of a block, just before an access of the same block faults
 * (build.sh: qemu-variant gicv3 virt,gic-version=3). With IRQs unmasked at EL1 and the MMU on, a GICD_SGIR write (an
 * MMIO store) makes SGI 3 pending and the very next instruction loads from an unmapped page. The data abort comes
 * first: QEMU checks interrupts between translation blocks, and the exception entry masks IRQs, so the SGI is taken
 * once the abort handler's ERET unmasks them, at the instruction after the load. The handlers print what they saw as
 * offsets from the load's label: an exception taken anywhere else — the abort lost, an IRQ returning to address 0 —
 * shows. Repeated, and from EL0 too (the timer-interrupted page faults of a Linux user process).
 *
 * Then the flags an abort saves: a block that sets NZCV and branches to one whose first instruction is a faulting
 * vector load (build.sh: SIMD&FP in inline assembly on purpose) followed by a compare. SPSR_EL1.NZCV must be the
 * flags of the first block, though the second overwrites them right after the load.
 */
#include "support.h"

#include "pagetables.h"

#include "gic.h"
#include "vectors.h"

#define TW 0x80000000ul /* the test window: l1[2] -> l2_test -> l3_test */

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2_low[512] __attribute__((aligned(4096)));
static uint64_t l2_test[512] __attribute__((aligned(4096)));
static uint64_t l3_test[512] __attribute__((aligned(4096)));
static volatile uint64_t data_page[512] __attribute__((aligned(4096)));
static uint64_t el0_stack[512] __attribute__((aligned(4096)));

extern char el0_page[], el0_load[], el1_resume[];
uint64_t run_el0(uint64_t sp, uint64_t sgir, uint64_t unmapped);

static volatile uint64_t label;      /* the faulting load's address */
static volatile unsigned aborts, irqs, svcs;
static volatile uint32_t last_id;
static volatile uint64_t sgir_value;
static volatile uint64_t abort_spsr;

void handle(struct frame *f, uint64_t offset)
{
    uint64_t esr, elr, far;
    __asm__ volatile("mrs %0, esr_el1; mrs %1, elr_el1; mrs %2, far_el1" : "=r"(esr), "=r"(elr), "=r"(far));
    unsigned ec = (unsigned)(esr >> 26);
    if (offset == 0x280 || offset == 0x480) { /* IRQ from EL1h or from EL0 */
        uint32_t iar = gic_ack();
        last_id = iar & 0x3FF;
        irqs++;
        kprintf("  IRQ %u at label+%ld (vector 0x%lx)\n", last_id, (long)(elr - label), offset);
        if (last_id < 1020)
            gic_eoi(iar);
        return;
    }
    if (ec == 0x15 && (esr & 0xffff) == 99) { /* EL0's exit: back to run_el0's caller at EL1h */
        svcs++;
        __asm__ volatile("msr elr_el1, %0; msr spsr_el1, %1" :: "r"((uint64_t)el1_resume), "r"((uint64_t)0x345));
        return;
    }
    if (ec == 0x24 || ec == 0x25) {
        aborts++;
        __asm__ volatile("mrs %0, spsr_el1" : "=r"(abort_spsr));
        kprintf("  data abort EC 0x%x DFSC 0x%lx at label+%ld, FAR TW+%ld, x1 0x%lx\n", ec, esr & 0x3f,
            (long)(elr - label), (long)(far - TW), f->x[1]);
        __asm__ volatile("msr elr_el1, %0" :: "r"(elr + 4));
        return;
    }
    kprintf("unexpected exception: vector 0x%lx EC 0x%x ESR 0x%lx ELR 0x%lx\n", offset, ec, esr, elr);
}

/* The SGI (a store of sgir_value to reg) and the faulting load in one straight run of instructions (one block). */
static void sgi_then_fault(uint64_t unmapped, uint64_t reg)
{
    register uint64_t x0 __asm__("x0") = unmapped;
    register uint64_t x1 __asm__("x1") = 0x77;
    register uint64_t x2 __asm__("x2") = reg;
    register uint64_t x3 __asm__("x3") = sgir_value;
    uint64_t here;
    __asm__ volatile("adr %4, 1f\n"
                     "str %4, [%5]\n"
                     "str w3, [x2]\n"
                     "1: ldr x1, [x0]\n"
                     "add x1, x1, #1\n"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "=&r"(here)
                     : "r"(&label)
                     : "memory");
    if (x1 != 0x78)
        kprintf("  x1 after the fault 0x%lx\n", x1);
}

/* EL0 code, through its alias TW + 0: x9 = GICD_SGIR (mapped for EL0 here), x10 = the unmapped page. SVC #99 exits. */
__asm__(".text\n"
        ".balign 4096\n"
        ".global el0_page\n"
        "el0_page:\n"
        "mov x1, #0x77\n"
        "str w11, [x9]\n"
        ".global el0_load\n"
        "el0_load:\n"
        "ldr x1, [x10]\n"
        "add x1, x1, #1\n"
        "svc #99\n"
        ".balign 4096\n");

__asm__(".text\n"
        ".global run_el0\n"
        "run_el0:\n"
        CAPTIVE_EL0_ENTER
        "msr sp_el0, x0\n"
        "mov x9, x1\n" "mov x10, x2\n"
        "adrp x11, sgir_value\n"
        "ldr x11, [x11, :lo12:sgir_value]\n"
        "mov x1, #0x80000000\n"         /* TW: el0_page's alias */
        "msr elr_el1, x1\n"
        "mov x1, #0x0\n"                /* EL0t, IRQs unmasked */
        "msr spsr_el1, x1\n"
        "eret\n"
        CAPTIVE_EL0_RESUME);

static uint64_t pa(const volatile void *p) { return (uint64_t)p; } /* identity-mapped RAM */

int main(void)
{
    __asm__ volatile("msr vbar_el1, %0; isb" :: "r"(vectors));

    l1[0] = pa(l2_low) | TABLE;
    l2_low[64] = 0x08000000ul | BLOCK | DEVICE | AP_RW;        /* the GIC, EL0 too */
    l2_low[72] = 0x09000000ul | BLOCK | DEVICE | AP_EL1_RW;    /* the UART */
    l1[1] = 0x40000000ul | BLOCK | NORMAL | AP_EL1_RW | UXN;   /* RAM, identity, a 1 GiB block */
    l1[2] = pa(l2_test) | TABLE;
    l2_test[0] = pa(l3_test) | TABLE;
    l3_test[0] = pa(el0_page) | PAGEDESC | NORMAL | AP_RO | PXN;
    l3_test[1] = pa(data_page) | PAGEDESC | NORMAL | AP_RW | PXN | UXN;
    /* l3_test[2] invalid: the faulting page */

    uint64_t mair = 0x00ul | 0xfful << 8;
    uint64_t tcr = 25ul | 1ul << 8 | 1ul << 10 | 3ul << 12 | 1ul << 23 /* T0SZ 39 bits, EPD1 */
        | 2ul << 30 | 2ul << 32;
    __asm__ volatile("msr mair_el1, %0; msr tcr_el1, %1; msr ttbr0_el1, %2; isb; tlbi vmalle1; dsb sy; isb"
                     :: "r"(mair), "r"(tcr), "r"(pa(l1)) : "memory");
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    __asm__ volatile("msr sctlr_el1, %0; isb" :: "r"(sctlr | 1ul | 1ul << 2 | 1ul << 12) : "memory");

    gic_init();
    gic_enable(3, 0x80);
    if (gic_version == 2) {
        sgir_value = (2u << 24) | 3u; /* TargetListFilter: this CPU; SGI 3 */
    } else {
        /* GICv3 sends SGIs through a system register, not an MMIO store: make SGI 3 pending through GICR_ISPENDR0. */
        sgir_value = 1u << 3;
    }
    uint64_t sgir = gic_version == 2 ? GICD_BASE + GICD_SGIR : GICR_SGI + GICD_ISPENDR;
    kprintf("MMU on, SGI 3 enabled\n");
    irq_enable();

    for (int i = 0; i < 3; i++) {
        kprintf("EL1, round %d\n", i);
        unsigned a = aborts, q = irqs;
        sgi_then_fault(TW + 2 * PAGE + 8 * (uint64_t)i, sgir);
        kprintf("  %u abort, %u IRQ\n", aborts - a, irqs - q);
    }

    for (int i = 0; i < 3; i++) {
        kprintf("EL0, round %d\n", i);
        unsigned a = aborts, q = irqs;
        label = TW + (uint64_t)(el0_load - el0_page);
        run_el0(pa(el0_stack) + sizeof el0_stack, sgir, TW + 2 * PAGE + 16 * (uint64_t)i);
        kprintf("  %u abort, %u IRQ, %u exit\n", aborts - a, irqs - q, svcs);
    }
    for (int i = 0; i < 2; i++) {
        kprintf("flags at an abort, round %d\n", i);
        register uint64_t x0 __asm__("x0") = TW + 2 * PAGE + 0x40;
        uint64_t here;
        __asm__ volatile("adr %1, 1f\n"
                         "str %1, [%2]\n"
                         "msr nzcv, xzr\n"
                         "mov x1, #0x77\n"
                         "mov x5, #1\n"
                         "mov x6, #2\n"
                         "cmp x5, x5\n"             /* Z and C */
                         "b 1f\n"
                         "1: ldr q0, [x0]\n"         /* faults */
                         "cmp x5, x6\n"             /* N */
                         : "+r"(x0), "=&r"(here)
                         : "r"(&label)
                         : "x1", "x5", "x6", "v0", "memory", "cc");
        kprintf("  SPSR_EL1.NZCV 0x%lx\n", (uint64_t)(abort_spsr >> 28));
    }
    kprintf("DONE\n");
    return 0;
}
