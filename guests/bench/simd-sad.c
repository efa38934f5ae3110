/*
 * SIMD benchmark: global motion search by sum of absolute differences over 8-bit frames (gcc
 * vectorises the row SAD at -O3: absolute differences and widening pairwise adds). The current
 * 256 x 256 frame is compared with the reference frame at every displacement in a +/-8 window;
 * the best displacement and its SAD go into the checksum. As in video encoders, the reference is
 * kept as 16 planes shifted by 0..15 bytes, so every row compared starts 16-byte aligned (the
 * guests run with the MMU off, where unaligned accesses are not allowed: -mstrict-align).
 */
#include "bench.h"

#define W      256
#define H      256
#define RANGE  8
#define PW     (W + 32)         /* plane row: columns -16 .. W + 15 of the frame */
#define PH     (H + 2 * RANGE)  /* plane rows: rows -RANGE .. H + RANGE - 1 */
#define ROUNDS BENCH_SIZE(16, 1)

static uint8_t cur[H][W] __attribute__((aligned(16)));
static uint8_t frame[PH][PW + 16];
static uint8_t planes[16][PH][PW] __attribute__((aligned(16)));

static unsigned row_sad(const uint8_t *restrict a, const uint8_t *restrict b)
{
    unsigned s = 0;
    for (int x = 0; x < W; x++) {
        int d = a[x] - b[x];
        s += d < 0 ? -d : d;
    }
    return s;
}

/* SAD of the current frame against the reference moved by (dx, dy). */
static unsigned frame_sad(int dx, int dy)
{
    int col = 16 + dx; /* plane column of the frame's column 0 */
    const uint8_t (*plane)[PW] = planes[col & 15];
    unsigned s = 0;
    for (int y = 0; y < H; y++)
        s += row_sad(cur[y], &plane[y + RANGE + dy][col & ~15]);
    return s;
}

int main(void)
{
    uint64_t seed = 0x5eed000d;
    /* A textured reference frame: gradients and noise. */
    for (int y = 0; y < PH; y++)
        for (int x = 0; x < PW + 16; x++)
            frame[y][x] = (uint8_t)((x * 3 + y * 5 + ((x * y) >> 4)) ^ ((uint8_t)bench_rand(&seed) >> 4));
    for (int s = 0; s < 16; s++)
        for (int y = 0; y < PH; y++)
            for (int x = 0; x < PW; x++)
                planes[s][y][x] = frame[y][x + s];

    uint64_t check = 0;
    uint64_t start = bench_ticks();
    for (int r = 0; r < ROUNDS; r++) {
        /* The current frame: the reference moved by (r % 7 - 3, r % 5 - 2), plus noise. */
        int mx = r % 7 - 3, my = r % 5 - 2;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x += 8) {
                uint64_t noise = bench_rand(&seed);
                for (int k = 0; k < 8; k++)
                    cur[y][x + k] = (uint8_t)(frame[y + RANGE + my][x + k + 16 + mx] + ((noise >> (8 * k)) & 3));
            }
        unsigned best = ~0u;
        int best_dx = 0, best_dy = 0;
        for (int dy = -RANGE; dy <= RANGE; dy++)
            for (int dx = -RANGE; dx <= RANGE; dx++) {
                unsigned s = frame_sad(dx, dy);
                check = bench_mix(check, s);
                if (s < best) {
                    best = s;
                    best_dx = dx;
                    best_dy = dy;
                }
            }
        check = bench_mix(check, (uint64_t)best << 16 | (uint64_t)(best_dy + RANGE) << 8 | (uint64_t)(best_dx + RANGE));
    }
    uint64_t end = bench_ticks();
    bench_report("simd-sad", start, end, check);
    return 0;
}
