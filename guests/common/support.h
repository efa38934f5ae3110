/*
 * Libc-free support for the Captive.Sdk guest programs: PL011 output and a tiny printf.
 * Everything is integer-only (the programs are built with -mgeneral-regs-only).
 */
#ifndef CAPTIVE_GUEST_SUPPORT_H
#define CAPTIVE_GUEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Writes one byte to the 'virt' board's PL011 (0x0900_0000). */
void uart_putc(char c);
/* Writes a NUL-terminated string, no newline added. */
void uart_puts(const char *s);

/*
 * printf subset: %d %i %u %x %X %c %s %p %%, the length modifiers l and ll, a field width
 * and the 0 flag (for example %08x, %-6d is not supported). Returns nothing.
 */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);

/* The compiler may emit calls to these even in freestanding code (struct copies, zeroing). */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Keeps the compiler from folding a value known at compile time. */
#define OPAQUE(x) ({ __auto_type _v = (x); __asm__ volatile("" : "+r"(_v)); _v; })

#endif
