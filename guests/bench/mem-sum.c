/*
 * Memory benchmark: streaming sum. An 8 MiB buffer (larger than the L2 cache) of 64-bit words is
 * summed several times (two accumulators: one plain sum, one xor of rotated words). The checksum
 * folds the sums of every round.
 */
#include "bench.h"

#define WORDS  BENCH_SIZE(1048576, 65536) /* 8 MiB; 512 KiB small */
#define ROUNDS BENCH_SIZE(450, 2)

static uint64_t buf[WORDS];

static uint64_t sum(const uint64_t *p, long n, uint64_t *x)
{
    uint64_t s0 = 0, s1 = 0, x0 = 0;
    for (long i = 0; i < n; i += 2) {
        s0 += p[i];
        s1 += p[i + 1];
        x0 ^= (p[i] << 1 | p[i] >> 63) + p[i + 1];
    }
    *x = x0;
    return s0 + s1;
}

int main(void)
{
    uint64_t seed = 0x5eed0007;
    for (long i = 0; i < WORDS; i++)
        buf[i] = bench_rand(&seed);

    uint64_t check = 0;
    uint64_t start = bench_ticks();
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t x;
        /* OPAQUE: the compiler must not see that the sums repeat. */
        uint64_t s = sum(OPAQUE(buf), WORDS, &x);
        check = bench_mix(check, s);
        check = bench_mix(check, x);
        buf[s % WORDS] ^= x;
    }
    uint64_t end = bench_ticks();
    bench_report("mem-sum", start, end, check);
    return 0;
}
