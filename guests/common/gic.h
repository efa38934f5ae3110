/*
 * A minimal GIC driver for the 'virt' board's test programs, GICv2 or GICv3 (whichever the board has:
 * gic_init() tells them apart by the distributor's ArchRev), for CPU 0 at EL1. Interrupts are configured
 * as the GIC version wants them signalled as IRQ: Group 0 with GICv2 (no security extensions: Group 0 is
 * IRQ), Group 1 with GICv3 (the system-register interface signals Group 1 as IRQ). Header-only.
 */
#ifndef CAPTIVE_GUEST_GIC_H
#define CAPTIVE_GUEST_GIC_H

#include <stdint.h>

#define GICD_BASE   0x08000000ul
#define GICC_BASE   0x08010000ul        /* GICv2 CPU interface */
#define GICR_BASE   0x080A0000ul        /* GICv3 redistributor of CPU 0 (RD_base) */
#define GICR_SGI    (GICR_BASE + 0x10000ul)

#define GICD_CTLR       0x000
#define GICD_TYPER      0x004
#define GICD_IGROUPR    0x080
#define GICD_ISENABLER  0x100
#define GICD_ICENABLER  0x180
#define GICD_ISPENDR    0x200
#define GICD_ICPENDR    0x280
#define GICD_ISACTIVER  0x300
#define GICD_IPRIORITYR 0x400
#define GICD_SGIR       0xF00
#define GICD_IROUTER    0x6000

#define GICC_CTLR   0x00
#define GICC_PMR    0x04
#define GICC_IAR    0x0C
#define GICC_EOIR   0x10
#define GICC_RPR    0x14
#define GICC_HPPIR  0x18

#define GICR_WAKER  0x14

static int gic_version;

static inline uint32_t mmio_read32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void mmio_write32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void mmio_write8(uint64_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void mmio_write64(uint64_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

#define ICC_WRITE(reg, v) __asm__ volatile("msr " reg ", %0; isb" :: "r"((uint64_t)(v)) : "memory")
#define ICC_READ(reg) ({ uint64_t _v; __asm__ volatile("mrs %0, " reg : "=r"(_v) :: "memory"); _v; })

/* Where the registers of INTID id's bank live: the redistributor's SGI frame for SGIs and PPIs on GICv3. */
static inline uint64_t gic_bank(int id) { return gic_version == 3 && id < 32 ? GICR_SGI : GICD_BASE; }

static inline void gic_init(void)
{
    gic_version = ((mmio_read32(GICD_BASE + 0xFE8) >> 4) & 0xF) == 2 ? 2 : 3;
    if (gic_version == 2) {
        mmio_write32(GICD_BASE + GICD_CTLR, 1);              /* EnableGrp0 */
        mmio_write32(GICC_BASE + GICC_PMR, 0xF0);
        mmio_write32(GICC_BASE + GICC_CTLR, 1);              /* EnableGrp0 */
    } else {
        mmio_write32(GICD_BASE + GICD_CTLR, (1 << 4) | (1 << 1)); /* ARE, EnableGrp1 */
        mmio_write32(GICR_BASE + GICR_WAKER, mmio_read32(GICR_BASE + GICR_WAKER) & ~2u);
        while (mmio_read32(GICR_BASE + GICR_WAKER) & 4)
            ;
        mmio_write32(GICR_SGI + GICD_IGROUPR, 0xFFFFFFFFu);  /* SGIs and PPIs: Group 1 */
        for (int n = 1; n < 8; n++)
            mmio_write32(GICD_BASE + GICD_IGROUPR + 4 * n, 0xFFFFFFFFu);
        ICC_WRITE("S3_0_C12_C12_5", ICC_READ("S3_0_C12_C12_5") | 1); /* ICC_SRE_EL1.SRE */
        ICC_WRITE("S3_0_C4_C6_0", 0xF0);                     /* ICC_PMR_EL1 */
        ICC_WRITE("S3_0_C12_C12_7", 1);                      /* ICC_IGRPEN1_EL1 */
    }
}

static inline void gic_enable(int id, uint8_t priority)
{
    uint64_t bank = gic_bank(id);
    mmio_write8(bank + GICD_IPRIORITYR + id, priority);
    if (gic_version == 3 && id >= 32)
        mmio_write64(GICD_BASE + GICD_IROUTER + 8 * id, 0);  /* affinity 0.0.0.0: CPU 0 */
    mmio_write32(bank + GICD_ISENABLER + 4 * (id / 32), 1u << (id % 32));
}

static inline void gic_disable(int id)
{
    mmio_write32(gic_bank(id) + GICD_ICENABLER + 4 * (id / 32), 1u << (id % 32));
}

static inline void gic_set_pending(int id)
{
    mmio_write32(gic_bank(id) + GICD_ISPENDR + 4 * (id / 32), 1u << (id % 32));
}

static inline int gic_is_pending(int id)
{
    return (mmio_read32(gic_bank(id) + GICD_ISPENDR + 4 * (id / 32)) >> (id % 32)) & 1;
}

static inline int gic_is_active(int id)
{
    return (mmio_read32(gic_bank(id) + GICD_ISACTIVER + 4 * (id / 32)) >> (id % 32)) & 1;
}

/* An SGI to this CPU. */
static inline void gic_send_sgi_self(int id)
{
    if (gic_version == 2)
        mmio_write32(GICD_BASE + GICD_SGIR, (2u << 24) | (uint32_t)id);   /* TargetListFilter: this CPU */
    else
        ICC_WRITE("S3_0_C12_C11_5", ((uint64_t)id << 24) | 1);          /* ICC_SGI1R_EL1: Aff 0.0.0, target list CPU 0 */
}

static inline uint32_t gic_ack(void)
{
    return gic_version == 2 ? mmio_read32(GICC_BASE + GICC_IAR) : (uint32_t)ICC_READ("S3_0_C12_C12_0");
}

static inline void gic_eoi(uint32_t iar)
{
    if (gic_version == 2)
        mmio_write32(GICC_BASE + GICC_EOIR, iar);
    else
        ICC_WRITE("S3_0_C12_C12_1", iar);
}

static inline void gic_set_pmr(uint32_t pmr)
{
    if (gic_version == 2)
        mmio_write32(GICC_BASE + GICC_PMR, pmr);
    else
        ICC_WRITE("S3_0_C4_C6_0", pmr);
}

static inline uint32_t gic_running_priority(void)
{
    return gic_version == 2 ? mmio_read32(GICC_BASE + GICC_RPR) : (uint32_t)ICC_READ("S3_0_C12_C11_3");
}

static inline uint32_t gic_highest_pending(void)
{
    return gic_version == 2 ? mmio_read32(GICC_BASE + GICC_HPPIR) : (uint32_t)ICC_READ("S3_0_C12_C12_2");
}

static inline void irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

#endif
