/* Recursion: Fibonacci, Ackermann, mutual recursion, Towers of Hanoi, Euclid. */
#include "support.h"

#define NOINLINE __attribute__((noinline))

static NOINLINE uint32_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static NOINLINE uint32_t ackermann(uint32_t m, uint32_t n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static NOINLINE int is_odd(uint32_t n);

static NOINLINE int is_even(uint32_t n)
{
    return n == 0 ? 1 : is_odd(n - 1);
}

static NOINLINE int is_odd(uint32_t n)
{
    return n == 0 ? 0 : is_even(n - 1);
}

static uint32_t moves;

static NOINLINE void hanoi(uint32_t n, int from, int to, int via)
{
    if (n == 0)
        return;
    hanoi(n - 1, from, via, to);
    moves++;
    hanoi(n - 1, via, to, from);
}

static NOINLINE uint64_t gcd(uint64_t a, uint64_t b)
{
    return b == 0 ? a : gcd(b, a % b);
}

/* Depth-first sum over a implicit binary tree, to keep many frames live at once. */
static NOINLINE uint64_t tree_sum(uint32_t node, uint32_t depth)
{
    if (depth == 0)
        return node;
    return node + tree_sum(2 * node, depth - 1) + tree_sum(2 * node + 1, depth - 1);
}

int main(void)
{
    kprintf("fib(10)=%u fib(20)=%u fib(25)=%u\n", fib(10), fib(20), fib(25));
    kprintf("ackermann(2,3)=%u ackermann(3,3)=%u\n", ackermann(2, 3), ackermann(3, 3));
    kprintf("is_even(1000)=%d is_odd(1001)=%d is_even(777)=%d\n", is_even(1000), is_odd(1001), is_even(777));
    hanoi(16, 1, 3, 2);
    kprintf("hanoi(16) moves=%u\n", moves);
    kprintf("gcd(1071,462)=%lu gcd(2^40,6^20)=%lu\n", gcd(1071, 462), gcd(1ull << 40, 3656158440062976ull));
    kprintf("tree_sum(1,12)=%lu\n", tree_sum(1, 12));
    kprintf("DONE\n");
    return 0;
}
