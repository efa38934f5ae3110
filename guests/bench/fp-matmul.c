/*
 * FP benchmark: dense matrix multiply, double precision, scalar. C = A x B for 160 x 160 matrices
 * (i-k-j order, so the inner loop streams a row of B and a row of C), repeated with B replaced by
 * a scaled C each time. The checksum folds the bit patterns of every element of the last C.
 */
#include "bench.h"

#define N      BENCH_SIZE(160, 40)
#define ROUNDS BENCH_SIZE(16, 4)

static double a[N][N], b[N][N], c[N][N];

/* A double in [-1, 1) from 31 random bits: exact on every machine. */
static double uniform(uint64_t *seed)
{
    return (double)(int32_t)(bench_rand(seed) >> 32) * (1.0 / 2147483648.0);
}

static void multiply(void)
{
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++)
            c[i][j] = 0;
        for (int k = 0; k < N; k++) {
            double aik = a[i][k];
            for (int j = 0; j < N; j++)
                c[i][j] += aik * b[k][j];
        }
    }
}

int main(void)
{
    uint64_t seed = 0x5eed0009;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = uniform(&seed);
            b[i][j] = uniform(&seed);
        }

    uint64_t start = bench_ticks();
    for (int r = 0; r < ROUNDS; r++) {
        multiply();
        /* B = C / N for the next round (the magnitudes shrink slowly; no denormals for these sizes). */
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                b[i][j] = c[i][j] * (1.0 / N);
    }
    uint64_t end = bench_ticks();

    uint64_t check = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            check = bench_mix(check, bench_dbits(c[i][j]));
    bench_report("fp-matmul", start, end, check);
    return 0;
}
