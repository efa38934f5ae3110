/* Sieve of Eratosthenes below 100000: 9592 primes. */
#include "support.h"

#define LIMIT 100000

static uint8_t composite[LIMIT];

int main(void)
{
    for (uint32_t i = 2; i * i < LIMIT; i++) {
        if (!composite[i])
            for (uint32_t j = i * i; j < LIMIT; j += i)
                composite[j] = 1;
    }

    uint32_t count = 0, below1000 = 0, below10000 = 0, largest = 0, twins = 0;
    uint64_t sum = 0;
    for (uint32_t i = 2; i < LIMIT; i++) {
        if (composite[i])
            continue;
        count++;
        sum += i;
        largest = i;
        if (i < 1000) below1000++;
        if (i < 10000) below10000++;
        if (i >= 5 && !composite[i - 2]) twins++;
    }

    kprintf("primes below 1000: %u\n", below1000);
    kprintf("primes below 10000: %u\n", below10000);
    kprintf("primes below %d: %u (expected 9592: %s)\n", LIMIT, count, count == 9592 ? "ok" : "WRONG");
    kprintf("largest=%u sum=%lu twin pairs=%u\n", largest, sum, twins);
    kprintf("DONE\n");
    return 0;
}
