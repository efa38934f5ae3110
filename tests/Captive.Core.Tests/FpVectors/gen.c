// Generates IEEE reference vectors for ArmFloatVectorTests with the host's (x86-64 SSE) arithmetic and
// <fenv.h> rounding modes. Build: gcc -O0 -frounding-math -ffp-contract=off gen.c -lm && ./a.out > ieee.txt
// Line: op fmt rmode a b c result flags   (hex; flags = IOC|DZC<<1|OFC<<2|IXC<<4; UFC is left out because
// x86 detects tininess after rounding and ARM before.) No NaN operands or results: ARM's NaN rules differ.
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#pragma STDC FENV_ACCESS ON

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; }

static uint64_t pick(int fmt) {
    uint64_t r = rnd();
    int ebits = fmt == 4 ? 8 : 11, fbits = fmt == 4 ? 23 : 52;
    int bias = (1 << (ebits - 1)) - 1;
    int e;
    switch (rnd() % 6) {
        case 0: e = 0; break;                                   // denormal
        case 1: e = 1 + rnd() % 4; break;                       // smallest normals
        case 2: e = (1 << ebits) - 2 - rnd() % 3; break;         // near overflow
        case 3: e = bias - 2 + rnd() % 5; break;                 // near 1
        default: e = 1 + rnd() % ((1 << ebits) - 2); break;
    }
    uint64_t frac = r & ((1ull << fbits) - 1);
    if (rnd() % 4 == 0) frac &= ~((1ull << (fbits - 3)) - 1);   // short significands (exact cases, ties)
    uint64_t sign = rnd() & 1;
    return (sign << (fmt * 8 - 1)) | ((uint64_t)e << fbits) | frac;
}

static int flags(void) {
    int f = 0;
    if (fetestexcept(FE_INVALID)) f |= 1;
    if (fetestexcept(FE_DIVBYZERO)) f |= 2;
    if (fetestexcept(FE_OVERFLOW)) f |= 4;
    if (fetestexcept(FE_INEXACT)) f |= 16;
    return f;
}

static const int modes[4] = { FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO };
static const char *ops[] = { "add", "sub", "mul", "div", "sqrt", "fma" };

int main(void) {
    for (int fmt = 4; fmt <= 8; fmt += 4)
    for (int op = 0; op < 6; op++)
    for (int rm = 0; rm < 4; rm++)
    for (int k = 0; k < 40; k++) {
        uint64_t a = pick(fmt), b = pick(fmt), c = pick(fmt), r;
        if (op <= 1 && k % 3 == 0) b = a ^ (rnd() & 0xF) ^ ((uint64_t)(op == 0) << (fmt * 8 - 1)); // cancellation
        if (op == 4) a &= ~(1ull << (fmt * 8 - 1));
        if (op == 5 && k % 3 == 0) {   // addend close to -product: single rounding matters
            fesetround(FE_TONEAREST);
            if (fmt == 4) { float x, y, p; memcpy(&x, &a, 4); memcpy(&y, &b, 4); p = -(x * y); uint32_t u; memcpy(&u, &p, 4); c = u; }
            else { double x, y, p; memcpy(&x, &a, 8); memcpy(&y, &b, 8); p = -(x * y); memcpy(&c, &p, 8); }
        }
        fesetround(modes[rm]);
        feclearexcept(FE_ALL_EXCEPT);
        if (fmt == 4) {
            float x, y, z, q; uint32_t u;
            memcpy(&x, &a, 4); memcpy(&y, &b, 4); memcpy(&z, &c, 4);
            switch (op) { case 0: q = x + y; break; case 1: q = x - y; break; case 2: q = x * y; break;
                          case 3: q = x / y; break; case 4: q = sqrtf(x); break; default: q = fmaf(x, y, z); break; }
            memcpy(&u, &q, 4); r = u;
            if (isnan(q)) continue;
        } else {
            double x, y, z, q;
            memcpy(&x, &a, 8); memcpy(&y, &b, 8); memcpy(&z, &c, 8);
            switch (op) { case 0: q = x + y; break; case 1: q = x - y; break; case 2: q = x * y; break;
                          case 3: q = x / y; break; case 4: q = sqrt(x); break; default: q = fma(x, y, z); break; }
            memcpy(&r, &q, 8);
            if (isnan(q)) continue;
        }
        int f = flags();
        fesetround(FE_TONEAREST);
        printf("%s %d %d %llx %llx %llx %llx %x\n", ops[op], fmt, rm, (unsigned long long)a, (unsigned long long)b,
               (unsigned long long)c, (unsigned long long)r, f);
    }
    // Conversions: fcvt (format change), rint (FRINTX in the current mode), scvtf/ucvtf from 32/64 bits, and
    // fcvt-to-int in the current mode (llrint) where the result is in range (ARM saturates, x86 does not).
    for (int rm = 0; rm < 4; rm++)
    for (int k = 0; k < 60; k++) {
        uint64_t d = pick(8), s = pick(4), i = rnd() >> (rnd() % 64), r;
        double x; float y, q; double w;
        memcpy(&x, &d, 8); memcpy(&y, &s, 4);
        fesetround(modes[rm]);
        feclearexcept(FE_ALL_EXCEPT); q = (float)x; memcpy(&r, &q, 4); r &= 0xffffffff;
        printf("cvtds 8 %d %llx 0 0 %llx %x\n", rm, (unsigned long long)d, (unsigned long long)r, flags());
        feclearexcept(FE_ALL_EXCEPT); w = (double)y; memcpy(&r, &w, 8);
        printf("cvtsd 4 %d %llx 0 0 %llx %x\n", rm, (unsigned long long)s, (unsigned long long)r, flags());
        feclearexcept(FE_ALL_EXCEPT); w = rint(x); memcpy(&r, &w, 8);
        printf("rint 8 %d %llx 0 0 %llx %x\n", rm, (unsigned long long)d, (unsigned long long)r, flags());
        feclearexcept(FE_ALL_EXCEPT); q = rintf(y); memcpy(&r, &q, 4); r &= 0xffffffff;
        printf("rint 4 %d %llx 0 0 %llx %x\n", rm, (unsigned long long)s, (unsigned long long)r, flags());
        feclearexcept(FE_ALL_EXCEPT); w = (double)(int64_t)i; memcpy(&r, &w, 8);
        printf("scvtf64 8 %d %llx 0 0 %llx %x\n", rm, (unsigned long long)i, (unsigned long long)r, flags());
        feclearexcept(FE_ALL_EXCEPT); q = (float)(uint64_t)i; memcpy(&r, &q, 4); r &= 0xffffffff;
        printf("ucvtf64 4 %d %llx 0 0 %llx %x\n", rm, (unsigned long long)i, (unsigned long long)r, flags());
        feclearexcept(FE_ALL_EXCEPT); q = (float)(int32_t)i; memcpy(&r, &q, 4); r &= 0xffffffff;
        printf("scvtf32 4 %d %llx 0 0 %llx %x\n", rm, (unsigned long long)(uint32_t)i, (unsigned long long)r, flags());
        double scaled = ldexp(1.0 + (double)(rnd() % 1000000) / 1000.0, (int)(rnd() % 50)) * ((rnd() & 1) ? -1 : 1);
        if (rnd() % 3 == 0) scaled = floor(scaled) + 0.5;
        memcpy(&d, &scaled, 8);
        feclearexcept(FE_ALL_EXCEPT); long long t = llrint(scaled);
        printf("fcvts64 8 %d %llx 0 0 %llx %x\n", rm, (unsigned long long)d, (unsigned long long)t, flags());
    }
    fesetround(FE_TONEAREST);
    return 0;
}
