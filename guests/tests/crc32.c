/* CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320) computed bit by bit and with a table. */
#include "support.h"

#define BUF_SIZE 8192

static uint32_t table[256];
static uint8_t buf[BUF_SIZE];

static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffffu;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void build_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
        table[i] = c;
    }
}

/* Continues a CRC: pass 0 to start. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

int main(void)
{
    static const char check[] = "123456789";
    build_table();
    kprintf("crc32: table[1]=0x%08x table[255]=0x%08x\n", table[1], table[255]);

    uint32_t bit = crc32_bitwise((const uint8_t *)check, 9);
    uint32_t tab = crc32_update(0, (const uint8_t *)check, 9);
    kprintf("crc32(\"123456789\") bitwise=0x%08x table=0x%08x %s\n", bit, tab,
            bit == 0xcbf43926u && tab == 0xcbf43926u ? "ok" : "WRONG");
    kprintf("crc32(\"\")=0x%08x\n", crc32_update(0, (const uint8_t *)check, 0));

    uint32_t x = 1;
    for (int i = 0; i < BUF_SIZE; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    uint32_t whole_bit = crc32_bitwise(buf, BUF_SIZE);
    uint32_t whole_tab = crc32_update(0, buf, BUF_SIZE);
    uint32_t pieces = 0;
    for (int off = 0; off < BUF_SIZE; off += 1000)
        pieces = crc32_update(pieces, buf + off, BUF_SIZE - off < 1000 ? BUF_SIZE - off : 1000);
    kprintf("buffer %d bytes: bitwise=0x%08x table=0x%08x pieces=0x%08x %s\n", BUF_SIZE,
            whole_bit, whole_tab, pieces,
            whole_bit == whole_tab && whole_tab == pieces ? "ok" : "WRONG");

    kprintf("DONE\n");
    return 0;
}
