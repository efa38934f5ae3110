/*
 * Synchronous exceptions at EL1 and ERET: SVC, BRK, UDF, HLT and SMC (both UNDEFINED here: no halting debug,
 * no EL3), taken from EL1h and from EL1t, and an MSR to a read-only register. The vector table saves the
 * registers, calls handle() with the vector's offset, and returns with ERET; the handler prints ESR_EL1,
 * ELR_EL1 (as an offset from the instruction's label) and SPSR_EL1, and steps ELR_EL1 past the instruction where
 * the exception returns to it (BRK, UNDEFINED). The values are the ARM ARM's; QEMU records them.
 */
#include "support.h"

#include "vectors.h"

extern char el0_code[], el1_resume[];
static uint64_t el0_stack[64] __attribute__((aligned(16)));
uint64_t run_el0(uint64_t *stack_top);
static volatile uint64_t expect_base; /* the address of the instruction that took the exception */
static volatile unsigned taken;

void handle(struct frame *f, uint64_t offset)
{
    uint64_t esr, elr, spsr, sp_el0, spsel;
    __asm__ volatile("mrs %0, esr_el1; mrs %1, elr_el1; mrs %2, spsr_el1" : "=r"(esr), "=r"(elr), "=r"(spsr));
    __asm__ volatile("mrs %0, sp_el0; mrs %1, spsel" : "=r"(sp_el0), "=r"(spsel));
    unsigned ec = (unsigned)(esr >> 26);
    if (offset == 0x400) {
        /* From EL0: ELR relative to el0_code, so the line does not depend on where the code landed. */
        kprintf("EL0 vector 0x400: EC 0x%x IL %lu ISS 0x%lx, ELR el0_code+%ld, SPSR 0x%lx, x0 0x%lx, SP_EL0 on the EL0 stack: %d\n",
            ec, (esr >> 25) & 1, esr & 0x1ffffff, (long)(elr - (uint64_t)el0_code), spsr, f->x[0],
            sp_el0 <= (uint64_t)&el0_stack[64] && sp_el0 > (uint64_t)&el0_stack[0]);
        if (ec == 0x15 && (esr & 0xffff) == 99) { /* exit: back to run_el0's caller, at EL1h */
            __asm__ volatile("msr elr_el1, %0; msr spsr_el1, %1" :: "r"((uint64_t)el1_resume), "r"((uint64_t)0x3c5));
            taken++;
            return;
        }
        if (ec != 0x15)
            __asm__ volatile("msr elr_el1, %0" :: "r"(elr + 4));
        f->x[0] += 0x100;
        taken++;
        return;
    }
    kprintf("vector 0x%lx: EC 0x%x IL %lu ISS 0x%lx, ELR %ld, SPSR 0x%lx, SPSel %lu, x0 0x%lx\n",
        offset, ec, (esr >> 25) & 1, esr & 0x1ffffff, (long)(elr - expect_base), spsr, spsel, f->x[0]);
    if (ec == 0x22) { /* PC alignment: FAR is the PC; resume at the aligned address below it */
        uint64_t far;
        __asm__ volatile("mrs %0, far_el1" : "=r"(far));
        kprintf("  FAR %ld\n", (long)(far - expect_base));
        __asm__ volatile("msr elr_el1, %0" :: "r"(elr & ~3ul));
    } else if (ec != 0x15) /* BRK and UNDEFINED return to the instruction itself: step over it */
        __asm__ volatile("msr elr_el1, %0" :: "r"(elr + 4));
    f->x[0] += 0x100;
    taken++;
}


/*
 * run_el0: saves the callee-saved registers and drops to EL0 at el0_code with SP_EL0 = stack_top (SPSR 0x3c0:
 * EL0t, DAIF masked). el0_code makes system calls and tries instructions EL0 may not execute; SVC #99 makes the
 * handler return to el1_resume at EL1h, on the SP_EL1 run_el0 left, which returns x0 to the caller.
 */
__asm__(
    ".text\n"
    ".global run_el0\n"
    "run_el0:\n"
    CAPTIVE_EL0_ENTER
    "msr sp_el0, x0\n"
    "adr x1, el0_code\n"
    "msr elr_el1, x1\n"
    "mov x1, #0x3c0\n"
    "msr spsr_el1, x1\n"
    "mov x0, #5\n"
    "eret\n"
    ".global el0_code\n"
    "el0_code:\n"
    "svc #1\n"                      /* a system call: x0 5 -> 0x105 */
    "mrs x1, tpidrro_el0\n"         /* allowed at EL0 */
    "mrs x2, nzcv\n"                /* allowed */
    "dc civac, x1\n"                /* traps (EC 0x18) unless SCTLR_EL1.UCI */
    "mrs x1, ctr_el0\n"             /* traps unless SCTLR_EL1.UCT */
    "mrs x1, cntvct_el0\n"          /* traps unless CNTKCTL_EL1.EL0VCTEN */
    "mrs x1, sctlr_el1\n"           /* UNDEFINED at EL0 */
    "mrs x1, currentel\n"           /* UNDEFINED at EL0 */
    "msr tpidrro_el0, x1\n"         /* read-only at EL0 */
    "tlbi vmalle1\n"                /* UNDEFINED at EL0 */
    "eret\n"                        /* UNDEFINED at EL0 */
    "hvc #0\n"                      /* UNDEFINED at EL0 */
    "mov x3, sp\n"
    "svc #2\n"
    "svc #99\n"                     /* exit */
    CAPTIVE_EL0_RESUME);

/* Runs one exception-taking instruction with x0 = in and NZCV = flags; returns x0 afterwards. */
#define TAKE(insn, in, flags)                                                              \
    ({                                                                                     \
        register uint64_t x0 __asm__("x0") = (in);                                          \
        uint64_t here;                                                                      \
        __asm__ volatile("adr %1, 1f\n"                                                    \
                         "str %1, [%2]\n"                                                  \
                         "msr nzcv, %3\n"                                                  \
                         "1: " insn "\n"                                                   \
                         : "+r"(x0), "=&r"(here)                                           \
                         : "r"(&expect_base), "r"((uint64_t)(flags))                       \
                         : "memory", "cc", "x1", "x2", "x3");                              \
        x0;                                                                                 \
    })

int main(void)
{
    __asm__ volatile("msr vbar_el1, %0; isb" :: "r"(vectors));
    uint64_t daif;
    __asm__ volatile("mrs %0, daif" : "=r"(daif));
    kprintf("DAIF 0x%lx\n", daif);

    kprintf("svc -> x0 0x%lx\n", TAKE("svc #0x1234", 1, 0x60000000));
    kprintf("brk -> x0 0x%lx\n", TAKE("brk #0x42", 2, 0x80000000));
    kprintf("udf -> x0 0x%lx\n", TAKE(".inst 0x00000007", 3, 0x10000000));
    kprintf("hlt -> x0 0x%lx\n", TAKE("hlt #0x5", 4, 0));
    kprintf("smc -> x0 0x%lx\n", TAKE("smc #0x6", 5, 0xf0000000));
    kprintf("msr midr -> x0 0x%lx\n", TAKE("msr midr_el1, x0", 6, 0x20000000));

    /* A branch to a misaligned address: the PC alignment fault at the target, FAR = the PC. */
    uint64_t misaligned;
    __asm__ volatile("adr x9, 2f\n"
                     "str x9, [%1]\n"
                     "add x9, x9, #2\n"
                     "mov x0, #11\n"
                     "msr nzcv, xzr\n"
                     "br x9\n"
                     "2: mov %0, x0\n"
                     : "=r"(misaligned) : "r"(&expect_base) : "x0", "x9", "memory");
    kprintf("br misaligned -> x0 0x%lx\n", misaligned);

    /* CPACR_EL1.FPEN = 0: SIMD&FP instructions and FPCR/FPSR accesses trap with EC 0x07 (the handler steps over).
     * build.sh: SIMD&FP in inline assembly on purpose (the compiler itself still emits none). */
    uint64_t cpacr;
    __asm__ volatile("mrs %0, cpacr_el1" : "=r"(cpacr));
    __asm__ volatile("msr cpacr_el1, %0; isb" :: "r"(cpacr & ~(3ul << 20)));
    kprintf("fmov -> x0 0x%lx\n", TAKE("fmov d0, x0", 8, 0));
    kprintf("mrs fpcr -> x0 0x%lx\n", TAKE("mrs x1, fpcr", 9, 0));
    kprintf("add v -> x0 0x%lx\n", TAKE("add v1.4s, v2.4s, v3.4s", 10, 0));
    __asm__ volatile("msr cpacr_el1, %0; isb" :: "r"(cpacr));

    /* From EL1t (SP_EL0 in use): the exception takes the current-EL SP_EL0 vector and switches to SP_EL1. */
    uint64_t saved_sp0;
    __asm__ volatile("mrs %0, sp_el0" : "=r"(saved_sp0));
    uint64_t r, spsel, sp_now;
    /* One asm block: between the SPSel switches the compiler's own stack is not in use. */
    __asm__ volatile("msr sp_el0, %[stack]\n"
                     "msr spsel, #0\n"
                     "adr x9, 1f\n"
                     "str x9, [%[base]]\n"
                     "mov x0, #7\n"
                     "msr nzcv, %[flags]\n"
                     "1: svc #0x77\n"
                     "mov %[r], x0\n"
                     "mrs %[sel], spsel\n"
                     "mov %[sp], sp\n"
                     "msr spsel, #1\n"
                     : [r] "=&r"(r), [sel] "=&r"(spsel), [sp] "=&r"(sp_now)
                     : [stack] "r"(&el0_stack[64]), [base] "r"(&expect_base), [flags] "r"((uint64_t)0x40000000)
                     : "x0", "x9", "memory", "cc");
    kprintf("EL1t svc -> x0 0x%lx, back on SPSel %lu, SP is the EL0 stack: %d\n", r, spsel,
        sp_now <= (uint64_t)&el0_stack[64] && sp_now > (uint64_t)&el0_stack[0]);
    __asm__ volatile("msr sp_el0, %0" :: "r"(saved_sp0));

    uint64_t el0_result = run_el0(&el0_stack[64]);
    uint64_t el_now;
    __asm__ volatile("mrs %0, currentel" : "=r"(el_now));
    kprintf("back from EL0: x0 0x%lx, CurrentEL 0x%lx\n", el0_result, el_now);

    /* The same EL0 code with cache maintenance, CTR_EL0 and the virtual counter given to EL0. */
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    __asm__ volatile("msr sctlr_el1, %0; msr cntkctl_el1, %1; isb" :: "r"(sctlr | 1ul << 26 | 1ul << 15), "r"((uint64_t)2));
    el0_result = run_el0(&el0_stack[64]);
    kprintf("back from EL0 again: x0 0x%lx\n", el0_result);
    __asm__ volatile("msr sctlr_el1, %0; msr cntkctl_el1, xzr; isb" :: "r"(sctlr));

    __asm__ volatile("mrs %0, daif" : "=r"(daif));
    kprintf("DAIF 0x%lx, %u exceptions\n", daif, taken);
    kprintf("DONE\n");
    return 0;
}
