/*
 * 64- and 32-bit integer arithmetic corner cases. Operands go through OPAQUE so the
 * compiler cannot fold them: the instructions themselves run. No signed overflow (UB) is
 * relied upon: wrapping is done in unsigned arithmetic.
 */
#include "support.h"

static uint64_t rol64(uint64_t x, unsigned r)
{
    return (x << (r & 63)) | (x >> ((64 - r) & 63));
}

static uint64_t ror64(uint64_t x, unsigned r)
{
    return (x >> (r & 63)) | (x << ((64 - r) & 63));
}

static uint32_t ror32(uint32_t x, unsigned r)
{
    return (x >> (r & 31)) | (x << ((32 - r) & 31));
}

int main(void)
{
    uint64_t a = OPAQUE(0x0123456789abcdefull);
    uint64_t b = OPAQUE(0xfedcba9876543210ull);
    int64_t m = OPAQUE((int64_t)-1234567);
    int64_t n = OPAQUE((int64_t)98765432);

    kprintf("mul64 0x%016lx\n", a * b);
    kprintf("smul64 %ld\n", m * n);
    kprintf("umulh 0x%016lx\n", (uint64_t)(((unsigned __int128)a * b) >> 64));
    kprintf("smulh 0x%016lx\n", (uint64_t)(((__int128)(int64_t)b * (int64_t)a) >> 64));
    kprintf("madd 0x%016lx msub 0x%016lx\n", a * b + n, (uint64_t)n - a * b);

    uint64_t max = OPAQUE(~0ull);
    uint64_t seven = OPAQUE(7ull);
    kprintf("udiv %lu urem %lu\n", max / seven, max % seven);

    int64_t p = OPAQUE((int64_t)100), q = OPAQUE((int64_t)-100), d = OPAQUE((int64_t)7), e = OPAQUE((int64_t)-7);
    kprintf("sdiv -100/7=%ld -100%%7=%ld 100/-7=%ld 100%%-7=%ld -100/-7=%ld -100%%-7=%ld\n",
            q / d, q % d, p / e, p % e, q / e, q % e);
    int64_t min64 = OPAQUE((int64_t)(1ull << 63));
    kprintf("INT64_MIN/3=%ld INT64_MIN%%3=%ld\n", min64 / 3, min64 % OPAQUE((int64_t)3));

    int32_t x32 = OPAQUE(-7), y32 = OPAQUE(2);
    kprintf("sdiv32 -7/2=%d -7%%2=%d\n", x32 / y32, x32 % y32);
    uint32_t u32 = OPAQUE(0xffffffffu);
    kprintf("wrap32 0xffffffff+1=0x%x\n", u32 + 1);
    uint32_t i32max = OPAQUE(0x7fffffffu);
    kprintf("INT32_MAX+1=%d\n", (int32_t)(i32max + 1));
    kprintf("mul32 0x%08x\n", OPAQUE(0x12345678u) * OPAQUE(0x9abcdef0u));
    kprintf("udiv32 %u\n", u32 / OPAQUE(10u));

    static const unsigned shifts[] = {0, 1, 31, 32, 63};
    for (unsigned i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++) {
        unsigned s = OPAQUE(shifts[i]);
        kprintf("shift %2u: lsl 0x%016lx lsr 0x%016lx asr 0x%016lx\n", s, a << s, b >> s,
                (uint64_t)((int64_t)b >> s));
    }
    unsigned s31 = OPAQUE(31u), s0 = OPAQUE(0u);
    kprintf("shift32 31: lsl 0x%08x lsr 0x%08x asr 0x%08x\n", 0x12345679u << s31,
            OPAQUE(0x80000000u) >> s31, (uint32_t)(OPAQUE((int32_t)-2) >> s31));
    kprintf("shift32 0: lsl 0x%08x\n", OPAQUE(0xdeadbeefu) << s0);

    static const unsigned rots[] = {0, 1, 13, 32, 63};
    for (unsigned i = 0; i < sizeof(rots) / sizeof(rots[0]); i++) {
        unsigned r = OPAQUE(rots[i]);
        kprintf("rot %2u: rol 0x%016lx ror 0x%016lx ror32 0x%08x\n", r, rol64(a, r), ror64(a, r),
                ror32(0x80000001u, r));
    }

    int64_t neg1 = OPAQUE((int64_t)-1), one = OPAQUE((int64_t)1);
    uint64_t uneg1 = (uint64_t)neg1, uone = (uint64_t)one;
    kprintf("cmp signed -1<1=%d unsigned 0xff..ff<1=%d\n", neg1 < one, uneg1 < uone);
    int32_t n32 = OPAQUE(-1), o32 = OPAQUE(1);
    kprintf("cmp32 signed -1<1=%d unsigned=%d eq=%d\n", n32 < o32, (uint32_t)n32 < (uint32_t)o32, n32 == o32);
    kprintf("cmp ge/le: %d %d %d %d\n", p >= q, p <= q, uone >= uneg1, uone <= uneg1);

    int8_t sb = OPAQUE((int8_t)-128);
    int16_t sh = OPAQUE((int16_t)-2);
    uint8_t ub = OPAQUE((uint8_t)0x80);
    kprintf("extend sxtb=%ld sxth=%ld uxtb=%lu sxtw=%ld\n", (int64_t)sb, (int64_t)sh, (uint64_t)ub,
            (int64_t)OPAQUE((int32_t)-5));

    kprintf("clz=%d ctz=%d clz32=%d rev=0x%016lx rev32=0x%08x\n", __builtin_clzll(OPAQUE(0x00f0ull)),
            __builtin_ctzll(OPAQUE(0x0f00ull)), __builtin_clz(OPAQUE(1u)), __builtin_bswap64(a),
            __builtin_bswap32(OPAQUE(0x11223344u)));

    uint64_t acc = 0;
    for (uint64_t i = 1; i <= 1000; i++)
        acc = acc * 6364136223846793005ull + i * i;
    kprintf("lcg accumulate 0x%016lx\n", acc);

    kprintf("DONE\n");
    return 0;
}
