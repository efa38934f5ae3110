/* The program's own string and memory routines, with their results printed. */
#include "support.h"

static size_t my_strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

static int my_strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

static int my_strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b || !*a)
            return (int)(unsigned char)*a - (int)(unsigned char)*b;
    }
    return 0;
}

static char *my_strcpy(char *dst, const char *src)
{
    char *d = dst;
    while ((*d++ = *src++))
        ;
    return dst;
}

static char *my_strcat(char *dst, const char *src)
{
    my_strcpy(dst + my_strlen(dst), src);
    return dst;
}

static const char *my_strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return s;
        if (!*s)
            return 0;
    }
}

static void *my_memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

static void *my_memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

static void *my_memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        d += n;
        s += n;
        while (n--)
            *--d = *--s;
    }
    return dst;
}

static int sign(int v)
{
    return v < 0 ? -1 : v > 0 ? 1 : 0;
}

static char buf[128];
static char big[300];

int main(void)
{
    const char *hello = "Hello, AArch64!";
    kprintf("strlen(\"%s\")=%u\n", hello, (unsigned)my_strlen(hello));
    kprintf("strlen(\"\")=%u\n", (unsigned)my_strlen(""));

    kprintf("strcmp(abc,abc)=%d strcmp(abc,abd)=%d strcmp(abd,abc)=%d strcmp(ab,abc)=%d\n",
            sign(my_strcmp("abc", "abc")), sign(my_strcmp("abc", "abd")),
            sign(my_strcmp("abd", "abc")), sign(my_strcmp("ab", "abc")));
    kprintf("strcmp(\\xff,a)=%d (unsigned chars)\n", sign(my_strcmp("\xff", "a")));
    kprintf("strncmp(abcdef,abcxyz,3)=%d strncmp(abcdef,abcxyz,4)=%d\n",
            my_strncmp("abcdef", "abcxyz", 3), sign(my_strncmp("abcdef", "abcxyz", 4)));

    my_strcpy(buf, "captive");
    my_strcat(buf, " says ");
    my_strcat(buf, hello);
    kprintf("strcpy+strcat: \"%s\" len=%u\n", buf, (unsigned)my_strlen(buf));
    const char *comma = my_strchr(buf, ',');
    kprintf("strchr(',') at %d, strchr('z') %s\n", (int)(comma - buf), my_strchr(buf, 'z') ? "found" : "null");

    for (int i = 0; i < 256; i++)
        big[i] = (char)i;
    my_memcpy(big + 260, "tail", 5);
    unsigned sum = 0;
    for (int i = 0; i < 256; i++)
        sum += (unsigned char)big[i];
    kprintf("memcpy: \"%s\" byte sum=%u\n", big + 260, sum);

    my_memset(buf, 'x', 10);
    buf[10] = 0;
    kprintf("memset: \"%s\"\n", buf);
    my_memset(big, 0, 256);
    sum = 0;
    for (int i = 0; i < 256; i++)
        sum += (unsigned char)big[i];
    kprintf("memset zero: sum=%u\n", sum);

    my_strcpy(buf, "0123456789");
    my_memmove(buf + 2, buf, 6);
    kprintf("memmove forward overlap: \"%s\"\n", buf);
    my_strcpy(buf, "0123456789");
    my_memmove(buf, buf + 3, 7);
    kprintf("memmove backward overlap: \"%s\"\n", buf);

    /* Unaligned copies of every length up to 32 at every alignment up to 8. */
    unsigned errors = 0;
    for (int len = 0; len <= 32; len++)
        for (int src = 0; src < 8; src++)
            for (int dst = 0; dst < 8; dst++) {
                for (int i = 0; i < 64; i++) {
                    big[i] = (char)(i + 1);
                    big[100 + i] = 0;
                }
                my_memcpy(big + 100 + dst, big + src, (size_t)len);
                for (int i = 0; i < len; i++)
                    if (big[100 + dst + i] != (char)(src + i + 1))
                        errors++;
                if (big[100 + dst + len] != 0)
                    errors++;
            }
    kprintf("unaligned memcpy errors=%u\n", errors);

    kprintf("DONE\n");
    return 0;
}
