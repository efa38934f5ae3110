/*
 * Indirect control flow: function-pointer tables (BLR) and a dense switch that the compiler
 * turns into a jump table (BR through a table of offsets). build.sh checks for the BR.
 */
#include "support.h"

#define NOINLINE __attribute__((noinline))

typedef uint32_t (*binop)(uint32_t, uint32_t);

static NOINLINE uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static NOINLINE uint32_t op_sub(uint32_t a, uint32_t b) { return a - b; }
static NOINLINE uint32_t op_mul(uint32_t a, uint32_t b) { return a * b; }
static NOINLINE uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ b; }
static NOINLINE uint32_t op_and(uint32_t a, uint32_t b) { return a & b; }
static NOINLINE uint32_t op_or(uint32_t a, uint32_t b) { return a | b; }
static NOINLINE uint32_t op_shl(uint32_t a, uint32_t b) { return a << (b & 31); }
static NOINLINE uint32_t op_max(uint32_t a, uint32_t b) { return a > b ? a : b; }

static const struct {
    const char *name;
    binop fn;
} ops[] = {
    {"add", op_add}, {"sub", op_sub}, {"mul", op_mul}, {"xor", op_xor},
    {"and", op_and}, {"or", op_or},   {"shl", op_shl}, {"max", op_max},
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* Every case computes something different so that the switch cannot become a value table. */
static NOINLINE uint32_t step(uint32_t op, uint32_t x)
{
    switch (op) {
    case 0: return x * 3 + 1;
    case 1: return x ^ 0x5a5a5a5au;
    case 2: return (x >> 3) | (x << 29);
    case 3: return x + 0x9e3779b9u;
    case 4: return ~x;
    case 5: return x * x;
    case 6: return x - (x >> 4);
    case 7: return x ^ (x << 7);
    case 8: return x ^ (x >> 9);
    case 9: return x + (x << 3);
    case 10: return x / 3 + 17;
    case 11: return x & 0xffff0000u ? x >> 16 : x << 16;
    case 12: return x | 0x10001u;
    case 13: return x * 2654435761u;
    case 14: return (x << 1) ^ 0x04c11db7u;
    case 15: return x % 1000003u;
    default: return x;
    }
}

static NOINLINE binop pick(uint32_t i)
{
    return ops[i % NOPS].fn;
}

int main(void)
{
    uint32_t a = OPAQUE(0x12345678u), b = OPAQUE(0x0000abcdu);
    for (unsigned i = 0; i < NOPS; i++)
        kprintf("%s(0x%08x,0x%08x)=0x%08x\n", ops[i].name, a, b, ops[i].fn(a, b));

    uint32_t x = 1;
    for (uint32_t i = 0; i < 1000; i++)
        x = pick(i)(x, i) + 1;
    kprintf("fold over table: 0x%08x\n", x);

    uint32_t hist[16] = {0};
    uint32_t v = 0xcafef00du;
    for (uint32_t i = 0; i < 10000; i++) {
        uint32_t op = (v >> 7) & 15;
        hist[op]++;
        v = step(op, v) + i;
    }
    kprintf("switch result: 0x%08x\n", v);
    kprintf("ops used:");
    for (int i = 0; i < 16; i++)
        kprintf(" %u", hist[i]);
    kprintf("\n");
    kprintf("default case: 0x%08x\n", step(OPAQUE(99u), 42));

    kprintf("DONE\n");
    return 0;
}
