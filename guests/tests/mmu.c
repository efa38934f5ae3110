/*
 * The stage 1 MMU at EL1 and EL0: 4 KiB granule, 39-bit VAs from TTBR0 and TTBR1, block and page mappings,
 * every access permission (AP), PXN/UXN, the access flag, translation faults at levels 0 to 3, an access that
 * crosses into an unmapped page, precise aborts (no register of the faulting instruction written, those of the
 * instructions before it kept), TLBI after a remap, and AT. The handler prints ESR_EL1's EC and ISS, FAR_EL1 and
 * ELR_EL1 (as an offset from the instruction's label); data aborts step over the instruction, instruction aborts
 * return to the caller. The values are the ARM ARM's; QEMU records them.
 */
#include "support.h"

#include "pagetables.h"
#include "vectors.h"

#define TW 0x80000000ul                     /* the test window: l1[2] -> l2_test -> l3_test */
#define HIGH 0xffffff8000000000ul           /* the bottom of the TTBR1 range with T1SZ = 25 */

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l1_high[512] __attribute__((aligned(4096)));
static uint64_t l2_low[512] __attribute__((aligned(4096)));
static uint64_t l2_test[512] __attribute__((aligned(4096)));
static uint64_t l3_test[512] __attribute__((aligned(4096)));
/* A second set of tables for TTBR0 that differs from the first in one code page (a context switch). */
static uint64_t l1_b[512] __attribute__((aligned(4096)));
static uint64_t l2_test_b[512] __attribute__((aligned(4096)));
static uint64_t l3_test_b[512] __attribute__((aligned(4096)));
static volatile uint64_t pages[8][512] __attribute__((aligned(4096)));

extern char exec_page[], exec_page_2[], el0_page[], el1_resume[];
uint64_t run_el0(uint64_t sp, uint64_t rw, uint64_t el1_only, uint64_t invalid, uint64_t no_exec);

static volatile uint64_t expect_base;
static volatile uint64_t seen_x0, seen_x2;
static volatile unsigned taken;

void handle(struct frame *f, uint64_t offset)
{
    uint64_t esr, elr, far;
    __asm__ volatile("mrs %0, esr_el1; mrs %1, elr_el1; mrs %2, far_el1" : "=r"(esr), "=r"(elr), "=r"(far));
    unsigned ec = (unsigned)(esr >> 26);
    taken++;
    if (offset == 0x400) {
        if (ec == 0x15 && (esr & 0xffff) == 99) { /* exit: back to run_el0's caller, at EL1h */
            __asm__ volatile("msr elr_el1, %0; msr spsr_el1, %1" :: "r"((uint64_t)el1_resume), "r"((uint64_t)0x3c5));
            return;
        }
        kprintf("EL0 abort: EC 0x%x ISS 0x%lx FAR 0x%lx ELR TW+0x%lx\n", ec, esr & 0x1ffffff, far, elr - TW);
    } else if (ec == 0x21) { /* an instruction abort returns to the faulting instruction: the branch target */
        kprintf("abort: vector 0x%lx EC 0x%x ISS 0x%lx FAR 0x%lx ELR FAR+%ld\n", offset, ec, esr & 0x1ffffff, far,
            (long)(elr - far));
    } else {
        kprintf("abort: vector 0x%lx EC 0x%x ISS 0x%lx FAR 0x%lx ELR %ld\n", offset, ec, esr & 0x1ffffff, far,
            (long)(elr - expect_base));
    }
    seen_x0 = f->x[0];
    seen_x2 = f->x[2];
    if (ec == 0x20 || ec == 0x21) /* instruction abort: return to the caller (the branch was a BLR) */
        __asm__ volatile("msr elr_el1, %0" :: "r"(f->x[30]));
    else
        __asm__ volatile("msr elr_el1, %0" :: "r"(elr + 4));
}

/* One access at `addr` with x1 = 0x77 before it; returns x1 afterwards (0x77 when a load faulted). */
#define PROBE(insn, addr)                                                                  \
    ({                                                                                     \
        register uint64_t x0 __asm__("x0") = (addr);                                        \
        register uint64_t x1 __asm__("x1") = 0x77;                                          \
        uint64_t here;                                                                      \
        __asm__ volatile("adr %2, 1f\n"                                                    \
                         "str %2, [%3]\n"                                                  \
                         "1: " insn "\n"                                                   \
                         : "+r"(x0), "+r"(x1), "=&r"(here)                                 \
                         : "r"(&expect_base)                                               \
                         : "memory");                                                      \
        x1;                                                                                 \
    })

/* A page of EL1 code reached through aliases with and without PXN: returns 0x5a. */
__asm__(".text\n"
        ".balign 4096\n"
        ".global exec_page\n"
        "exec_page:\n"
        "mov x0, #0x5a\n"
        "ret\n"
        ".balign 4096\n");

/* The same code at the same virtual address in the second tables, returning 0x77 instead. */
__asm__(".text\n"
        ".balign 4096\n"
        ".global exec_page_2\n"
        "exec_page_2:\n"
        "mov x0, #0x77\n"
        "ret\n"
        ".balign 4096\n");

/*
 * EL0 code, run through its alias TW + 0 (AP read-only at both levels: executable at EL0). x9 = an EL0 read-write
 * page, x10 = an EL1-only page, x11 = an unmapped page, x12 = an EL0 page that is not executable. SVC #99 exits.
 */
__asm__(".text\n"
        ".balign 4096\n"
        ".global el0_page\n"
        "el0_page:\n"
        "ldr x1, [x9]\n"
        "add x1, x1, #1\n"
        "str x1, [x9]\n"
        "ldr x2, [x10]\n"               /* permission fault from EL0 */
        "str x2, [x11]\n"               /* translation fault, a write */
        "stp x1, x2, [sp, #-16]!\n"     /* the EL0 stack works */
        "ldp x1, x2, [sp], #16\n"
        "blr x12\n"                     /* instruction abort: UXN */
        "svc #99\n"
        ".balign 4096\n");

__asm__(".text\n"
        ".global run_el0\n"
        "run_el0:\n"
        CAPTIVE_EL0_ENTER
        "msr sp_el0, x0\n"
        "mov x9, x1\n" "mov x10, x2\n" "mov x11, x3\n" "mov x12, x4\n"
        "mov x1, #0x80000000\n"         /* TW: el0_page's alias */
        "msr elr_el1, x1\n"
        "mov x1, #0x3c0\n"
        "msr spsr_el1, x1\n"
        "eret\n"
        CAPTIVE_EL0_RESUME);

static uint64_t pa(const volatile void *p) { return (uint64_t)p; } /* identity-mapped RAM */

static void tlbi_va(uint64_t va)
{
    __asm__ volatile("dsb ishst; tlbi vae1, %0; dsb ish; isb" :: "r"(va >> 12) : "memory");
}

static uint64_t call(uint64_t target)
{
    register uint64_t x0 __asm__("x0") = 0;
    uint64_t here;
    __asm__ volatile("adr %1, 1f\n"
                     "str %1, [%3]\n"
                     "1: blr %2\n"
                     : "+r"(x0), "=&r"(here)
                     : "r"(target), "r"(&expect_base)
                     : "x30", "memory");
    return x0;
}

static void at(const char *what, uint64_t va)
{
    uint64_t par;
    __asm__ volatile("at s1e1r, %1; isb; mrs %0, par_el1" : "=r"(par) : "r"(va));
    if (par & 1)
        kprintf("AT %s: F 1, low bits 0x%lx\n", what, par & 0xfff);
    else
        kprintf("AT %s: F 0, PA pages+0x%lx, attributes 0x%lx, low bits 0x%lx\n", what,
            (par & 0xfffffffff000ul) - pa(pages), par >> 56, par & 0xfff);
}

int main(void)
{
    __asm__ volatile("msr vbar_el1, %0; isb" :: "r"(vectors));

    l1[0] = pa(l2_low) | TABLE;
    l2_low[64] = 0x08000000ul | BLOCK | DEVICE | AP_EL1_RW;     /* the GIC */
    l2_low[72] = 0x09000000ul | BLOCK | DEVICE | AP_EL1_RW;     /* the UART */
    l1[1] = 0x40000000ul | BLOCK | NORMAL | AP_EL1_RW | UXN;    /* RAM, identity, a 1 GiB block */
    l1[2] = pa(l2_test) | TABLE;                               /* l1[3] stays invalid: a level 1 fault */
    l2_test[0] = pa(l3_test) | TABLE;                          /* l2_test[1] stays invalid: level 2 */
    l3_test[0] = pa(el0_page) | PAGEDESC | NORMAL | AP_RO | PXN;
    l3_test[1] = pa(pages[0]) | PAGEDESC | NORMAL | AP_RW | PXN | UXN;
    l3_test[2] = pa(pages[1]) | PAGEDESC | NORMAL | AP_EL1_RW | PXN | UXN;
    l3_test[3] = pa(pages[2]) | PAGEDESC | NORMAL | AP_EL1_RO | PXN | UXN;
    l3_test[4] = (pa(pages[3]) | PAGEDESC | NORMAL | AP_EL1_RW | PXN | UXN) & ~AF;
    /* l3_test[5] invalid */
    l3_test[6] = pa(exec_page) | PAGEDESC | NORMAL | AP_EL1_RO | PXN | UXN;
    l3_test[7] = pa(exec_page) | PAGEDESC | NORMAL | AP_EL1_RO | UXN;
    l3_test[8] = pa(pages[4]) | PAGEDESC | NORMAL | AP_EL1_RW | PXN | UXN;
    l3_test[9] = pa(pages[6]) | PAGEDESC | NORMAL | AP_EL1_RW | PXN | UXN;
    /* l3_test[10] invalid */
    l1_high[0] = 0x40000000ul | BLOCK | NORMAL | AP_EL1_RW | UXN | PXN; /* RAM again, from HIGH */

    pages[0][0] = 0xabc;
    pages[1][0] = 0x111;
    pages[2][0] = 0x222;
    pages[4][0] = 0x4444;
    pages[5][0] = 0x5555;
    pages[6][511] = 0x0706050403020100ul;

    uint64_t mair = 0x00ul | 0xfful << 8;                       /* attr 0 Device-nGnRnE, attr 1 Normal WB */
    uint64_t tcr = 25ul | 1ul << 8 | 1ul << 10 | 3ul << 12     /* T0SZ 39 bits, WBWA, inner shareable, 4 KiB */
        | 25ul << 16 | 1ul << 24 | 1ul << 26 | 3ul << 28 | 2ul << 30 /* T1SZ the same, TG1 4 KiB */
        | 2ul << 32;                                           /* IPS 40 bits */
    __asm__ volatile("msr mair_el1, %0; msr tcr_el1, %1; msr ttbr0_el1, %2; msr ttbr1_el1, %3; isb; tlbi vmalle1; dsb sy; isb"
                     :: "r"(mair), "r"(tcr), "r"(pa(l1)), "r"(pa(l1_high)) : "memory");
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    __asm__ volatile("msr sctlr_el1, %0; isb" :: "r"(sctlr | 1ul | 1ul << 2 | 1ul << 12) : "memory");
    kprintf("MMU on\n");

    /* Aliases: the same physical page through two virtual addresses, and RAM through TTBR1. */
    kprintf("alias read 0x%lx\n", PROBE("ldr x1, [x0]", TW + PAGE));
    PROBE("mov x1, #0xdef\nstr x1, [x0, #8]", TW + PAGE);
    kprintf("identity read after alias write 0x%lx\n", (uint64_t)pages[0][1]);
    kprintf("TTBR1 read 0x%lx\n", PROBE("ldr x1, [x0]", HIGH + (pa(pages[1]) - 0x40000000ul)));

    /* Faults: translation at each level, permission, access flag. */
    kprintf("level 0 -> 0x%lx\n", PROBE("ldr x1, [x0]", 0x8000000000ul));
    kprintf("level 1 -> 0x%lx\n", PROBE("ldr x1, [x0]", 0xc0000000ul));
    kprintf("level 2 -> 0x%lx\n", PROBE("ldr x1, [x0]", TW + 0x200000ul + 0x18));
    kprintf("level 3 -> 0x%lx\n", PROBE("ldr x1, [x0]", TW + 5 * PAGE + 0x20));
    kprintf("level 3 write -> 0x%lx\n", PROBE("str x1, [x0]", TW + 5 * PAGE + 0x28));
    kprintf("read-only read 0x%lx\n", PROBE("ldr x1, [x0]", TW + 3 * PAGE));
    kprintf("read-only write -> 0x%lx\n", PROBE("str x1, [x0]", TW + 3 * PAGE + 0x30));
    kprintf("read-only byte write -> 0x%lx\n", PROBE("strb w1, [x0]", TW + 3 * PAGE + 0x31));
    kprintf("access flag -> 0x%lx\n", PROBE("ldr x1, [x0]", TW + 4 * PAGE + 0x40));
    kprintf("still 0x%lx\n", (uint64_t)pages[2][6]);

    /* An unaligned access that crosses from a mapped page into an unmapped one. */
    kprintf("cross-page -> 0x%lx\n", PROBE("ldr x1, [x0]", TW + 10 * PAGE - 4));
    kprintf("inside the page 0x%lx\n", PROBE("ldr w1, [x0]", TW + 10 * PAGE - 4));

    /* Precise aborts: a faulting access with writeback leaves its base register; earlier writes stay. */
    {
        register uint64_t x0 __asm__("x0") = TW + 5 * PAGE + 0x100;
        register uint64_t x2 __asm__("x2") = 1;
        uint64_t here;
        __asm__ volatile("adr %2, 1f\n"
                         "str %2, [%3]\n"
                         "add x2, x2, #4\n"
                         "1: ldr x1, [x0], #8\n"
                         : "+r"(x0), "+r"(x2), "=&r"(here) : "r"(&expect_base) : "x1", "memory");
        kprintf("post-index: x0 TW+0x%lx, x2 %lu, handler saw x0 TW+0x%lx x2 %lu\n", x0 - TW, x2, seen_x0 - TW, seen_x2);
    }
    {
        register uint64_t x0 __asm__("x0") = TW + 5 * PAGE + 0x200;
        uint64_t here;
        __asm__ volatile("adr %1, 1f\n"
                         "str %1, [%2]\n"
                         "mov x1, #1\n"
                         "1: stp x1, x1, [x0, #-16]!\n"
                         : "+r"(x0), "=&r"(here) : "r"(&expect_base) : "x1", "memory");
        kprintf("pre-index pair: x0 TW+0x%lx\n", x0 - TW);
    }

    /* Unprivileged loads and stores at EL1 (LDTR/STTR) check EL0's permissions: fine on the EL0 page, a permission
     * fault (taken from EL1) on the EL1-only one. */
    kprintf("LDTR from the EL0 page 0x%lx\n", PROBE("ldtr x1, [x0]", TW + PAGE));
    kprintf("LDTR from the EL1 page -> 0x%lx\n", PROBE("ldtr x1, [x0]", TW + 2 * PAGE + 0x48));
    kprintf("STTR to the EL1 page -> 0x%lx\n", PROBE("sttr x1, [x0]", TW + 2 * PAGE + 0x50));
    kprintf("LDR from the EL1 page 0x%lx\n", PROBE("ldr x1, [x0]", TW + 2 * PAGE));

    /* Execute permission at EL1: PXN faults, the same page without it runs. */
    kprintf("PXN call -> 0x%lx\n", call(TW + 6 * PAGE));
    kprintf("executable call -> 0x%lx\n", call(TW + 7 * PAGE));
    kprintf("unmapped call -> 0x%lx\n", call(TW + 5 * PAGE));

    /* Remap a page and invalidate its TLB entry. */
    kprintf("before remap 0x%lx\n", PROBE("ldr x1, [x0]", TW + 8 * PAGE));
    l3_test[8] = pa(pages[5]) | PAGEDESC | NORMAL | AP_EL1_RW | PXN | UXN;
    tlbi_va(TW + 8 * PAGE);
    kprintf("after remap 0x%lx\n", PROBE("ldr x1, [x0]", TW + 8 * PAGE));
    l3_test[8] = 0;
    __asm__ volatile("dsb ishst; tlbi vmalle1; dsb ish; isb" ::: "memory");
    kprintf("after unmap -> 0x%lx\n", PROBE("ldr x1, [x0]", TW + 8 * PAGE));

    /* Address translation instructions. */
    at("EL0 page", TW + PAGE + 0x123);
    at("unmapped", TW + 5 * PAGE);
    at("level 1", 0xc0000000ul);
    at("access flag", TW + 4 * PAGE);

    /* EL0: its own pages work; EL1-only, unmapped and non-executable ones fault. */
    uint64_t el0_sp = TW + 2 * PAGE; /* the top of the EL0 page */
    run_el0(el0_sp, TW + PAGE, TW + 2 * PAGE, TW + 5 * PAGE + 8, TW + PAGE);
    kprintf("after EL0: page 0x%lx\n", (uint64_t)pages[0][0]);

    /* A context switch: TTBR0 moves to tables (ASID 2) that map the same virtual code page onto other code (non-global
     * pages, so no TLB maintenance is needed with distinct ASIDs). Calls before, after, after switching back, and in a
     * few more rounds of switches (an emulator that keeps each space's translations must pick the right one). */
    for (int i = 0; i < 512; i++) { l1_b[i] = l1[i]; l2_test_b[i] = l2_test[i]; l3_test_b[i] = l3_test[i]; }
    l1_b[2] = pa(l2_test_b) | TABLE;
    l2_test_b[0] = pa(l3_test_b) | TABLE;
    l3_test[11] = pa(exec_page) | PAGEDESC | NORMAL | AP_EL1_RO | UXN | 1ul << 11;   /* nG */
    l3_test_b[11] = pa(exec_page_2) | PAGEDESC | NORMAL | AP_EL1_RO | UXN | 1ul << 11;
    __asm__ volatile("dsb ishst; tlbi vmalle1; dsb ish; isb" ::: "memory");
    uint64_t ttbr_a = pa(l1) | 1ul << 48, ttbr_b = pa(l1_b) | 2ul << 48;
    __asm__ volatile("msr ttbr0_el1, %0; isb" :: "r"(ttbr_a) : "memory");
    kprintf("ASID 1 call -> 0x%lx\n", call(TW + 11 * PAGE));
    __asm__ volatile("msr ttbr0_el1, %0; isb" :: "r"(ttbr_b) : "memory");
    kprintf("ASID 2 call -> 0x%lx\n", call(TW + 11 * PAGE));
    __asm__ volatile("msr ttbr0_el1, %0; isb" :: "r"(ttbr_a) : "memory");
    kprintf("ASID 1 again -> 0x%lx\n", call(TW + 11 * PAGE));
    /* Back and forth: each space must run its own code at the shared address every time. */
    for (int round = 0; round < 3; round++) {
        __asm__ volatile("msr ttbr0_el1, %0; isb" :: "r"(ttbr_b) : "memory");
        uint64_t b = call(TW + 11 * PAGE);
        __asm__ volatile("msr ttbr0_el1, %0; isb" :: "r"(ttbr_a) : "memory");
        uint64_t a = call(TW + 11 * PAGE);
        kprintf("round %d: ASID 2 -> 0x%lx, ASID 1 -> 0x%lx\n", round, b, a);
    }

    kprintf("%u exceptions\n", taken);
    kprintf("DONE\n");
    return 0;
}
