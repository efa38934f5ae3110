/*
 * SIMD benchmark: single-precision vector loops gcc vectorises at -O3. Each round runs
 * y = a*x + b*y (saxpy with a damping factor) over 16 Ki floats (64 KiB arrays, in L2), then a
 * dot product x.y with 16 partial sums (a fixed summation order, so that it vectorises without
 * -ffast-math and gives the same bits everywhere), and z = max(x, y) * 0.5. The checksum folds
 * the dot products and the final arrays' bit patterns.
 */
#include "bench.h"

#define N      16384
#define ROUNDS BENCH_SIZE(2000, 16)
#define LANES  16

static float x[N], y[N], z[N];

static void saxpy(float a, float b, float *restrict yy, const float *restrict xx)
{
    for (int i = 0; i < N; i++)
        yy[i] = a * xx[i] + b * yy[i];
}

static float dot(const float *restrict xx, const float *restrict yy)
{
    float acc[LANES] = { 0 };
    for (int i = 0; i < N; i += LANES)
        for (int j = 0; j < LANES; j++)
            acc[j] += xx[i + j] * yy[i + j];
    float s = 0;
    for (int j = 0; j < LANES; j++)
        s += acc[j];
    return s;
}

static void halfmax(float *restrict zz, const float *restrict xx, const float *restrict yy)
{
    for (int i = 0; i < N; i++)
        zz[i] = (xx[i] > yy[i] ? xx[i] : yy[i]) * 0.5f;
}

int main(void)
{
    uint64_t seed = 0x5eed000b;
    for (int i = 0; i < N; i++) {
        x[i] = (float)(int32_t)(bench_rand(&seed) >> 40) * (1.0f / 8388608.0f);
        y[i] = (float)(int32_t)(bench_rand(&seed) >> 40) * (1.0f / 8388608.0f);
    }

    uint64_t check = 0;
    uint64_t start = bench_ticks();
    for (int r = 0; r < ROUNDS; r++) {
        saxpy(0.25f, 0.75f, y, x);
        check = bench_mix(check, bench_fbits(dot(x, y)));
        halfmax(z, x, y);
        /* Feed z back into x now and then (rotated, sign flipped every other time) so that the
         * data keep changing without growing or shrinking towards denormals. */
        if ((r & 7) == 7) {
            float *restrict xx = OPAQUE(x);
            float f = (r & 8) ? -2.0f : 2.0f;
            for (int i = 0; i < N; i++)
                xx[i] = f * z[(i + r) & (N - 1)];
        }
    }
    uint64_t end = bench_ticks();

    for (int i = 0; i < N; i++)
        check = bench_mix(check, (uint64_t)bench_fbits(y[i]) << 32 | bench_fbits(z[i]));
    bench_report("simd-saxpy", start, end, check);
    return 0;
}
