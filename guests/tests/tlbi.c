/*
 * TLB and instruction cache maintenance by address, with RAM mapped in 4 KiB pages (so the TLB holds no block entries
 * until the test's own blocks are used): every TLBI by address form after a data page moved; a code page that moved;
 * a 2 MiB data block that moved, invalidated through another page of the block (one TLB entry covers the whole block,
 * so a TLBI of any of its pages removes it); a 2 MiB code block that moved; IC IVAU of only the second cache line of a
 * function that spans two lines; IC IVAU of code that never ran. The values are what the ARM ARM requires after the
 * maintenance completes (DSB, ISB); QEMU records them.
 */
#include "support.h"

#include "pagetables.h"
#include "vectors.h"

#define TW 0x80000000ul                     /* the test window: l1[2] -> l2_win */
#define RAM 0x40000000ul

/* Four 2 MiB blocks of RAM above the program (it lives in RAM's first 2 MiB): data A, data B, code C, code D. */
#define BLOCK_A (RAM + 0x400000ul)
#define BLOCK_B (RAM + 0x600000ul)
#define BLOCK_C (RAM + 0x800000ul)
#define BLOCK_D (RAM + 0xa00000ul)

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2_low[512] __attribute__((aligned(4096)));
static uint64_t l2_ram[512] __attribute__((aligned(4096)));
static uint64_t l3_ram[512] __attribute__((aligned(4096)));
static uint64_t l2_win[512] __attribute__((aligned(4096)));
static uint64_t l3_win[512] __attribute__((aligned(4096)));
static volatile uint64_t pages[2][512] __attribute__((aligned(4096)));
static uint32_t buffer[64] __attribute__((aligned(64)));

extern char code_a[], code_b[];

typedef uint64_t (*fn)(void);

void handle(struct frame *f, uint64_t offset)
{
    uint64_t esr, elr, far;
    (void)f;
    __asm__ volatile("mrs %0, esr_el1; mrs %1, elr_el1; mrs %2, far_el1" : "=r"(esr), "=r"(elr), "=r"(far));
    kprintf("unexpected exception: vector 0x%lx ESR 0x%lx FAR 0x%lx ELR 0x%lx\n", offset, esr, far, elr);
    __asm__ volatile("movz x0, #0x0008; movk x0, #0x8400, lsl #16; hvc #0" ::: "x0"); /* PSCI SYSTEM_OFF */
}

/* Two pages of EL1 code for the same virtual page. */
__asm__(".text\n"
        ".balign 4096\n"
        ".global code_a\n"
        "code_a:\n"
        "mov x0, #0xa1\n"
        "ret\n"
        ".balign 4096\n"
        ".global code_b\n"
        "code_b:\n"
        "mov x0, #0xb2\n"
        "ret\n"
        ".balign 4096\n");

static uint64_t pa(const volatile void *p) { return (uint64_t)p; } /* identity-mapped RAM */

/* A load the compiler keeps in place relative to the table writes around it. */
static uint64_t read64(uint64_t va)
{
    uint64_t v;
    __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(va) : "memory");
    return v;
}

static void sync_tables(void) { __asm__ volatile("dsb ishst" ::: "memory"); }

/* TLBI <form>, Xt = VA[55:12] (and ASID 0 in bits 63:48 for the forms that take one); then DSB, ISB. */
static void tlbi(int form, uint64_t va)
{
    uint64_t xt = va >> 12;
    sync_tables();
    switch (form) {
    case 0: __asm__ volatile("tlbi vae1, %0" :: "r"(xt) : "memory"); break;
    case 1: __asm__ volatile("tlbi vale1, %0" :: "r"(xt) : "memory"); break;
    case 2: __asm__ volatile("tlbi vaae1, %0" :: "r"(xt) : "memory"); break;
    case 3: __asm__ volatile("tlbi vaale1, %0" :: "r"(xt) : "memory"); break;
    case 4: __asm__ volatile("tlbi vae1is, %0" :: "r"(xt) : "memory"); break;
    case 5: __asm__ volatile("tlbi vale1is, %0" :: "r"(xt) : "memory"); break;
    case 6: __asm__ volatile("tlbi vaae1is, %0" :: "r"(xt) : "memory"); break;
    default: __asm__ volatile("tlbi vaale1is, %0" :: "r"(xt) : "memory"); break;
    }
    __asm__ volatile("dsb ish; isb" ::: "memory");
}

static void sync_code(void *start, size_t bytes)
{
    for (uintptr_t p = (uintptr_t)start & ~63ul; p < (uintptr_t)start + bytes; p += 64)
        __asm__ volatile("dc cvau, %0" :: "r"(p) : "memory");
    __asm__ volatile("dsb ish" ::: "memory");
    for (uintptr_t p = (uintptr_t)start & ~63ul; p < (uintptr_t)start + bytes; p += 64)
        __asm__ volatile("ic ivau, %0" :: "r"(p) : "memory");
    __asm__ volatile("dsb ish; isb" ::: "memory");
}

static const char *const forms[] = { "vae1", "vale1", "vaae1", "vaale1", "vae1is", "vale1is", "vaae1is", "vaale1is" };

int main(void)
{
    __asm__ volatile("msr vbar_el1, %0; isb" :: "r"(vectors));

    /* With the MMU off: the blocks' contents. Code C and D at offset 0x3000 of their blocks. */
    *(volatile uint64_t *)(BLOCK_A + 0x1000) = 0xaaaa;
    *(volatile uint64_t *)(BLOCK_B + 0x1000) = 0xbbbb;
    *(volatile uint32_t *)(BLOCK_C + 0x3000) = 0xd2800000u | 0xc3 << 5;  /* movz x0, #0xc3 */
    *(volatile uint32_t *)(BLOCK_C + 0x3004) = 0xd65f03c0u;              /* ret */
    *(volatile uint32_t *)(BLOCK_D + 0x3000) = 0xd2800000u | 0xd4 << 5;  /* movz x0, #0xd4 */
    *(volatile uint32_t *)(BLOCK_D + 0x3004) = 0xd65f03c0u;
    sync_code((void *)(BLOCK_C + 0x3000), 8);
    sync_code((void *)(BLOCK_D + 0x3000), 8);
    pages[0][0] = 0x1111;
    pages[1][0] = 0x2222;

    l1[0] = pa(l2_low) | TABLE;
    l2_low[72] = 0x09000000ul | BLOCK | DEVICE | AP_EL1_RW;        /* the UART */
    l1[1] = pa(l2_ram) | TABLE;
    l2_ram[0] = pa(l3_ram) | TABLE;                                 /* RAM's first 2 MiB in pages: the program */
    for (int i = 0; i < 512; i++) l3_ram[i] = (RAM + i * PAGE) | PAGEDESC | NORMAL | AP_EL1_RW | UXN;
    l1[2] = pa(l2_win) | TABLE;
    l2_win[0] = pa(l3_win) | TABLE;
    l3_win[0] = pa(pages[0]) | PAGEDESC | NORMAL | AP_EL1_RW | PXN | UXN;
    l3_win[1] = pa(code_a) | PAGEDESC | NORMAL | AP_EL1_RW | UXN;
    l2_win[1] = BLOCK_A | BLOCK | NORMAL | AP_EL1_RW | PXN | UXN;   /* TW + 2 MiB */
    l2_win[2] = BLOCK_C | BLOCK | NORMAL | AP_EL1_RW | UXN;         /* TW + 4 MiB */

    uint64_t mair = 0x00ul | 0xfful << 8;
    uint64_t tcr = 25ul | 1ul << 8 | 1ul << 10 | 3ul << 12 | 1ul << 23 /* EPD1: no TTBR1 walks */ | 2ul << 32;
    __asm__ volatile("msr mair_el1, %0; msr tcr_el1, %1; msr ttbr0_el1, %2; isb; tlbi vmalle1; dsb sy; isb"
                     :: "r"(mair), "r"(tcr), "r"(pa(l1)) : "memory");
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    __asm__ volatile("msr sctlr_el1, %0; isb" :: "r"(sctlr | 1ul | 1ul << 2 | 1ul << 12) : "memory");
    kprintf("MMU on, RAM in pages\n");

    /* A data page moves between two physical pages; each TLBI form makes the move visible. */
    for (int form = 0; form < 8; form++) {
        uint64_t before = read64(TW);
        l3_win[0] = pa(pages[(form + 1) & 1]) | PAGEDESC | NORMAL | AP_EL1_RW | PXN | UXN;
        tlbi(form, TW);
        kprintf("tlbi %s: 0x%lx -> 0x%lx\n", forms[form], before, read64(TW));
    }

    /* A data page unmapped and mapped again at another address, by the page's own TLBI. */
    l3_win[0] = 0;
    tlbi(0, TW);
    l3_win[3] = pa(pages[0]) | PAGEDESC | NORMAL | AP_EL1_RW | PXN | UXN;
    kprintf("moved page: 0x%lx\n", read64(TW + 3 * PAGE));

    /* A code page moves. */
    fn f = (fn)(TW + PAGE);
    uint64_t first = f();
    l3_win[1] = pa(code_b) | PAGEDESC | NORMAL | AP_EL1_RW | UXN;
    tlbi(3, TW + PAGE);
    kprintf("code page: 0x%lx -> 0x%lx\n", first, f());

    /* A 2 MiB data block moves; the TLBI names another page of it. */
    uint64_t a = read64(TW + 0x200000 + 0x1000);
    l2_win[1] = BLOCK_B | BLOCK | NORMAL | AP_EL1_RW | PXN | UXN;
    tlbi(0, TW + 0x200000 + 0x5000);
    kprintf("data block: 0x%lx -> 0x%lx\n", a, read64(TW + 0x200000 + 0x1000));

    /* A 2 MiB code block moves. (A TLBI of another page of the block would do architecturally, but QEMU 7.2 then
     * keeps running the old code: docs/qemu-differences.md.) */
    fn g = (fn)(TW + 0x400000 + 0x3000);
    uint64_t c = g();
    l2_win[2] = BLOCK_D | BLOCK | NORMAL | AP_EL1_RW | UXN;
    tlbi(2, TW + 0x400000 + 0x3000);
    kprintf("code block: 0x%lx -> 0x%lx\n", c, g());

    /* A function across two cache lines (buffer[14..17]); only its second line changes and is invalidated. */
    buffer[14] = 0xd2800020u;                      /* movz x0, #1 */
    buffer[15] = 0x91000800u;                      /* add x0, x0, #2 */
    buffer[16] = 0x91000000u | 10 << 10;           /* add x0, x0, #10 */
    buffer[17] = 0xd65f03c0u;                      /* ret */
    sync_code(&buffer[14], 16);
    fn h = (fn)(uintptr_t)&buffer[14];
    uint64_t h1 = h();
    buffer[16] = 0x91000000u | 20 << 10;           /* add x0, x0, #20 */
    sync_code(&buffer[16], 4);
    kprintf("second line: %lu -> %lu\n", h1, h());

    /* Code that never ran, written and invalidated, then run. */
    buffer[40] = 0xd2800000u | 77 << 5;            /* movz x0, #77 */
    buffer[41] = 0xd65f03c0u;
    sync_code(&buffer[40], 8);
    kprintf("fresh code: %lu\n", ((fn)(uintptr_t)&buffer[40])());

    kprintf("DONE\n");
    return 0;
}
