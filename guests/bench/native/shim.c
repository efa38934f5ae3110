/*
 * The native harness of the guest benchmarks: what the guests get from guests/common (printing)
 * and from the generic timer, for an x86-64 Linux process. Compiled with ordinary flags and linked
 * with each benchmark, whose main() is the program's main.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

uint64_t bench_ticks(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_freq(void)
{
    return 1000000000u;
}
