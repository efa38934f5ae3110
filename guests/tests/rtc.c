/*
 * The PL031 real-time clock at 0x0901_0000: its identification, that it runs (RTCCR reads 1), that RTCDR holds a
 * plausible UTC time, that a load through RTCLR sets the count, and the match interrupt's raw and masked status.
 * The clock is the host's, so only facts that hold on any day are printed.
 */
#include "support.h"

#define RTC 0x09010000ul
#define REG(off) (*(volatile uint32_t *)(RTC + (off)))
#define DR 0x00
#define MR 0x04
#define LR 0x08
#define CR 0x0c
#define IMSC 0x10
#define RIS 0x14
#define MIS 0x18
#define ICR 0x1c

static const char *yes(int c) { return c ? "yes" : "no"; }

int main(void)
{
    kprintf("PeriphID %x %x %x %x, PCellID %x %x %x %x\n", REG(0xfe0), REG(0xfe4), REG(0xfe8), REG(0xfec),
        REG(0xff0), REG(0xff4), REG(0xff8), REG(0xffc));
    kprintf("RTCCR %u\n", REG(CR));
    uint32_t now = REG(DR);
    kprintf("RTCDR after 2020-01-01: %s\n", yes(now > 1577836800u));

    REG(LR) = 1000;
    uint32_t loaded = REG(DR);
    kprintf("after RTCLR = 1000: RTCDR 1000 or 1001: %s, RTCLR reads %u\n", yes(loaded == 1000 || loaded == 1001), REG(LR));

    REG(IMSC) = 0;
    REG(MR) = REG(DR) + 1000;   /* far in the future */
    kprintf("match in the future: RIS %u, MIS %u\n", REG(RIS), REG(MIS));

    /* A match at the current second interrupts at once (retried if the second changed in between). */
    int matched = 0;
    for (int tries = 0; tries < 10 && !matched; tries++) {
        uint32_t d = REG(DR);
        REG(MR) = d;
        if (REG(DR) == d) matched = 1;
    }
    kprintf("match at the current second: RIS %u, MIS %u (masked)\n", REG(RIS), REG(MIS));
    REG(IMSC) = 1;
    kprintf("unmasked: MIS %u, IMSC %u\n", REG(MIS), REG(IMSC));
    REG(ICR) = 1;
    kprintf("cleared: RIS %u, MIS %u\n", REG(RIS), REG(MIS));
    REG(IMSC) = 0;
    kprintf("DONE\n");
    return 0;
}
