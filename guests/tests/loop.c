/*
 * Integer compute loop for benchmarking: 200 million iterations of xorshift64 mixed into a
 * 32-bit multiplicative accumulator. Only the final values are printed.
 */
#include "support.h"

#ifndef ITERATIONS
#define ITERATIONS 200000000u
#endif

int main(void)
{
    uint64_t x = 88172645463325252ull;
    uint32_t acc = 0;
    for (uint32_t i = 0; i < ITERATIONS; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc = (acc ^ (uint32_t)x) * 2654435761u + i;
    }
    kprintf("loop: iterations=%u x=0x%016lx acc=0x%08x\n", ITERATIONS, x, acc);
    kprintf("DONE\n");
    return 0;
}
