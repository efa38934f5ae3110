/*
 * VMSAv8-64 stage 1 descriptors with the 4 KiB granule, for the test programs that turn the MMU on (ARM DDI 0487
 * D8.3): descriptor types, AP[2:1], the access flag, PXN/UXN, and the two memory types the programs use with
 * MAIR_EL1 = 0xff00 (attribute 0 Device-nGnRnE, attribute 1 Normal write-back). Header-only.
 */
#ifndef CAPTIVE_GUEST_PAGETABLES_H
#define CAPTIVE_GUEST_PAGETABLES_H

#include <stdint.h>

#define PAGE 4096ul

#define TABLE 3ul                       /* levels 0-2: next-level table */
#define BLOCK 1ul                       /* levels 1-2: block */
#define PAGEDESC 3ul                    /* level 3: page */
#define ATTR(i) ((uint64_t)(i) << 2)    /* AttrIndx */
#define AP_EL1_RW (0ul << 6)
#define AP_RW (1ul << 6)
#define AP_EL1_RO (2ul << 6)
#define AP_RO (3ul << 6)
#define SH_INNER (3ul << 8)
#define AF (1ul << 10)
#define PXN (1ul << 53)
#define UXN (1ul << 54)
#define NORMAL (ATTR(1) | SH_INNER | AF)
#define DEVICE (ATTR(0) | AF | PXN | UXN)

#endif
