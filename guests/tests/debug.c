/*
 * Self-hosted debug (ARM DDI 0487 D2) as Linux's ptrace and kgdb use it, and the PMU's overflow interrupt
 * (build.sh: qemu-variant gicv3 virt,gic-version=3): the OS Lock at reset and OSLAR, hardware breakpoints at EL1
 * and EL0 (enabled by MDSCR_EL1.MDE, KDE, PSTATE.D, the OS Lock, DBGBCR.E, PMC and BAS; the breakpointed
 * instruction does not execute), watchpoints on loads and stores (LSC, BAS, MASK; FAR = the watched byte the access
 * reached; the access does not complete; with the MMU off and on), software step through EL0 code (active-pending after ERET with SPSR.SS = 0,
 * a branch, an exclusive load, SVC, BRK and WFI), and PMU counter overflow raising PPI 23 through the GIC. Only the
 * first two breakpoints and watchpoints are used (the CPU may have more). QEMU records the expected output.
 */
#include "support.h"

#include "gic.h"
#include "vectors.h"

#define SYSREG_READ(r) ({ uint64_t _v; __asm__ volatile("isb; mrs %0, " r : "=r"(_v) :: "memory"); _v; })
#define SYSREG_WRITE(r, v) __asm__ volatile("msr " r ", %0; isb" :: "r"((uint64_t)(v)) : "memory")

#define MDSCR_SS (1ul << 0)
#define MDSCR_KDE (1ul << 13)
#define MDSCR_MDE (1ul << 15)
/* DBGBCR: E [0], PMC [2:1], BAS [8:5]; DBGWCR: E [0], PAC [2:1], LSC [4:3], BAS [12:5], MASK [28:24]. */
#define BCR(pmc, bas) (1ul | (uint64_t)(pmc) << 1 | (uint64_t)(bas) << 5)
#define WCR(pac, lsc, bas, mask) (1ul | (uint64_t)(pac) << 1 | (uint64_t)(lsc) << 3 | (uint64_t)(bas) << 5 | (uint64_t)(mask) << 24)
#define PMC_EL1 1
#define PMC_EL0 2
#define PMC_BOTH 3
#define LSC_LOAD 1
#define LSC_STORE 2
#define LSC_BOTH 3

extern char bp_func[], bp_mid[], el0_code[], el0_bp[], el0_step[], el1_resume[], el1_step[];
uint64_t el1_step_code(void);
uint64_t bp_call(void);
uint64_t run_el0(uint64_t *stack_top, uint64_t entry, uint64_t spsr, uint64_t x2, uint64_t x4);
static uint64_t el0_stack[64] __attribute__((aligned(16)));
static volatile uint64_t watched[8] __attribute__((aligned(64)));
static volatile uint64_t exclusive_var;
static volatile unsigned hits, steps, irqs;
static volatile uint32_t last_irq;
static volatile uint64_t last_pmovs;
static volatile int show_x1;

static void set_bp(int n, uint64_t addr, uint64_t bcr)
{
    if (n == 0) { SYSREG_WRITE("dbgbvr0_el1", addr); SYSREG_WRITE("dbgbcr0_el1", bcr); }
    else { SYSREG_WRITE("dbgbvr1_el1", addr); SYSREG_WRITE("dbgbcr1_el1", bcr); }
}

static void set_wp(int n, uint64_t addr, uint64_t wcr)
{
    if (n == 0) { SYSREG_WRITE("dbgwvr0_el1", addr); SYSREG_WRITE("dbgwcr0_el1", wcr); }
    else { SYSREG_WRITE("dbgwvr1_el1", addr); SYSREG_WRITE("dbgwcr1_el1", wcr); }
}

static void clear_all(void)
{
    set_bp(0, 0, 0); set_bp(1, 0, 0); set_wp(0, 0, 0); set_wp(1, 0, 0);
}

static const char *where(uint64_t a)
{
    static char buf[48];
    struct { const char *name; char *at; } labels[] = {
        { "el1_step", el1_step }, { "el0_step", el0_step }, { "el0_code", el0_code }, { "bp_func", bp_func },
    };
    for (unsigned k = 0; k < sizeof labels / sizeof labels[0]; k++) {
        int64_t d = (int64_t)(a - (uint64_t)labels[k].at);
        if (d >= 0 && d < 0x40) {
            char *p = buf;
            for (const char *s = labels[k].name; *s; s++) *p++ = *s;
            *p++ = '+';
            int64_t v = d;
            char tmp[8]; int t = 0;
            do { tmp[t++] = (char)('0' + v % 10); v /= 10; } while (v);
            while (t) *p++ = tmp[--t];
            *p = 0;
            return buf;
        }
    }
    return "elsewhere";
}

void handle(struct frame *f, uint64_t offset)
{
    uint64_t esr = SYSREG_READ("esr_el1"), elr = SYSREG_READ("elr_el1"), spsr = SYSREG_READ("spsr_el1");
    uint64_t far = SYSREG_READ("far_el1");
    unsigned ec = (unsigned)(esr >> 26);
    spsr &= 0x0FFFFFFFul; /* NZCV depends on the compiler's code around the exception */
    if (offset == 0x280 || offset == 0x480) {
        uint32_t iar = gic_ack();
        last_irq = iar & 0x3FF;
        if (last_irq < 1020) {
            last_pmovs = SYSREG_READ("pmovsset_el0");
            SYSREG_WRITE("pmovsclr_el0", last_pmovs); /* the level drops */
            gic_eoi(iar);
            irqs++;
        }
        return;
    }
    switch (ec) {
    case 0x30: case 0x31: /* breakpoint: the instruction has not executed; disarm and return to it */
        kprintf("  breakpoint: vector 0x%lx EC 0x%x ISS 0x%lx ELR %s SPSR 0x%lx FAR 0x%lx\n", offset, ec,
            esr & 0x1ffffff, where(elr), spsr, far);
        set_bp(0, 0, 0); set_bp(1, 0, 0);
        hits++;
        return;
    case 0x34: case 0x35: /* watchpoint: the access has not happened; disarm and return to it */
        kprintf("  watchpoint: vector 0x%lx EC 0x%x ISS 0x%lx ELR %s SPSR 0x%lx FAR watched+%ld", offset, ec,
            esr & 0x1ffffff, (elr - (uint64_t)el0_code < 0x30) ? where(elr) : "el1", spsr, (long)(far - (uint64_t)watched));
        if (show_x1) kprintf(" x1 0x%lx (not loaded yet)", f->x[1]);
        kprintf("\n");
        set_wp(0, 0, 0); set_wp(1, 0, 0);
        hits++;
        return;
    case 0x32: case 0x33: /* software step: step the next instruction too */
        kprintf("  step: vector 0x%lx EC 0x%x ISS 0x%lx ELR %s SPSR 0x%lx x0 %lu\n", offset, ec, esr & 0x1ffffff,
            where(elr), spsr, f->x[0]);
        if (++steps < 20) SYSREG_WRITE("spsr_el1", spsr | 1ul << 21);
        return;
    case 0x3c: /* BRK: step over it, keeping SPSR.SS as it is */
        kprintf("  brk: vector 0x%lx ISS 0x%lx ELR %s SPSR 0x%lx\n", offset, esr & 0xffff, where(elr), spsr);
        SYSREG_WRITE("elr_el1", elr + 4);
        return;
    case 0x15:
        if ((esr & 0xffff) == 99) { /* exit: back to run_el0's caller, at EL1h with D masked */
            SYSREG_WRITE("elr_el1", (uint64_t)el1_resume);
            SYSREG_WRITE("spsr_el1", 0x3c5);
            return;
        }
        kprintf("  svc: vector 0x%lx ISS 0x%lx ELR %s SPSR 0x%lx\n", offset, esr & 0xffff, where(elr), spsr);
        return;
    default:
        kprintf("  unexpected: vector 0x%lx ESR 0x%lx ELR %s\n", offset, esr, where(elr));
        SYSREG_WRITE("elr_el1", elr + 4);
        return;
    }
}

/* bp_call: x0 = 3 through bp_func, whose second instruction (bp_mid) is in the middle of a block. */
__asm__(
    ".text\n"
    ".global bp_call\n"
    "bp_call:\n"
    "stp x29, x30, [sp, #-16]!\n"
    "bl bp_func\n"
    "ldp x29, x30, [sp], #16\n"
    "ret\n"
    ".balign 16\n"
    ".global bp_func\n"
    "bp_func:\n"
    "mov x0, #1\n"
    ".global bp_mid\n"
    "bp_mid:\n"
    "add x0, x0, #1\n"
    "add x0, x0, #1\n"
    "ret\n");

/*
 * el1_step_code: stepped at EL1 (MDSCR_EL1.SS and KDE) from where it unmasks PSTATE.D (the step is then active-pending:
 * the exception comes at once, ISV 0) to where it masks D again (the step is no longer active: no exception after it).
 */
__asm__(
    ".text\n"
    ".balign 16\n"
    ".global el1_step_code\n"
    ".global el1_step\n"
    "el1_step_code:\n"
    "el1_step:\n"
    "mov x0, #1\n"
    "msr daifclr, #8\n"
    "add x0, x0, #2\n"
    "b 1f\n"
    "nop\n"
    "1: add x0, x0, #3\n"
    "msr daifset, #8\n"
    "add x0, x0, #4\n"
    "ret\n");

/*
 * run_el0(stack, entry, spsr, x2, x4): drops to EL0 at entry with SP_EL0 = stack, SPSR_EL1 = spsr, x2 and x4; SVC #99
 * there returns to the caller with x0.
 */
__asm__(
    ".text\n"
    ".global run_el0\n"
    "run_el0:\n"
    CAPTIVE_EL0_ENTER
    "msr sp_el0, x0\n"
    "msr elr_el1, x1\n"
    "msr spsr_el1, x2\n"
    "mov x2, x3\n"
    "mov x0, #0\n"
    "mov x1, #0\n"
    "isb\n"
    "eret\n"
    ".balign 16\n"
    ".global el0_code\n"
    "el0_code:\n"
    "mov x0, #1\n"
    ".global el0_bp\n"
    "el0_bp:\n"
    "add x0, x0, #1\n"
    "ldr x1, [x2]\n"
    "str x0, [x2, #8]\n"
    "svc #99\n"
    ".balign 16\n"
    ".global el0_step\n"
    "el0_step:\n"
    "mov x0, #1\n"
    "add x0, x0, #2\n"
    "b 1f\n"
    "nop\n"
    "1: cbz x0, 2f\n"
    "ldxr x1, [x2]\n"
    "add x0, x0, #1\n"
    "svc #5\n"
    "brk #7\n"
    "cbz x4, 3f\n"                /* x4: run_el0's fifth argument */
    "wfi\n"                       /* stepped: completes at once (SCTLR_EL1.nTWI set: EL0 executes it) */
    "3: mov x4, #4\n"
    "2: svc #99\n"
    CAPTIVE_EL0_RESUME);

static uint64_t el0(uint64_t entry, uint64_t spsr)
{
    return run_el0(&el0_stack[64], entry, spsr, (uint64_t)watched, 0);
}

/* el0_step with WFI (only while it is stepped: a stepped WFI does not wait, an unstepped one would wait for ever). */
static uint64_t el0_stepped(uint64_t spsr)
{
    return run_el0(&el0_stack[64], (uint64_t)el0_step, spsr, (uint64_t)watched, 1);
}

static void breakpoints(void)
{
    kprintf("breakpoints at EL1\n");
    uint64_t r;
    set_bp(0, (uint64_t)bp_mid, BCR(PMC_BOTH, 0xF));
    SYSREG_WRITE("mdscr_el1", MDSCR_MDE | MDSCR_KDE);
    hits = 0; r = bp_call(); kprintf(" OS Lock set: x0 %lu hits %u\n", r, hits);
    SYSREG_WRITE("oslar_el1", 0);
    kprintf(" OSLSR_EL1 after OSLAR 0: 0x%lx\n", SYSREG_READ("oslsr_el1"));
    hits = 0; r = bp_call(); kprintf(" PSTATE.D set: x0 %lu hits %u\n", r, hits);
    __asm__ volatile("msr daifclr, #8; isb");
    SYSREG_WRITE("mdscr_el1", MDSCR_MDE);
    hits = 0; r = bp_call(); kprintf(" KDE clear: x0 %lu hits %u\n", r, hits);
    SYSREG_WRITE("mdscr_el1", MDSCR_KDE);
    hits = 0; r = bp_call(); kprintf(" MDE clear: x0 %lu hits %u\n", r, hits);
    SYSREG_WRITE("mdscr_el1", MDSCR_MDE | MDSCR_KDE);
    hits = 0; r = bp_call(); kprintf(" enabled: x0 %lu hits %u\n", r, hits);
    set_bp(1, (uint64_t)bp_func, BCR(PMC_EL1, 0xF));
    hits = 0; r = bp_call(); kprintf(" at the function's entry (DBGBCR1): x0 %lu hits %u\n", r, hits);
    set_bp(0, (uint64_t)bp_mid, BCR(PMC_EL0, 0xF));
    hits = 0; r = bp_call(); kprintf(" PMC EL0 only: x0 %lu hits %u\n", r, hits);
    set_bp(0, (uint64_t)bp_mid, BCR(PMC_BOTH, 0));
    hits = 0; r = bp_call(); kprintf(" BAS 0: x0 %lu hits %u\n", r, hits);
    set_bp(0, (uint64_t)bp_mid, BCR(PMC_BOTH, 0xF) & ~1ul);
    hits = 0; r = bp_call(); kprintf(" E clear: x0 %lu hits %u\n", r, hits);
    set_bp(0, (uint64_t)bp_mid, BCR(PMC_BOTH, 0xF));
    __asm__ volatile("msr daifset, #8; isb");
    hits = 0; r = bp_call(); kprintf(" D set again: x0 %lu hits %u\n", r, hits);
    __asm__ volatile("msr daifclr, #8; isb");
    hits = 0; r = bp_call(); kprintf(" D clear again: x0 %lu hits %u\n", r, hits);

    kprintf("breakpoints at EL0\n");
    SYSREG_WRITE("mdscr_el1", MDSCR_MDE);
    set_bp(0, (uint64_t)el0_bp, BCR(PMC_EL0, 0xF));
    hits = 0; r = el0((uint64_t)el0_code, 0x3c0); kprintf(" PMC EL0, D set in SPSR: x0 %lu hits %u\n", r, hits);
    set_bp(0, (uint64_t)el0_bp, BCR(PMC_EL1, 0xF));
    hits = 0; r = el0((uint64_t)el0_code, 0x0); kprintf(" PMC EL1 only: x0 %lu hits %u\n", r, hits);
    SYSREG_WRITE("mdscr_el1", 0);
    set_bp(0, (uint64_t)el0_bp, BCR(PMC_EL0, 0xF));
    hits = 0; r = el0((uint64_t)el0_code, 0x0); kprintf(" MDE clear: x0 %lu hits %u\n", r, hits);
    clear_all();
}

static uint64_t load64(volatile void *p) { uint64_t v; __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(p) : "memory"); return v; }
static uint64_t load8(volatile void *p) { uint64_t v; __asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(p) : "memory"); return v; }
static void store64(volatile void *p, uint64_t v) { __asm__ volatile("str %0, [%1]" :: "r"(v), "r"(p) : "memory"); }
static void store32(volatile void *p, uint64_t v) { __asm__ volatile("str %w0, [%1]" :: "r"(v), "r"(p) : "memory"); }

static void watchpoints(int with_el0)
{
    kprintf("watchpoints at EL1\n");
    volatile char *w = (volatile char *)watched;
    for (int k = 0; k < 8; k++) watched[k] = 0x1111111111111111ul * (uint64_t)(k + 1);
    __asm__ volatile("msr daifclr, #8; isb"); /* returning from EL0 masked it again */
    SYSREG_WRITE("mdscr_el1", MDSCR_MDE | MDSCR_KDE);
    set_wp(0, (uint64_t)watched, WCR(PMC_BOTH, LSC_STORE, 0xFF, 0));
    hits = 0; uint64_t v = load64(w);
    kprintf(" store watchpoint, load: 0x%lx hits %u\n", v, hits);
    hits = 0; store64(w, 0xAA);
    kprintf(" store watchpoint, store: now 0x%lx hits %u\n", watched[0], hits);
    set_wp(0, (uint64_t)watched, WCR(PMC_BOTH, LSC_LOAD, 0x0F, 0));
    hits = 0; v = load8(w + 4);
    kprintf(" bytes 0-3, load byte 4: 0x%lx hits %u\n", v, hits);
    hits = 0; v = load8(w + 2);
    kprintf(" bytes 0-3, load byte 2: 0x%lx hits %u\n", v, hits);
    set_wp(0, (uint64_t)watched, WCR(PMC_BOTH, LSC_LOAD, 0xF0, 0));
    hits = 0; v = load64(w);
    kprintf(" bytes 4-7, load the doubleword: 0x%lx hits %u\n", v, hits);
    set_wp(1, (uint64_t)watched + 8, WCR(PMC_BOTH, LSC_BOTH, 0x03, 0));
    hits = 0; store32(w + 6, 0x12345678);
    kprintf(" bytes 8-9, store a word at 6: now 0x%lx hits %u\n", watched[1], hits);
    set_wp(0, (uint64_t)watched, WCR(PMC_BOTH, LSC_LOAD, 0xFF, 5)); /* 32 bytes */
    hits = 0; v = load64(w + 24);
    kprintf(" MASK 5, load at 24: 0x%lx hits %u\n", v, hits);
    set_wp(0, (uint64_t)watched, WCR(PMC_BOTH, LSC_LOAD, 0xFF, 5));
    hits = 0; v = load64(w + 32);
    kprintf(" MASK 5, load at 32: 0x%lx hits %u\n", v, hits);
    set_wp(0, (uint64_t)watched + 8, WCR(PMC_BOTH, LSC_LOAD, 0xFF, 0));
    uint64_t a = 0x77, b = 0x88;
    hits = 0; show_x1 = 1;
    __asm__ volatile("mov x1, %2\n ldp x1, %1, [%3]\n mov %0, x1" : "=r"(a), "+r"(b) : "r"(a), "r"(w) : "x1", "memory");
    show_x1 = 0;
    kprintf(" ldp, second doubleword watched: 0x%lx 0x%lx hits %u\n", a, b, hits);
    set_wp(0, (uint64_t)watched, WCR(PMC_EL0, LSC_BOTH, 0xFF, 0));
    hits = 0; v = load64(w);
    kprintf(" PAC EL0 only: hits %u\n", hits);
    set_wp(0, (uint64_t)watched, WCR(PMC_BOTH, LSC_BOTH, 0xFF, 0));
    __asm__ volatile("msr daifset, #8; isb");
    hits = 0; v = load64(w);
    kprintf(" PSTATE.D set: hits %u\n", hits);
    __asm__ volatile("msr daifclr, #8; isb");
    SYSREG_WRITE("mdscr_el1", MDSCR_KDE);
    hits = 0; v = load64(w);
    kprintf(" MDE clear: hits %u\n", hits);
    if (!with_el0) {
        clear_all();
        SYSREG_WRITE("mdscr_el1", 0);
        return;
    }

    kprintf("watchpoints at EL0\n");
    SYSREG_WRITE("mdscr_el1", MDSCR_MDE);
    set_wp(0, (uint64_t)watched + 8, WCR(PMC_EL0, LSC_STORE, 0xFF, 0));
    hits = 0; uint64_t r = el0((uint64_t)el0_code, 0x3c0);
    kprintf(" store watched: x0 %lu hits %u now 0x%lx\n", r, hits, watched[1]);
    set_wp(0, (uint64_t)watched, WCR(PMC_EL0, LSC_LOAD, 0xFF, 0));
    hits = 0; r = el0((uint64_t)el0_code, 0x3c0);
    kprintf(" load watched: x0 %lu hits %u\n", r, hits);
    set_wp(0, (uint64_t)watched, WCR(PMC_EL1, LSC_LOAD, 0xFF, 0));
    hits = 0; r = el0((uint64_t)el0_code, 0x3c0);
    kprintf(" PAC EL1 only: x0 %lu hits %u\n", r, hits);
    clear_all();
    SYSREG_WRITE("mdscr_el1", 0);
}

/* An identity map, 1 GiB blocks: devices below RAM, RAM (EL1 only) from 0x4000_0000; TTBR1 walks disabled. */
static uint64_t l1[512] __attribute__((aligned(4096)));

static void mmu(int on)
{
    uint64_t sctlr = SYSREG_READ("sctlr_el1");
    if (!on) {
        SYSREG_WRITE("sctlr_el1", sctlr & ~1ul);
        return;
    }
    l1[0] = 0x00000000ul | 1 | 1ul << 10 | 0ul << 2;             /* block, AF, Device-nGnRnE */
    l1[1] = 0x40000000ul | 1 | 1ul << 10 | 3ul << 8 | 1ul << 2;  /* block, AF, inner shareable, Normal */
    uint64_t tcr = 25ul | 1ul << 8 | 1ul << 10 | 3ul << 12 | 1ul << 23 | 2ul << 32; /* T0SZ 39 bits, EPD1, IPS 40 bits */
    __asm__ volatile("msr mair_el1, %0; msr tcr_el1, %1; msr ttbr0_el1, %2; isb; tlbi vmalle1; dsb sy; isb"
                     :: "r"(0xfful << 8), "r"(tcr), "r"((uint64_t)l1) : "memory");
    SYSREG_WRITE("sctlr_el1", sctlr | 1ul | 1ul << 2 | 1ul << 12);
}

static void software_step(void)
{
    kprintf("software step at EL0\n");
    SYSREG_WRITE("sctlr_el1", SYSREG_READ("sctlr_el1") | 1ul << 16); /* nTWI: EL0 may execute WFI */
    SYSREG_WRITE("mdscr_el1", MDSCR_SS);
    steps = 0;
    uint64_t r = el0_stepped(0x3c0); /* SPSR.SS = 0: active-pending at once */
    kprintf(" x0 %lu steps %u\n", r, steps);
    steps = 0;
    r = el0_stepped(0x3c0 | 1ul << 21); /* SPSR.SS = 1: the first instruction runs */
    kprintf(" x0 %lu steps %u\n", r, steps);
    SYSREG_WRITE("mdscr_el1", 0);
    steps = 0;
    r = el0((uint64_t)el0_step, 0x3c0 | 1ul << 21); /* MDSCR_EL1.SS clear: no stepping */
    kprintf(" MDSCR_EL1.SS clear: x0 %lu steps %u\n", r, steps);

    kprintf("software step at EL1\n");
    __asm__ volatile("msr daifset, #8; isb");
    SYSREG_WRITE("mdscr_el1", MDSCR_SS | MDSCR_KDE);
    steps = 0;
    r = el1_step_code();
    SYSREG_WRITE("mdscr_el1", 0);
    kprintf(" x0 %lu steps %u\n", r, steps);
}

static void wait_irq(unsigned before)
{
    uint64_t start = SYSREG_READ("cntvct_el0"), freq = SYSREG_READ("cntfrq_el0");
    while (irqs == before && SYSREG_READ("cntvct_el0") - start < freq)
        ;
}

static void pmu_overflow(void)
{
    kprintf("PMU overflow interrupt\n");
    gic_init();
    gic_enable(23, 0x80);
    __asm__ volatile("msr daifclr, #2; isb");
    SYSREG_WRITE("pmcr_el0", 1);                      /* E */
    SYSREG_WRITE("pmevtyper0_el0", 0);                /* SW_INCR */
    SYSREG_WRITE("pmevcntr0_el0", 0xFFFFFFFEu);
    SYSREG_WRITE("pmcntenset_el0", 1);
    SYSREG_WRITE("pmintenset_el1", 1);
    irqs = 0;
    SYSREG_WRITE("pmswinc_el0", 1);
    kprintf(" event counter 0 at 0x%lx: irqs %u\n", SYSREG_READ("pmevcntr0_el0"), irqs);
    SYSREG_WRITE("pmswinc_el0", 1);
    wait_irq(0);
    kprintf(" wrapped to 0x%lx: irqs %u INTID %u PMOVSSET was 0x%lx now 0x%lx\n", SYSREG_READ("pmevcntr0_el0"), irqs,
        last_irq, last_pmovs, SYSREG_READ("pmovsset_el0"));
    SYSREG_WRITE("pmintenclr_el1", 1);
    SYSREG_WRITE("pmevcntr0_el0", 0xFFFFFFFFu);
    SYSREG_WRITE("pmswinc_el0", 1);
    kprintf(" interrupt disabled: irqs %u PMOVSSET 0x%lx ISR_EL1 0x%lx\n", irqs, SYSREG_READ("pmovsset_el0"),
        SYSREG_READ("isr_el1"));
    SYSREG_WRITE("pmintenset_el1", 1);
    wait_irq(1);
    kprintf(" interrupt enabled with the overflow pending: irqs %u PMOVSSET 0x%lx\n", irqs, SYSREG_READ("pmovsset_el0"));
    SYSREG_WRITE("pmcntenclr_el0", 1);
    SYSREG_WRITE("pmintenclr_el1", 1);

    /* E, LC: the cycle counter overflows at 64 bits (LC is RES1 on an AArch64-only CPU; QEMU's A57 has AArch32 too). */
    SYSREG_WRITE("pmcr_el0", 1 | 1 << 6);
    SYSREG_WRITE("pmccfiltr_el0", 0);
    SYSREG_WRITE("pmccntr_el0", -200000ul);           /* 200 us at QEMU's nominal 1 GHz */
    SYSREG_WRITE("pmintenset_el1", 1u << 31);
    irqs = 0;
    SYSREG_WRITE("pmcntenset_el0", 1u << 31);
    wait_irq(0);
    kprintf(" cycle counter, 64 bits: irqs %u INTID %u PMOVSSET was 0x%lx\n", irqs, last_irq, last_pmovs);
    SYSREG_WRITE("pmcntenclr_el0", 1u << 31);
    SYSREG_WRITE("pmintenclr_el1", 1u << 31);
    SYSREG_WRITE("pmcr_el0", 0);
    __asm__ volatile("msr daifset, #2; isb");
}

int main(void)
{
    SYSREG_WRITE("vbar_el1", vectors);
    kprintf("OSLSR_EL1 0x%lx MDSCR_EL1 0x%lx DAIF 0x%lx\n", SYSREG_READ("oslsr_el1"), SYSREG_READ("mdscr_el1"),
        SYSREG_READ("daif"));
    breakpoints();
    watchpoints(1);
    mmu(1);
    kprintf("with the MMU on (the same at EL1)\n");
    watchpoints(0);
    mmu(0);
    software_step();
    pmu_overflow();
    kprintf("DONE\n");
    return 0;
}
