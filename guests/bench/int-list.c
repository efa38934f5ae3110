/*
 * Integer benchmark: pointer chasing. 256 Ki list nodes of 16 bytes (4 MiB, more than the L2
 * cache) are linked in a random order (a Fisher-Yates permutation), so every step is a dependent
 * load from an unpredictable address. Each pass walks the whole list, folding and updating the
 * values, then walks it again moving every 64th node to the front.
 */
#include "bench.h"

#define NODES  BENCH_SIZE(262144, 16384)
#define PASSES BENCH_SIZE(16, 4)

struct node {
    struct node *next;
    uint64_t value;
};

static struct node nodes[NODES];
static uint32_t order[NODES];

int main(void)
{
    uint64_t seed = 0x5eed0005;
    uint64_t check = 0;
    uint64_t start = bench_ticks();

    for (uint32_t i = 0; i < NODES; i++)
        order[i] = i;
    for (uint32_t i = NODES - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(bench_rand(&seed) % (i + 1));
        uint32_t t = order[i]; order[i] = order[j]; order[j] = t;
    }
    for (uint32_t i = 0; i < NODES; i++) {
        struct node *n = &nodes[order[i]];
        n->next = i + 1 < NODES ? &nodes[order[i + 1]] : 0;
        n->value = bench_rand(&seed) & 0xffff;
    }
    struct node *head = &nodes[order[0]];

    for (int pass = 0; pass < PASSES; pass++) {
        uint64_t acc = (uint64_t)pass;
        long count = 0;
        for (struct node *n = head; n; n = n->next) {
            acc = acc * 31 + n->value;
            n->value = (n->value + (acc >> 7)) & 0xffff;
            count++;
        }
        check = bench_mix(check, acc);
        check = bench_mix(check, (uint64_t)count);

        /* Move every 64th node to the front: changes the walk without making it sequential. */
        struct node *prev = head;
        long k = 0;
        for (struct node *n = head->next; n; k++) {
            struct node *next = n->next;
            if ((k & 63) == (pass & 63)) {
                prev->next = next;
                n->next = head;
                head = n;
            } else {
                prev = n;
            }
            n = next;
        }
    }
    uint64_t end = bench_ticks();
    bench_report("int-list", start, end, check);
    return 0;
}
