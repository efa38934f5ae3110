/*
 * Integer benchmark: LZ77 compression. Each round generates 128 KiB of compressible text (words
 * drawn from a small vocabulary with a skewed distribution, some random bytes), compresses it with
 * an LZ77 coder that finds matches through a hash table of 4-byte prefixes and a chain of earlier
 * positions (a few candidates each), decompresses it and checks the round trip. The checksum folds
 * the compressed size and bytes of every round.
 */
#include "bench.h"

#define SIZE       131072
#define ROUNDS     BENCH_SIZE(100, 1)
#define HASH_BITS  14
#define WINDOW     32768
#define MAX_CHAIN  8
#define MIN_MATCH  4
#define MAX_MATCH  255

static uint8_t input[SIZE], output[SIZE], packed[SIZE + SIZE / 8 + 64];
static int32_t head[1 << HASH_BITS];
static int32_t chain[SIZE];

static const char *const vocabulary[] = {
    "the ", "of ", "and ", "a ", "to ", "in ", "is ", "that ", "for ", "it ", "as ", "was ",
    "with ", "be ", "by ", "on ", "not ", "he ", "this ", "are ", "or ", "his ", "from ", "at ",
    "which ", "but ", "have ", "an ", "had ", "they ", "you ", "were ", "their ", "one ", "all ",
    "translation ", "emulator ", "instruction ", "register ", "memory ", "virtual ", "machine ",
    "\n", ", ", ". ",
};
#define VOCABULARY (sizeof(vocabulary) / sizeof(vocabulary[0]))

static void generate(uint64_t *seed)
{
    long n = 0;
    while (n < SIZE) {
        uint64_t x = bench_rand(seed);
        if ((x & 15) == 0) {
            input[n++] = (uint8_t)(x >> 8);
            continue;
        }
        /* Skewed: the minimum of two draws favours the common words. */
        unsigned w1 = (unsigned)(x >> 16) % VOCABULARY, w2 = (unsigned)(x >> 40) % VOCABULARY;
        for (const char *s = vocabulary[w1 < w2 ? w1 : w2]; *s && n < SIZE; s++)
            input[n++] = (uint8_t)*s;
    }
}

static inline uint32_t hash4(const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* Format: a token byte; 0 = literal run (length byte, bytes); 1 = match (length byte, 2-byte distance). */
static long compress(void)
{
    for (long i = 0; i < (1 << HASH_BITS); i++)
        head[i] = -1;
    long in = 0, out = 0, lit_start = 0;
    while (in < SIZE) {
        long best_len = 0, best_dist = 0;
        if (in + MIN_MATCH <= SIZE) {
            uint32_t h = hash4(input + in);
            int32_t cand = head[h];
            long limit = SIZE - in < MAX_MATCH ? SIZE - in : MAX_MATCH;
            for (int tries = 0; cand >= 0 && in - cand <= WINDOW && tries < MAX_CHAIN; tries++) {
                long len = 0;
                while (len < limit && input[cand + len] == input[in + len])
                    len++;
                if (len > best_len) {
                    best_len = len;
                    best_dist = in - cand;
                }
                cand = chain[cand];
            }
            chain[in] = head[h];
            head[h] = (int32_t)in;
        }
        if (best_len >= MIN_MATCH) {
            while (lit_start < in) {
                long run = in - lit_start < 255 ? in - lit_start : 255;
                packed[out++] = 0;
                packed[out++] = (uint8_t)run;
                for (long k = 0; k < run; k++)
                    packed[out++] = input[lit_start + k];
                lit_start += run;
            }
            packed[out++] = 1;
            packed[out++] = (uint8_t)best_len;
            packed[out++] = (uint8_t)best_dist;
            packed[out++] = (uint8_t)(best_dist >> 8);
            /* Index the positions inside the match too. */
            for (long k = 1; k < best_len; k++) {
                long p = in + k;
                if (p + MIN_MATCH <= SIZE) {
                    uint32_t h = hash4(input + p);
                    chain[p] = head[h];
                    head[h] = (int32_t)p;
                }
            }
            in += best_len;
            lit_start = in;
        } else {
            in++;
        }
    }
    while (lit_start < SIZE) {
        long run = SIZE - lit_start < 255 ? SIZE - lit_start : 255;
        packed[out++] = 0;
        packed[out++] = (uint8_t)run;
        for (long k = 0; k < run; k++)
            packed[out++] = input[lit_start + k];
        lit_start += run;
    }
    return out;
}

static long decompress(long n)
{
    long in = 0, out = 0;
    while (in < n) {
        uint8_t token = packed[in++];
        long len = packed[in++];
        if (token == 0) {
            for (long k = 0; k < len; k++)
                output[out++] = packed[in++];
        } else {
            long dist = (long)packed[in] | (long)packed[in + 1] << 8;
            in += 2;
            for (long k = 0; k < len; k++, out++)
                output[out] = output[out - dist];
        }
    }
    return out;
}

int main(void)
{
    uint64_t seed = 0x5eed0004;
    uint64_t check = 0;
    uint64_t start = bench_ticks();
    for (int r = 0; r < ROUNDS; r++) {
        generate(&seed);
        long n = compress();
        long m = decompress(n);
        uint64_t h = (uint64_t)n << 32 | (uint64_t)m;
        for (long i = 0; i < SIZE; i++)
            if (output[i] != input[i])
                h ^= 0xbad0000000000000ull + (uint64_t)i;
        for (long i = 0; i < n; i++)
            h = h * 0x100000001b3ull ^ packed[i];
        check = bench_mix(check, h);
    }
    uint64_t end = bench_ticks();
    bench_report("int-lz", start, end, check);
    return 0;
}
