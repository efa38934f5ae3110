/* The demo guest bundled with the captive CLI: a banner, a little arithmetic, power off. */
#include "support.h"

static uint32_t crc32(const char *s)
{
    uint32_t crc = 0xffffffffu;
    for (; *s; s++) {
        crc ^= (uint8_t)*s;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static int is_prime(uint32_t n)
{
    if (n < 2)
        return 0;
    for (uint32_t d = 2; d * d <= n; d++)
        if (n % d == 0)
            return 0;
    return 1;
}

int main(void)
{
    uint64_t el;
    __asm__ volatile("mrs %0, CurrentEL" : "=r"(el));
    kprintf("\n");
    kprintf("  Hello from an AArch64 guest!\n");
    kprintf("  Running at EL%lu on the 'virt' board.\n", (el >> 2) & 3);
    kprintf("\n");
    kprintf("  primes below 50:");
    for (uint32_t n = 0; n < 50; n++)
        if (is_prime(n))
            kprintf(" %u", n);
    kprintf("\n");
    uint64_t a = 0, b = 1;
    for (int i = 0; i < 90; i++) {
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    kprintf("  fib(90) = %lu\n", a);
    kprintf("  crc32(\"123456789\") = 0x%08x\n", crc32("123456789"));
    kprintf("\n");
    kprintf("  Powering off with PSCI SYSTEM_OFF. Bye!\n");
    return 0;
}
