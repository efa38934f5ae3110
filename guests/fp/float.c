/*
 * Scalar floating point against QEMU: arithmetic, fused multiply-add, square root, conversions,
 * rounding to integral, min/max, comparisons with NaN, denormals and infinities, FPCR rounding modes
 * and flush-to-zero, default NaN, and the FPSR cumulative flags each step raises. Every result is
 * printed as its bit pattern, so the output compares bit for bit.
 */
#include "support.h"

typedef union { double d; uint64_t u; } D;
typedef union { float f; uint32_t u; } F;

static uint64_t bits(double d) { D x = { .d = d }; return x.u; }
static uint32_t fbits(float f) { F x = { .f = f }; return x.u; }
static double dfrom(uint64_t u) { D x = { .u = u }; return x.d; }
static float ffrom(uint32_t u) { F x = { .u = u }; return x.f; }

static uint64_t get_fpsr(void) { uint64_t v; __asm__ volatile("mrs %0, fpsr" : "=r"(v)); return v; }
static void set_fpsr(uint64_t v) { __asm__ volatile("msr fpsr, %0" :: "r"(v)); }
static void set_fpcr(uint64_t v) { __asm__ volatile("msr fpcr, %0" :: "r"(v)); }

/* Values the compiler cannot fold. */
static volatile double vd[] = { 0.1, 0.2, 1.0, 3.0, 2.0, -0.0, 1e308, 1e-310, -7.5, 123456789.987654321 };
static volatile float vf[] = { 0.1f, 0.2f, 1.0f, 3.0f, 2.0f, -0.0f, 3e38f, 1e-40f, -7.5f, 16777217.0f };

static void line(const char *what, uint64_t value)
{
    kprintf("%s: %016lx fpsr %02lx\n", what, value, get_fpsr());
    set_fpsr(0);
}

static void arithmetic(const char *mode)
{
    kprintf("-- %s\n", mode);
    line("d 0.1+0.2", bits(vd[0] + vd[1]));
    line("d 1/3", bits(vd[2] / vd[3]));
    line("d -7.5*1e308", bits(vd[8] * vd[6]));
    line("d 1e-310*0.1", bits(vd[7] * vd[0]));
    line("d sqrt 2", bits(__builtin_sqrt(vd[4])));
    line("d fma", bits(__builtin_fma(vd[0], vd[3], vd[1])));
    line("d 1/-0", bits(vd[2] / vd[5]));
    line("d 0/0", bits(vd[5] / vd[5]));
    line("d big-big", bits(vd[9] - vd[9]));
    line("f 0.1+0.2", fbits(vf[0] + vf[1]));
    line("f 1/3", fbits(vf[2] / vf[3]));
    line("f 3e38*3", fbits(vf[6] * vf[3]));
    line("f 1e-40*0.1", fbits(vf[7] * vf[0]));
    line("f sqrt 3", fbits(__builtin_sqrtf(vf[3])));
    line("f fma", fbits(__builtin_fmaf(vf[0], vf[3], vf[1])));
    line("d->f 0.1", fbits((float)vd[0]));
    line("d->f 1e308", fbits((float)vd[6]));
    line("f->d 0.1f", bits((double)vf[0]));
    line("int->f 2^24+1", fbits((float)(int)16777217));
    line("i64->d", bits((double)(int64_t)-9007199254740993LL));
    line("u64->d", bits((double)(uint64_t)18446744073709551615ULL));
    line("d->i32 trunc -7.5", (uint32_t)(int32_t)vd[8]);
    line("d->i32 sat 1e308", (uint32_t)(int32_t)vd[6]);
    line("d->u64 -7.5", (uint64_t)vd[8]);
    line("rint 2.5", bits(__builtin_rint(2.5 + vd[5])));
    line("nearbyint -2.5", bits(__builtin_nearbyint(-2.5 + vd[5])));
    line("floor -7.5", bits(__builtin_floor(vd[8])));
    line("ceil -7.5", bits(__builtin_ceil(vd[8])));
    line("round -7.5", bits(__builtin_round(vd[8])));
    line("trunc 123456789.98", bits(__builtin_trunc(vd[9])));
    line("fmax(NaN, 1)", bits(__builtin_fmax(vd[5] / vd[5], vd[2])));
    line("fmin(-0, +0)", bits(__builtin_fmin(vd[5], 0.0 * vd[2])));
    line("lround -7.5", (uint64_t)__builtin_lround(vd[8]));
}

static void comparisons(void)
{
    double nan = dfrom(0x7ff8000000000001ULL), snan = dfrom(0x7ff0000000000001ULL);
    volatile double n = nan, s = snan, one = 1.0;
    line("qnan+1", bits(n + one));
    line("snan+1", bits(s + one));
    line("1+snan", bits(one + s));
    line("qnan+snan", bits(n + s));
    line("nan<1", n < one);
    line("nan==nan", n == n);
    line("1<=1", one <= one);
    volatile float fs = ffrom(0x7f800001u), fo = 1.0f;
    line("f snan*1", fbits(fs * fo));
    line("f snan->d", bits((double)fs));
}

int main(void)
{
    set_fpsr(0);
    arithmetic("round to nearest");
    set_fpcr(1u << 22); arithmetic("round toward +inf");
    set_fpcr(2u << 22); arithmetic("round toward -inf");
    set_fpcr(3u << 22); arithmetic("round toward zero");
    set_fpcr(1u << 24); arithmetic("flush to zero");
    set_fpcr(1u << 25); kprintf("-- default nan\n"); comparisons();
    set_fpcr(0); kprintf("-- propagate nan\n"); comparisons();

    /* A little physics: two-body orbit, 2000 leapfrog steps. */
    volatile double x = 1.0, y = 0.0, vx = 0.0, vy = 1.0, dt = 0.001;
    for (int i = 0; i < 2000; i++) {
        double r2 = x * x + y * y, r = __builtin_sqrt(r2), a = -1.0 / (r2 * r);
        vx += a * x * dt; vy += a * y * dt;
        x += vx * dt; y += vy * dt;
    }
    line("orbit x", bits(x));
    line("orbit y", bits(y));
    kprintf("DONE\n");
    return 0;
}
