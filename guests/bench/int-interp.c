/*
 * Integer benchmark: a bytecode interpreter. A register machine (16 64-bit registers, 64 Ki words
 * of memory, one 32-bit word per instruction) dispatched by a dense switch (a jump table) runs
 * two small programs: total Collatz steps for 1..N, and a sieve of Eratosthenes in its memory
 * counting and summing the primes. The checksum folds the registers and the memory.
 */
#include "bench.h"

#define COLLATZ_N BENCH_SIZE(20000, 1000)
#define SIEVE_N   65000
#define ROUNDS    BENCH_SIZE(3, 1)
#define MEM_WORDS 65536

enum {
    HALT, LI, MOV, ADD, SUB, MUL, AND, OR, XOR, SHL, SHR, ADDI, SHRI, SHLI, LD, ST, JMP, JZ, JNZ, JLT,
};

/* op:8 a:8 b:8 c:8; LI takes b:c as a 16-bit immediate; jumps take a signed offset in words
 * relative to the next instruction (16 bits in b:c for JMP/JZ/JNZ, 8 bits in c for JLT). */
#define I(op, a, b, c) ((uint32_t)(op) << 24 | (uint32_t)(a) << 16 | (uint32_t)(b) << 8 | (uint32_t)(uint8_t)(c))

static uint32_t code[256];
static uint32_t mem[MEM_WORDS];
static int pc_emit;

static int emit(uint32_t insn) { code[pc_emit] = insn; return pc_emit++; }
static int here(void) { return pc_emit; }
/* Points the jump at index 'at' to 'target'. */
static void patch(int at, int target)
{
    int off = target - (at + 1);
    uint32_t op = code[at] >> 24;
    if (op == JLT)
        code[at] = (code[at] & 0xffffff00u) | (uint8_t)off;
    else
        code[at] = (code[at] & 0xffff0000u) | (uint16_t)off;
}

static uint64_t run(uint64_t *r)
{
    const uint32_t *pc = code;
    uint64_t steps = 0;
    for (;;) {
        uint32_t insn = *pc++;
        unsigned a = (insn >> 16) & 0xff, b = (insn >> 8) & 0xff, c = insn & 0xff;
        steps++;
        switch (insn >> 24) {
        case HALT: return steps;
        case LI:   r[a] = insn & 0xffff; break;
        case MOV:  r[a] = r[b]; break;
        case ADD:  r[a] = r[b] + r[c]; break;
        case SUB:  r[a] = r[b] - r[c]; break;
        case MUL:  r[a] = r[b] * r[c]; break;
        case AND:  r[a] = r[b] & r[c]; break;
        case OR:   r[a] = r[b] | r[c]; break;
        case XOR:  r[a] = r[b] ^ r[c]; break;
        case SHL:  r[a] = r[b] << (r[c] & 63); break;
        case SHR:  r[a] = r[b] >> (r[c] & 63); break;
        case ADDI: r[a] = r[b] + (uint64_t)(int64_t)(int8_t)c; break;
        case SHRI: r[a] = r[b] >> (c & 63); break;
        case SHLI: r[a] = r[b] << (c & 63); break;
        case LD:   r[a] = mem[r[b] & (MEM_WORDS - 1)]; break;
        case ST:   mem[r[b] & (MEM_WORDS - 1)] = (uint32_t)r[a]; break;
        case JMP:  pc += (int16_t)(insn & 0xffff); break;
        case JZ:   if (r[a] == 0) pc += (int16_t)(insn & 0xffff); break;
        case JNZ:  if (r[a] != 0) pc += (int16_t)(insn & 0xffff); break;
        case JLT:  if (r[a] < r[b]) pc += (int8_t)c; break;
        default:   return ~0ull;
        }
    }
}

/* r1 = n, r2 = limit, r3 = total steps, r4 = x, r5 = scratch, r6 = parity. r2 is preset. */
static void assemble_collatz(void)
{
    pc_emit = 0;
    emit(I(LI, 1, 0, 1));
    emit(I(LI, 3, 0, 0));
    int outer = emit(I(MOV, 4, 1, 0));
    int inner = emit(I(ADDI, 5, 4, -1));
    int to_next = emit(I(JZ, 5, 0, 0));
    emit(I(LI, 6, 0, 1));
    emit(I(AND, 6, 4, 6));
    int to_even = emit(I(JZ, 6, 0, 0));
    emit(I(ADD, 5, 4, 4));
    emit(I(ADD, 4, 5, 4));
    emit(I(ADDI, 4, 4, 1));
    emit(I(ADDI, 3, 3, 1));
    patch(emit(I(JMP, 0, 0, 0)), inner);
    patch(to_even, here());
    emit(I(SHRI, 4, 4, 1));
    emit(I(ADDI, 3, 3, 1));
    patch(emit(I(JMP, 0, 0, 0)), inner);
    patch(to_next, here());
    emit(I(ADDI, 1, 1, 1));
    patch(emit(I(JLT, 1, 2, 0)), outer);
    emit(I(HALT, 0, 0, 0));
}

/* mem[i] = 1 for 2 <= i < r2; strike composites; r3 = count, r7 = sum of primes. */
static void assemble_sieve(void)
{
    pc_emit = 0;
    emit(I(LI, 1, 0, 2));
    emit(I(LI, 9, 0, 1));
    int fill = emit(I(ST, 9, 1, 0));
    emit(I(ADDI, 1, 1, 1));
    patch(emit(I(JLT, 1, 2, 0)), fill);
    emit(I(LI, 1, 0, 2));                /* i = 2 */
    emit(I(LI, 3, 0, 0));
    emit(I(LI, 7, 0, 0));
    emit(I(LI, 10, 0, 0));               /* zero */
    int loop_i = emit(I(LD, 5, 1, 0));
    int to_next = emit(I(JZ, 5, 0, 0));
    emit(I(ADDI, 3, 3, 1));
    emit(I(ADD, 7, 7, 1));
    emit(I(MUL, 4, 1, 1));               /* j = i * i */
    int to_next2 = emit(I(JLT, 2, 4, 0)); /* j beyond the limit: nothing to strike */
    int strike = emit(I(ST, 10, 4, 0));
    emit(I(ADD, 4, 4, 1));
    patch(emit(I(JLT, 4, 2, 0)), strike);
    patch(to_next, here());
    patch(to_next2, here());
    emit(I(ADDI, 1, 1, 1));
    patch(emit(I(JLT, 1, 2, 0)), loop_i);
    emit(I(HALT, 0, 0, 0));
}

int main(void)
{
    uint64_t check = 0;
    uint64_t start = bench_ticks();
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t r[16] = { 0 };
        assemble_collatz();
        r[2] = COLLATZ_N + round;
        uint64_t steps = run(r);
        check = bench_mix(check, steps);
        for (int i = 0; i < 16; i++)
            check = bench_mix(check, r[i]);

        uint64_t s[16] = { 0 };
        assemble_sieve();
        s[2] = SIEVE_N - round;
        steps = run(s);
        check = bench_mix(check, steps);
        for (int i = 0; i < 16; i++)
            check = bench_mix(check, s[i]);
        uint64_t h = 0;
        for (int i = 0; i < MEM_WORDS; i++)
            h = h * 3 + mem[i];
        check = bench_mix(check, h);
    }
    uint64_t end = bench_ticks();
    bench_report("int-interp", start, end, check);
    return 0;
}
