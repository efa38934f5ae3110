/*
 * Division by zero. AArch64 SDIV/UDIV return 0 for a zero divisor and do not trap, and
 * INT_MIN / -1 gives INT_MIN. The divisors are volatile, so the compiler emits the real
 * divide instructions and cannot assume anything about their values.
 */
#include "support.h"

static volatile int64_t zero64 = 0;
static volatile int32_t zero32 = 0;
static volatile int64_t minus_one64 = -1;
static volatile int32_t minus_one32 = -1;

int main(void)
{
    int64_t a = OPAQUE((int64_t)1234567);
    int64_t na = OPAQUE((int64_t)-1234567);
    uint64_t ua = OPAQUE(0xffffffffffffffffull);
    int32_t b = OPAQUE(4321);

    kprintf("sdiv64 1234567/0=%ld\n", a / zero64);
    kprintf("sdiv64 -1234567/0=%ld\n", na / zero64);
    kprintf("srem64 1234567%%0=%ld\n", a % zero64);
    kprintf("udiv64 max/0=%lu\n", ua / (uint64_t)zero64);
    kprintf("urem64 max%%0=0x%lx\n", ua % (uint64_t)zero64);
    kprintf("sdiv32 4321/0=%d\n", b / zero32);
    kprintf("srem32 4321%%0=%d\n", b % zero32);
    kprintf("udiv32 0xffffffff/0=%u\n", OPAQUE(0xffffffffu) / (uint32_t)zero32);

    int64_t min64 = OPAQUE((int64_t)(1ull << 63));
    int32_t min32 = OPAQUE((int32_t)(1u << 31));
    kprintf("INT64_MIN/-1=%ld\n", min64 / minus_one64);
    kprintf("INT64_MIN%%-1=%ld\n", min64 % minus_one64);
    kprintf("INT32_MIN/-1=%d\n", min32 / minus_one32);
    kprintf("0/0=%ld\n", OPAQUE((int64_t)0) / zero64);
    kprintf("DONE\n");
    return 0;
}
