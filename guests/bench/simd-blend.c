/*
 * SIMD benchmark: 8-bit image blending, which gcc vectorises at -O3 (widening multiplies,
 * narrowing shifts). Each round alpha-blends two 512 x 512 greyscale images with a per-pixel
 * alpha map, (a*alpha + b*(255-alpha) + 128) / 255 computed exactly with shifts, then brightens
 * the result with a saturating add and takes the per-pixel absolute difference to the first image.
 * The checksum folds the result images.
 */
#include "bench.h"

#define PIXELS (512 * 512)
#define ROUNDS BENCH_SIZE(250, 2)

static uint8_t img_a[PIXELS], img_b[PIXELS], alpha[PIXELS], out[PIXELS], diff[PIXELS];

static void blend(uint8_t *restrict o, const uint8_t *restrict a, const uint8_t *restrict b,
                  const uint8_t *restrict al)
{
    for (int i = 0; i < PIXELS; i++) {
        unsigned t = a[i] * al[i] + b[i] * (255u - al[i]) + 128u;
        o[i] = (uint8_t)((t + (t >> 8)) >> 8); /* exactly t / 255 rounded, for t < 65536 */
    }
}

static void brighten_absdiff(uint8_t *restrict o, uint8_t *restrict d, const uint8_t *restrict a, uint8_t add)
{
    for (int i = 0; i < PIXELS; i++) {
        unsigned s = o[i] + add;
        o[i] = s > 255 ? 255 : (uint8_t)s;
        d[i] = o[i] > a[i] ? o[i] - a[i] : a[i] - o[i];
    }
}

int main(void)
{
    uint64_t seed = 0x5eed000c;
    for (int i = 0; i < PIXELS; i += 8) {
        uint64_t ra = bench_rand(&seed), rb = bench_rand(&seed), rc = bench_rand(&seed);
        for (int k = 0; k < 8; k++) {
            img_a[i + k] = (uint8_t)(ra >> (8 * k));
            img_b[i + k] = (uint8_t)(rb >> (8 * k));
            alpha[i + k] = (uint8_t)(rc >> (8 * k));
        }
    }

    uint64_t check = 0;
    uint64_t start = bench_ticks();
    for (int r = 0; r < ROUNDS; r++) {
        blend(out, img_a, img_b, alpha);
        brighten_absdiff(out, diff, img_a, (uint8_t)(r & 15));
        /* The next round blends the difference image in. */
        uint8_t *restrict bb = OPAQUE(img_b);
        for (int i = 0; i < PIXELS; i++)
            bb[i] = (uint8_t)(diff[i] ^ out[i]);
        check = bench_mix(check, (uint64_t)out[r * 997 % PIXELS] << 8 | diff[r * 991 % PIXELS]);
    }
    uint64_t end = bench_ticks();

    uint64_t h = 0;
    for (int i = 0; i < PIXELS; i++)
        h = h * 0x100000001b3ull + (out[i] ^ (uint64_t)diff[i] << 8);
    check = bench_mix(check, h);
    bench_report("simd-blend", start, end, check);
    return 0;
}
