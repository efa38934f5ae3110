/*
 * Native x86-64 stand-in for guests/common/support.h: the benchmark programs include
 * "support.h", and the native build (guests/bench/build.sh) puts this directory first on the
 * include path. kprintf is the C library's printf (same format subset); bench_ticks and
 * bench_freq come from shim.c.
 */
#ifndef CAPTIVE_BENCH_NATIVE_SUPPORT_H
#define CAPTIVE_BENCH_NATIVE_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Keeps the compiler from folding a value known at compile time. */
#define OPAQUE(x) ({ __auto_type _v = (x); __asm__ volatile("" : "+r"(_v)); _v; })

#endif
