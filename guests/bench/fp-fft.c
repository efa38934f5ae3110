/*
 * FP benchmark: FFT. An iterative radix-2 complex FFT (double precision, scalar, in place with a
 * bit-reversal permutation) of 16 Ki points, forward then inverse, repeated. The twiddle factors
 * come from a Taylor series (no libm); the checksum folds the bit patterns of the last spectrum
 * and of the round-trip error.
 */
#include "bench.h"

#define LOG2N  BENCH_SIZE(14, 10)
#define N      (1 << LOG2N)
#define ROUNDS BENCH_SIZE(72, 2)
#define PI     3.141592653589793

static double re[N], im[N], twr[N / 2], twi[N / 2];
static double orig_re[N], orig_im[N];

/* sin and cos of x in [-pi, pi] by their Taylor series: only + - * /, so exact on every machine. */
static void sincos_taylor(double x, double *s, double *c)
{
    double term_s = x, term_c = 1, sum_s = 0, sum_c = 0, x2 = x * x;
    for (int k = 1; k < 30; k++) {
        sum_s += term_s;
        sum_c += term_c;
        term_s = -term_s * x2 / ((2.0 * k) * (2.0 * k + 1));
        term_c = -term_c * x2 / ((2.0 * k - 1) * (2.0 * k));
    }
    *s = sum_s;
    *c = sum_c;
}

static void fft(int inverse)
{
    for (unsigned i = 1, j = 0; i < N; i++) {
        unsigned bit = N >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i]; re[i] = re[j]; re[j] = t;
            t = im[i]; im[i] = im[j]; im[j] = t;
        }
    }
    for (unsigned len = 2; len <= N; len <<= 1) {
        unsigned half = len >> 1, step = N / len;
        for (unsigned i = 0; i < N; i += len) {
            for (unsigned k = 0; k < half; k++) {
                double wr = twr[k * step], wi = inverse ? -twi[k * step] : twi[k * step];
                unsigned p = i + k, q = p + half;
                double xr = re[q] * wr - im[q] * wi;
                double xi = re[q] * wi + im[q] * wr;
                re[q] = re[p] - xr;
                im[q] = im[p] - xi;
                re[p] += xr;
                im[p] += xi;
            }
        }
    }
    if (inverse)
        for (unsigned i = 0; i < N; i++) {
            re[i] *= 1.0 / N;
            im[i] *= 1.0 / N;
        }
}

int main(void)
{
    for (unsigned k = 0; k < N / 2; k++)
        sincos_taylor(-2 * PI * k / N, &twi[k], &twr[k]);
    uint64_t seed = 0x5eed000a;
    for (unsigned i = 0; i < N; i++) {
        orig_re[i] = re[i] = (double)(int32_t)(bench_rand(&seed) >> 32) * (1.0 / 2147483648.0);
        orig_im[i] = im[i] = 0;
    }

    uint64_t check = 0;
    uint64_t start = bench_ticks();
    for (int r = 0; r < ROUNDS; r++) {
        fft(0);
        check = bench_mix(check, bench_dbits(re[r + 1]));
        check = bench_mix(check, bench_dbits(im[N - r - 1]));
        fft(1);
    }
    uint64_t end = bench_ticks();

    double err = 0;
    for (unsigned i = 0; i < N; i++) {
        double dr = re[i] - orig_re[i], di = im[i] - orig_im[i];
        err += dr * dr + di * di;
        check = bench_mix(check, bench_dbits(re[i]));
    }
    check = bench_mix(check, bench_dbits(err));
    bench_report("fp-fft", start, end, check);
    return 0;
}
