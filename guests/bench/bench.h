/*
 * Shared by the guest benchmark programs (guests/bench/GROUP-NAME.c): sizes, timing, a PRNG and the
 * result line.
 *
 * Every program times its kernel with the generic timer (CNTVCT_EL0, CNTFRQ_EL0) and prints
 *
 *   BENCH name=NAME ticks=T freq=F check=0x0123456789abcdef
 *   DONE
 *
 * T / F is the kernel's time in seconds; check is a deterministic function of the kernel's
 * results, the same on every engine and in the native x86-64 build (guests/bench/native/).
 * Built with -DBENCH_SMALL, the programs run a much smaller problem (for correctness tests).
 */
#ifndef CAPTIVE_BENCH_H
#define CAPTIVE_BENCH_H

#include "support.h"

#ifdef BENCH_SMALL
#define BENCH_SIZE(full, small) (small)
#else
#define BENCH_SIZE(full, small) (full)
#endif

#if defined(__aarch64__)
/* isb: the counter read must not be speculated ahead of the code before it. */
static inline uint64_t bench_ticks(void)
{
    uint64_t v;
    __asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}

static inline uint64_t bench_freq(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}
#else
/* The native build's shim (native/shim.c): CLOCK_MONOTONIC in nanoseconds, frequency 1e9. */
uint64_t bench_ticks(void);
uint64_t bench_freq(void);
#endif

/* splitmix64: the seed generator of xoshiro; every value of the state gives a good output. */
static inline uint64_t bench_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Folds a 64-bit value into a running checksum (order-sensitive). */
static inline uint64_t bench_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

/* Bit patterns of floating-point values, so that FP results compare exactly. */
static inline uint64_t bench_dbits(double d)
{
    union { double d; uint64_t u; } x = { .d = d };
    return x.u;
}

static inline uint32_t bench_fbits(float f)
{
    union { float f; uint32_t u; } x = { .f = f };
    return x.u;
}

static inline void bench_report(const char *name, uint64_t start, uint64_t end, uint64_t check)
{
    kprintf("BENCH name=%s ticks=%lu freq=%lu check=0x%016lx\n", name, end - start, bench_freq(), check);
    kprintf("DONE\n");
}

#endif
