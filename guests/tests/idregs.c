/*
 * System registers as Linux uses them (build.sh: qemu-variant gicv3 virt,gic-version=3): the identification
 * registers, the cache description, the PMU's cycle counter and software increment and EL0's access to the PMU, the
 * OS Lock and the debug registers, and UNDEFINED for registers this CPU does not have.
 *
 * Compared with QEMU's cortex-a57 byte for byte, so it prints only what both must agree on: exact values where the
 * architecture or the A57 fixes them, and "yes/no" facts where the two implementations legitimately differ in the
 * value (captive has no AArch32, implements LSE, counts fewer PMU events, has 2 breakpoints and 2 watchpoints; see
 * docs/qemu-differences.md). No counts or times are printed.
 */
#include "support.h"

#include "vectors.h"

#define SYSREG_READ(r) ({ uint64_t _v; __asm__ volatile("mrs %0, " r : "=r"(_v) :: "memory"); _v; })
#define SYSREG_WRITE(r, v) __asm__ volatile("msr " r ", %0; isb" :: "r"((uint64_t)(v)) : "memory")

static volatile unsigned undefined_count;
static volatile uint64_t last_esr;
extern char el0_pmu[], el1_resume[];
static uint64_t el0_stack[32] __attribute__((aligned(16)));
void run_el0(uint64_t *stack_top);

/*
 * Every exception here is a synchronous one taken by an instruction under test: record it (and print it when it comes
 * from EL0), step over it. SVC from EL0 ends the EL0 run: back to run_el0's caller at EL1h.
 */
void handle(struct frame *f, uint64_t offset)
{
    uint64_t esr, elr;
    (void)f;
    __asm__ volatile("mrs %0, esr_el1; mrs %1, elr_el1" : "=r"(esr), "=r"(elr));
    if (offset == 0x400) {
        if (esr >> 26 == 0x15) {
            __asm__ volatile("msr elr_el1, %0; msr spsr_el1, %1" :: "r"((uint64_t)el1_resume), "r"((uint64_t)0x3c5));
            return;
        }
        kprintf("  EL0 el0_pmu+%ld: EC 0x%lx ISS 0x%lx\n", (long)(elr - (uint64_t)el0_pmu), esr >> 26, esr & 0x1ffffff);
    } else if (offset != 0x200)
        kprintf("unexpected vector 0x%lx\n", offset);
    last_esr = esr;
    undefined_count++;
    __asm__ volatile("msr elr_el1, %0" :: "r"(elr + 4));
}

/* run_el0: drops to EL0t at el0_pmu (DAIF masked) with SP_EL0 = stack_top; the SVC at its end returns here. */
__asm__(
    ".text\n"
    ".global run_el0\n"
    "run_el0:\n"
    CAPTIVE_EL0_ENTER
    "msr sp_el0, x0\n"
    "adr x1, el0_pmu\n"
    "msr elr_el1, x1\n"
    "mov x1, #0x3c0\n"
    "msr spsr_el1, x1\n"
    "mov x1, #0\n"
    "eret\n"
    ".global el0_pmu\n"
    "el0_pmu:\n"
    "mrs x1, pmccntr_el0\n"        /* EN or CR */
    "msr pmswinc_el0, xzr\n"       /* EN or SW */
    "mrs x1, pmevcntr0_el0\n"      /* EN or ER */
    "msr pmselr_el0, xzr\n"        /* EN or ER */
    "mrs x1, pmcr_el0\n"           /* EN */
    "mrs x1, pmuserenr_el0\n"      /* always readable */
    "msr pmuserenr_el0, xzr\n"     /* UNDEFINED: read-only at EL0 */
    "mrs x1, pmintenset_el1\n"     /* UNDEFINED: EL1's */
    "svc #0\n"
    CAPTIVE_EL0_RESUME);

/* Runs one access; prints "UNDEFINED" with its syndrome when it took an exception. */
#define PROBE(label, insn)                                                            \
    do {                                                                              \
        unsigned _before = undefined_count;                                           \
        __asm__ volatile(insn ::: "x0", "memory");                                    \
        if (undefined_count != _before)                                               \
            kprintf("%s: exception, ESR 0x%lx\n", label, last_esr);                   \
        else                                                                          \
            kprintf("%s: no exception\n", label);                                     \
    } while (0)

static unsigned field(uint64_t v, int lsb) { return (unsigned)(v >> lsb) & 15; }

static const char *yes(int c) { return c ? "yes" : "no"; }

static void identification(void)
{
    kprintf("MIDR_EL1 0x%lx MPIDR_EL1 0x%lx REVIDR_EL1 0x%lx AIDR_EL1 0x%lx\n", SYSREG_READ("midr_el1"),
        SYSREG_READ("mpidr_el1"), SYSREG_READ("revidr_el1"), SYSREG_READ("aidr_el1"));

    uint64_t pfr0 = SYSREG_READ("id_aa64pfr0_el1");
    kprintf("ID_AA64PFR0_EL1: EL0 AArch64 %s, EL1 AArch64 %s, EL2 %u, EL3 %u, FP %u, AdvSIMD %u, GIC %u, [63:28] 0x%lx\n",
        yes(field(pfr0, 0) >= 1), yes(field(pfr0, 4) >= 1), field(pfr0, 8), field(pfr0, 12), field(pfr0, 16),
        field(pfr0, 20), field(pfr0, 24), pfr0 >> 28);
    kprintf("ID_AA64PFR1_EL1 0x%lx\n", SYSREG_READ("id_aa64pfr1_el1"));

    uint64_t dfr0 = SYSREG_READ("id_aa64dfr0_el1");
    kprintf("ID_AA64DFR0_EL1: DebugVer %u, TraceVer %u, PMUVer %u, at least 2 breakpoints %s, at least 2 watchpoints %s, [63:32] 0x%lx\n",
        field(dfr0, 0), field(dfr0, 4), field(dfr0, 8), yes(field(dfr0, 12) >= 1), yes(field(dfr0, 20) >= 1), dfr0 >> 32);
    kprintf("ID_AA64DFR1_EL1 0x%lx ID_AA64AFR0_EL1 0x%lx ID_AA64AFR1_EL1 0x%lx\n", SYSREG_READ("id_aa64dfr1_el1"),
        SYSREG_READ("id_aa64afr0_el1"), SYSREG_READ("id_aa64afr1_el1"));

    uint64_t isar0 = SYSREG_READ("id_aa64isar0_el1");
    kprintf("ID_AA64ISAR0_EL1: AES %u, SHA1 %u, SHA2 %u, CRC32 %u, [63:28] 0x%lx\n", field(isar0, 4), field(isar0, 8),
        field(isar0, 12), field(isar0, 16), isar0 >> 28);
    kprintf("ID_AA64ISAR1_EL1 0x%lx\n", SYSREG_READ("id_aa64isar1_el1"));

    uint64_t mmfr0 = SYSREG_READ("id_aa64mmfr0_el1");
    kprintf("ID_AA64MMFR0_EL1: PARange %u, ASIDBits %u, TGran16 %u, TGran4 %u, [63:32] 0x%lx\n", field(mmfr0, 0),
        field(mmfr0, 4), field(mmfr0, 20), field(mmfr0, 28), mmfr0 >> 32);
    kprintf("ID_AA64MMFR1_EL1 0x%lx ID_AA64MMFR2_EL1 0x%lx\n", SYSREG_READ("id_aa64mmfr1_el1"), SYSREG_READ("s3_0_c0_c7_2"));

    /* Reserved ID registers read as zero (Linux reads several of them on every CPU). */
    kprintf("reserved ID registers: 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx\n", SYSREG_READ("s3_0_c0_c4_2"), SYSREG_READ("s3_0_c0_c4_4"),
        SYSREG_READ("s3_0_c0_c5_2"), SYSREG_READ("s3_0_c0_c6_2"), SYSREG_READ("s3_0_c0_c7_3"));
    PROBE("MRS ID_PFR0_EL1", "mrs x0, id_pfr0_el1");
    PROBE("MRS MVFR0_EL1", "mrs x0, mvfr0_el1");

    kprintf("CTR_EL0 0x%lx DCZID_EL0 0x%lx CLIDR_EL1 0x%lx\n", SYSREG_READ("ctr_el0"), SYSREG_READ("dczid_el0"), SYSREG_READ("clidr_el1"));
    for (uint64_t sel = 0; sel <= 3; sel++) {
        SYSREG_WRITE("csselr_el1", sel);
        kprintf("CSSELR_EL1 %lu -> %lu: CCSIDR_EL1 0x%lx\n", sel, SYSREG_READ("csselr_el1"), SYSREG_READ("ccsidr_el1"));
    }
    SYSREG_WRITE("actlr_el1", 0);
    kprintf("ACTLR_EL1 0x%lx\n", SYSREG_READ("actlr_el1"));
}

static void performance_monitors(void)
{
    uint64_t pmcr = SYSREG_READ("pmcr_el0");
    kprintf("PMCR_EL0: IMP 0x%lx IDCODE 0x%lx, at least 2 event counters %s, E %lu\n", pmcr >> 24, (pmcr >> 16) & 0xff,
        yes(((pmcr >> 11) & 31) >= 2), pmcr & 1);
    uint64_t ceid0 = SYSREG_READ("pmceid0_el0");
    kprintf("PMCEID0_EL0: SW_INCR %s, CPU_CYCLES %s\n", yes(ceid0 & 1), yes((ceid0 >> 0x11) & 1));

    /* The cycle counter: counts while PMCR_EL0.E and PMCNTENSET_EL0.C, stops otherwise, PMCR_EL0.C zeroes it. */
    SYSREG_WRITE("pmcntenset_el0", 1ul << 31);
    SYSREG_WRITE("pmcr_el0", 1 | 4 | 0x40); /* E, C, LC */
    uint64_t c0 = SYSREG_READ("pmccntr_el0");
    for (volatile int k = 0; k < 20000; k++) { }
    uint64_t c1 = SYSREG_READ("pmccntr_el0");
    kprintf("PMCCNTR_EL0 counts: %s\n", yes(c1 > c0));
    SYSREG_WRITE("pmcntenclr_el0", 1ul << 31);
    uint64_t s0 = SYSREG_READ("pmccntr_el0");
    for (volatile int k = 0; k < 20000; k++) { }
    uint64_t s1 = SYSREG_READ("pmccntr_el0");
    kprintf("stopped by PMCNTENCLR_EL0: %s, PMCNTENSET_EL0 0x%lx\n", yes(s1 == s0), SYSREG_READ("pmcntenset_el0"));
    SYSREG_WRITE("pmccntr_el0", 0x1234);
    kprintf("PMCCNTR_EL0 written 0x%lx\n", SYSREG_READ("pmccntr_el0"));
    SYSREG_WRITE("pmcr_el0", 1 | 4 | 0x40);
    kprintf("PMCR_EL0.C zeroes it: %s\n", yes(SYSREG_READ("pmccntr_el0") == 0));

    /* Event counter 0 counting software increments (event 0x00), through PMSELR_EL0. */
    SYSREG_WRITE("pmselr_el0", 0);
    SYSREG_WRITE("pmxevtyper_el0", 0x00);
    SYSREG_WRITE("pmxevcntr_el0", 0);
    SYSREG_WRITE("pmcntenset_el0", 1);
    for (int k = 0; k < 3; k++) SYSREG_WRITE("pmswinc_el0", 1);
    kprintf("PMSELR_EL0 %lu PMXEVTYPER_EL0 0x%lx, after 3 PMSWINC_EL0: PMXEVCNTR_EL0 %lu PMEVCNTR0_EL0 %lu\n",
        SYSREG_READ("pmselr_el0"), SYSREG_READ("pmxevtyper_el0"), SYSREG_READ("pmxevcntr_el0"), SYSREG_READ("pmevcntr0_el0"));
    SYSREG_WRITE("pmevcntr0_el0", 0xfffffffful);
    SYSREG_WRITE("pmovsclr_el0", 0xfffffffful);
    SYSREG_WRITE("pmswinc_el0", 1);
    kprintf("overflow: PMEVCNTR0_EL0 0x%lx PMOVSSET_EL0 0x%lx\n", SYSREG_READ("pmevcntr0_el0"), SYSREG_READ("pmovsset_el0") & 1);
    SYSREG_WRITE("pmovsclr_el0", 1);
    kprintf("PMOVSCLR_EL0 0x%lx\n", SYSREG_READ("pmovsclr_el0") & 1);
    SYSREG_WRITE("pmcntenclr_el0", 1);
    SYSREG_WRITE("pmswinc_el0", 1);
    kprintf("disabled counter stays: PMEVCNTR0_EL0 0x%lx\n", SYSREG_READ("pmevcntr0_el0"));
    SYSREG_WRITE("pmcr_el0", 2); /* P: event counters to zero, E off */
    kprintf("PMCR_EL0.P: PMEVCNTR0_EL0 0x%lx, E %lu\n", SYSREG_READ("pmevcntr0_el0"), SYSREG_READ("pmcr_el0") & 1);

    SYSREG_WRITE("pmintenset_el1", 1);
    kprintf("PMINTENSET_EL1 0x%lx\n", SYSREG_READ("pmintenset_el1") & 1);
    SYSREG_WRITE("pmintenclr_el1", 1);
    kprintf("PMINTENCLR_EL1 0x%lx\n", SYSREG_READ("pmintenclr_el1") & 1);
    SYSREG_WRITE("pmccfiltr_el0", 0x80000000ul);
    kprintf("PMCCFILTR_EL0 0x%lx\n", SYSREG_READ("pmccfiltr_el0"));
    SYSREG_WRITE("pmccfiltr_el0", 0);
    SYSREG_WRITE("pmuserenr_el0", 0xf);
    kprintf("PMUSERENR_EL0 0x%lx\n", SYSREG_READ("pmuserenr_el0"));
    SYSREG_WRITE("pmcr_el0", 0); /* the EL0 accesses below must not count anything that matters */
    static const uint64_t enables[] = { 0, 0xe, 1 };   /* none; ER, CR, SW; EN */
    for (int k = 0; k < 3; k++) {
        SYSREG_WRITE("pmuserenr_el0", enables[k]);
        kprintf("EL0 with PMUSERENR_EL0 0x%lx:\n", enables[k]);
        run_el0(&el0_stack[32]);
    }
    SYSREG_WRITE("pmuserenr_el0", 0);
    PROBE("MRS PMSWINC_EL0", "mrs x0, s3_3_c9_c12_4");
    PROBE("MSR PMCEID0_EL0", "msr s3_3_c9_c12_6, x0");
}

static void debug(void)
{
    kprintf("OSLSR_EL1 at reset 0x%lx\n", SYSREG_READ("oslsr_el1"));
    SYSREG_WRITE("oslar_el1", 0);
    kprintf("after OSLAR_EL1 0: OSLSR_EL1 0x%lx\n", SYSREG_READ("oslsr_el1"));
    SYSREG_WRITE("oslar_el1", 1);
    kprintf("after OSLAR_EL1 1: OSLSR_EL1 0x%lx\n", SYSREG_READ("oslsr_el1"));
    SYSREG_WRITE("oslar_el1", 0);
    SYSREG_WRITE("mdscr_el1", 0x8000); /* MDE */
    kprintf("MDSCR_EL1 0x%lx\n", SYSREG_READ("mdscr_el1"));
    SYSREG_WRITE("mdscr_el1", 0);
    SYSREG_WRITE("dbgbvr0_el1", 0x40001000ul);
    SYSREG_WRITE("dbgbcr0_el1", 0x1e5ul);   /* BAS 0xF, PMC 0b10 (EL1... as Linux writes), E */
    SYSREG_WRITE("dbgbvr1_el1", 0x40002000ul);
    SYSREG_WRITE("dbgbcr1_el1", 0x1e6ul);
    SYSREG_WRITE("dbgwvr0_el1", 0x40003008ul);
    SYSREG_WRITE("dbgwcr0_el1", 0x1ff7ul);  /* BAS 0xFF, LSC 0b10, PAC 0b11, E */
    SYSREG_WRITE("dbgwvr1_el1", 0x40004000ul);
    SYSREG_WRITE("dbgwcr1_el1", 0x1fe8ul);
    kprintf("DBGBVR0 0x%lx DBGBCR0 0x%lx DBGBVR1 0x%lx DBGBCR1 0x%lx\n", SYSREG_READ("dbgbvr0_el1"),
        SYSREG_READ("dbgbcr0_el1"), SYSREG_READ("dbgbvr1_el1"), SYSREG_READ("dbgbcr1_el1"));
    kprintf("DBGWVR0 0x%lx DBGWCR0 0x%lx DBGWVR1 0x%lx DBGWCR1 0x%lx\n", SYSREG_READ("dbgwvr0_el1"),
        SYSREG_READ("dbgwcr0_el1"), SYSREG_READ("dbgwvr1_el1"), SYSREG_READ("dbgwcr1_el1"));
    SYSREG_WRITE("dbgbcr0_el1", 0);
    SYSREG_WRITE("dbgbcr1_el1", 0);
    SYSREG_WRITE("dbgwcr0_el1", 0);
    SYSREG_WRITE("dbgwcr1_el1", 0);
    kprintf("MDCCSR_EL0 0x%lx MDRAR_EL1 0x%lx\n", SYSREG_READ("mdccsr_el0"), SYSREG_READ("mdrar_el1"));
    /* (MDCCINT_EL1 is left out: QEMU 7.2 treats it as a NOP, and MRS leaves Xt unchanged.) */
}

static void absent(void)
{
    PROBE("MRS S3_3_C15_C0_0", "mrs x0, s3_3_c15_c0_0");
    PROBE("MRS S3_0_C11_C0_0", "mrs x0, s3_0_c11_c0_0");
    PROBE("MSR S3_0_C11_C0_0", "msr s3_0_c11_c0_0, x0");
    PROBE("MSR ID_AA64MMFR2_EL1", "msr s3_0_c0_c7_2, x0");
    PROBE("MSR MIDR_EL1", "msr s3_0_c0_c0_0, x0");
    PROBE("MRS HCR_EL2", "mrs x0, hcr_el2");
    PROBE("MSR VBAR_EL2", "msr vbar_el2, x0");
    PROBE("MRS SCR_EL3", "mrs x0, scr_el3");
    PROBE("MRS OSLAR_EL1", "mrs x0, s2_0_c1_c0_4");
    PROBE("MSR OSLSR_EL1", "msr s2_0_c1_c1_4, x0");
    PROBE("MSR CCSIDR_EL1", "msr s3_1_c0_c0_0, x0");
}

int main(void)
{
    __asm__ volatile("msr vbar_el1, %0; isb" :: "r"(vectors));
    identification();
    performance_monitors();
    debug();
    absent();
    kprintf("DONE\n");
    return 0;
}
