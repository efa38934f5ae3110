/*
 * Memory benchmark: streaming copy. An 8 MiB buffer (larger than the L2 cache) is copied to
 * another with 64-bit loads and stores, several times; one word of the source changes between
 * copies. The checksum folds the whole destination at the end.
 */
#include "bench.h"

#define WORDS  BENCH_SIZE(1048576, 65536) /* 8 MiB; 512 KiB small */
#define ROUNDS BENCH_SIZE(30, 2)

static uint64_t src[WORDS], dst[WORDS];

/* Our own loop: built with -fno-builtin -fno-tree-loop-distribute-patterns, it stays a loop. */
static void copy(uint64_t *restrict d, const uint64_t *restrict s, long n)
{
    for (long i = 0; i < n; i += 4) {
        d[i] = s[i];
        d[i + 1] = s[i + 1];
        d[i + 2] = s[i + 2];
        d[i + 3] = s[i + 3];
    }
}

int main(void)
{
    uint64_t seed = 0x5eed0006;
    for (long i = 0; i < WORDS; i++)
        src[i] = bench_rand(&seed);

    uint64_t start = bench_ticks();
    for (int r = 0; r < ROUNDS; r++) {
        /* OPAQUE: the compiler must not see that the copies repeat. */
        copy(OPAQUE(dst), OPAQUE(src), WORDS);
        src[bench_rand(&seed) % WORDS] ^= dst[(unsigned)r * 4099u % WORDS];
    }
    uint64_t end = bench_ticks();

    uint64_t check = 0;
    for (long i = 0; i < WORDS; i++)
        check = check * 0x100000001b3ull + dst[i];
    bench_report("mem-copy", start, end, check);
    return 0;
}
