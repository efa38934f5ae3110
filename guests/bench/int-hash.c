/*
 * Integer benchmark: hashing. Each round hashes a 64 KiB buffer of pseudo-random bytes with
 * FNV-1a (64-bit, a byte at a time), MurmurHash3 x86_32 (32-bit words) and an xxHash64-style
 * hash (four 64-bit lanes, rotations and multiplies), then changes a few bytes of the buffer.
 */
#include "bench.h"

#define SIZE   65536
#define ROUNDS BENCH_SIZE(3600, 8)

static uint64_t words[SIZE / 8];
/* The buffer is written as 64-bit words and read as 32-bit words too. */
typedef uint32_t __attribute__((may_alias)) u32_alias;
#define BYTES ((const uint8_t *)words)

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static uint64_t fnv1a64(const uint8_t *p, long n, uint64_t seed)
{
    uint64_t h = 0xcbf29ce484222325ull ^ seed;
    for (long i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static uint32_t murmur3_32(const u32_alias *p, long nwords, uint32_t seed)
{
    const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
    uint32_t h = seed;
    for (long i = 0; i < nwords; i++) {
        uint32_t k = p[i];
        k *= c1;
        k = rotl32(k, 15);
        k *= c2;
        h ^= k;
        h = rotl32(h, 13);
        h = h * 5 + 0xe6546b64u;
    }
    h ^= (uint32_t)(nwords * 4);
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull

static inline uint64_t xxround(uint64_t acc, uint64_t v)
{
    acc += v * P2;
    acc = rotl64(acc, 31);
    return acc * P1;
}

static uint64_t xxhash64(const uint64_t *p, long nwords, uint64_t seed)
{
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    for (long i = 0; i + 4 <= nwords; i += 4) { /* nwords is a multiple of 4 here */
        v1 = xxround(v1, p[i]);
        v2 = xxround(v2, p[i + 1]);
        v3 = xxround(v3, p[i + 2]);
        v4 = xxround(v4, p[i + 3]);
    }
    uint64_t h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
    h = (h ^ xxround(0, v1)) * P1 + P4;
    h = (h ^ xxround(0, v2)) * P1 + P4;
    h = (h ^ xxround(0, v3)) * P1 + P4;
    h = (h ^ xxround(0, v4)) * P1 + P4;
    h += (uint64_t)nwords * 8;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

int main(void)
{
    uint64_t seed = 0x5eed0002;
    for (long i = 0; i < SIZE / 8; i++)
        words[i] = bench_rand(&seed);

    uint64_t check = 0;
    uint64_t start = bench_ticks();
    for (int r = 0; r < ROUNDS; r++) {
        check = bench_mix(check, fnv1a64(BYTES, SIZE, (uint64_t)r));
        check = bench_mix(check, murmur3_32((const u32_alias *)words, SIZE / 4, (uint32_t)r));
        check = bench_mix(check, xxhash64(words, SIZE / 8, check));
        /* A different buffer next round. */
        for (int k = 0; k < 4; k++)
            words[bench_rand(&seed) % (SIZE / 8)] ^= check;
    }
    uint64_t end = bench_ticks();
    bench_report("int-hash", start, end, check);
    return 0;
}
