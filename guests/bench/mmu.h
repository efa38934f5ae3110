/*
 * The MMU set-up of the system microbenchmarks: 4 KiB granule, 39-bit VAs from TTBR0. RAM (1 GiB from
 * 0x4000_0000) is identity-mapped with one block, the UART's 2 MiB identity-mapped as Device-nGnRnE, and a
 * window of 4 KiB pages from WINDOW onto the RAM from WINDOW_PA on (the caller fills the level 3 table
 * window_l3; each table maps 2 MiB: WINDOW_TABLES tables, 16 MiB).
 */
#ifndef CAPTIVE_BENCH_MMU_H
#define CAPTIVE_BENCH_MMU_H

#include <stdint.h>

#define WINDOW 0x80000000ul            /* l1[2] */
#define WINDOW_PA 0x44000000ul         /* RAM + 64 MiB: above the image, its stack and the device tree */
#define WINDOW_TABLES 8
#define PAGE_NORMAL (3ul | 1ul << 2 | 3ul << 8 | 1ul << 10 | 1ul << 53 | 1ul << 54) /* page, attr 1, ISH, AF, XN */

static uint64_t mmu_l1[512] __attribute__((aligned(4096)));
static uint64_t mmu_l2_low[512] __attribute__((aligned(4096)));
static uint64_t mmu_l2_window[512] __attribute__((aligned(4096)));
static uint64_t window_l3[WINDOW_TABLES][512] __attribute__((aligned(4096)));

/* The descriptor of window page `n` (n < WINDOW_TABLES * 512), mapping WINDOW_PA + n pages. */
static inline uint64_t window_page(uint64_t n) { return (WINDOW_PA + (n << 12)) | PAGE_NORMAL; }

static void mmu_on(void)
{
    mmu_l1[0] = (uint64_t)mmu_l2_low | 3;
    mmu_l2_low[72] = 0x09000000ul | 1 | 1ul << 10 | 1ul << 53 | 1ul << 54;                  /* UART: device block */
    mmu_l1[1] = 0x40000000ul | 1 | 1ul << 2 | 3ul << 8 | 1ul << 10 | 1ul << 54;               /* RAM: normal block */
    mmu_l1[2] = (uint64_t)mmu_l2_window | 3;
    for (int t = 0; t < WINDOW_TABLES; t++) mmu_l2_window[t] = (uint64_t)window_l3[t] | 3;
    uint64_t mair = 0xfful << 8, tcr = 25ul | 1ul << 8 | 1ul << 10 | 3ul << 12 | 1ul << 23 | 2ul << 32;
    uint64_t sctlr;
    __asm__ volatile("msr mair_el1, %0; msr tcr_el1, %1; msr ttbr0_el1, %2; isb; dsb sy; tlbi vmalle1; dsb sy; isb"
                     :: "r"(mair), "r"(tcr), "r"((uint64_t)mmu_l1) : "memory");
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    __asm__ volatile("msr sctlr_el1, %0; isb" :: "r"(sctlr | 1ul | 1ul << 2 | 1ul << 12) : "memory");
}

#endif
