/* Quick sort and insertion sort on the same LCG-generated data; both must agree. */
#include "support.h"

#define N 2000

static uint32_t a[N], b[N];
static int32_t s[64];
static uint32_t lcg_state = 12345;

static uint32_t lcg(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state;
}

static void swap(uint32_t *x, uint32_t *y)
{
    uint32_t t = *x;
    *x = *y;
    *y = t;
}

/* Hoare partition with a median-of-three pivot; recurse on the smaller side. */
static void quicksort(uint32_t *v, int lo, int hi)
{
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo]) swap(&v[mid], &v[lo]);
        if (v[hi] < v[lo]) swap(&v[hi], &v[lo]);
        if (v[hi] < v[mid]) swap(&v[hi], &v[mid]);
        uint32_t pivot = v[mid];
        int i = lo - 1, j = hi + 1;
        for (;;) {
            do i++; while (v[i] < pivot);
            do j--; while (v[j] > pivot);
            if (i >= j)
                break;
            swap(&v[i], &v[j]);
        }
        if (j - lo < hi - j) {
            quicksort(v, lo, j);
            lo = j + 1;
        } else {
            quicksort(v, j + 1, hi);
            hi = j;
        }
    }
}

static void insertion_sort(uint32_t *v, int n)
{
    for (int i = 1; i < n; i++) {
        uint32_t key = v[i];
        int j = i - 1;
        while (j >= 0 && v[j] > key) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = key;
    }
}

static void insertion_sort_signed(int32_t *v, int n)
{
    for (int i = 1; i < n; i++) {
        int32_t key = v[i];
        int j = i - 1;
        while (j >= 0 && v[j] > key) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = key;
    }
}

static int is_sorted(const uint32_t *v, int n)
{
    for (int i = 1; i < n; i++)
        if (v[i - 1] > v[i])
            return 0;
    return 1;
}

/* FNV-1a over the 32-bit values. */
static uint32_t checksum(const uint32_t *v, int n)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; i++)
        h = (h ^ v[i]) * 16777619u;
    return h;
}

int main(void)
{
    for (int i = 0; i < N; i++)
        a[i] = b[i] = lcg() % 100000u;
    kprintf("sort: n=%d unsorted checksum=0x%08x\n", N, checksum(a, N));

    quicksort(a, 0, N - 1);
    insertion_sort(b, N);
    kprintf("quicksort sorted=%d\n", is_sorted(a, N));
    kprintf("insertion sorted=%d\n", is_sorted(b, N));
    kprintf("same=%d\n", memcmp(a, b, sizeof(a)) == 0);
    kprintf("min=%u median=%u max=%u\n", a[0], a[N / 2], a[N - 1]);
    kprintf("sorted checksum=0x%08x\n", checksum(a, N));

    for (int i = 0; i < 64; i++)
        s[i] = (int32_t)lcg() >> 8;
    insertion_sort_signed(s, 64);
    kprintf("signed: first=%d %d %d last=%d %d %d\n", s[0], s[1], s[2], s[61], s[62], s[63]);

    kprintf("DONE\n");
    return 0;
}
