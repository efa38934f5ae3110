/*
 * Integer benchmark: sorting. Each round fills an array with pseudo-random 32-bit keys, sorts one
 * copy with quicksort (median of three, Hoare partition) and another with a bottom-up merge sort,
 * and checks that both agree. The checksum folds the sorted keys of every round.
 */
#include "bench.h"

#define N      BENCH_SIZE(65536, 4096)
#define ROUNDS BENCH_SIZE(36, 4)

static uint32_t a[N], b[N], tmp[N];

static void quicksort(uint32_t *v, long lo, long hi)
{
    while (hi - lo > 16) {
        long mid = lo + (hi - lo) / 2;
        uint32_t t;
        if (v[mid] < v[lo]) { t = v[mid]; v[mid] = v[lo]; v[lo] = t; }
        if (v[hi] < v[lo]) { t = v[hi]; v[hi] = v[lo]; v[lo] = t; }
        if (v[hi] < v[mid]) { t = v[hi]; v[hi] = v[mid]; v[mid] = t; }
        uint32_t pivot = v[mid];
        long i = lo - 1, j = hi + 1;
        for (;;) {
            do i++; while (v[i] < pivot);
            do j--; while (v[j] > pivot);
            if (i >= j)
                break;
            t = v[i]; v[i] = v[j]; v[j] = t;
        }
        if (j - lo < hi - j) {
            quicksort(v, lo, j);
            lo = j + 1;
        } else {
            quicksort(v, j + 1, hi);
            hi = j;
        }
    }
    /* Insertion sort for the short ranges. */
    for (long i = lo + 1; i <= hi; i++) {
        uint32_t key = v[i];
        long j = i - 1;
        while (j >= lo && v[j] > key) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = key;
    }
}

/* Bottom-up merge sort, ping-ponging between v and scratch; the result ends in v. */
static void mergesort(uint32_t *v, uint32_t *scratch, long n)
{
    uint32_t *src = v, *dst = scratch;
    for (long width = 1; width < n; width *= 2) {
        for (long lo = 0; lo < n; lo += 2 * width) {
            long mid = lo + width < n ? lo + width : n;
            long hi = lo + 2 * width < n ? lo + 2 * width : n;
            long i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = src[j] < src[i] ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        uint32_t *t = src; src = dst; dst = t;
    }
    if (src != v)
        for (long i = 0; i < n; i++)
            v[i] = src[i];
}

int main(void)
{
    uint64_t seed = 0x5eed0001;
    uint64_t check = 0;
    uint64_t start = bench_ticks();
    for (int r = 0; r < ROUNDS; r++) {
        for (long i = 0; i < N; i++) {
            uint64_t x = bench_rand(&seed);
            /* Every fourth round has many duplicate keys. */
            a[i] = b[i] = (r & 3) == 3 ? (uint32_t)x % 1000u : (uint32_t)x;
        }
        quicksort(a, 0, N - 1);
        mergesort(b, tmp, N);
        uint64_t h = 0;
        for (long i = 0; i < N; i++) {
            if (a[i] != b[i] || (i > 0 && a[i - 1] > a[i]))
                h = 0xbad;
            h = h * 31 + a[i];
        }
        check = bench_mix(check, h);
    }
    uint64_t end = bench_ticks();
    bench_report("int-sort", start, end, check);
    return 0;
}
