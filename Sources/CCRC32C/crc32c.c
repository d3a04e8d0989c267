// CRC-32C for the wire frames. The crc32 instruction's latency is 3 cycles and its
// throughput 1 per cycle, so three independent streams over thirds of a block keep it busy;
// the three partial CRCs are joined by shifting each over the bytes that follow it
// (multiplication by x^(8·len) mod P, done with the same tables as the software path).
#include "crc32c.h"
#include <pthread.h>
#include <string.h>

#define POLY 0x82F63B78u  // Castagnoli, reflected

static uint32_t table[8][256];
static uint32_t shift_table[4][256];  // multiply by x^(8·BLOCK) mod P, one byte of the CRC at a time
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int hardware;

enum { BLOCK = 8192 };  // bytes per stream per round (a third of 24 KiB)

static uint32_t gf_multiply(uint32_t a, uint32_t b) {  // reflected: bit 31 is x^0
    uint32_t product = 0;
    for (int i = 0; i < 32; i++) {
        if (a & 0x80000000u) product ^= b;
        a <<= 1;
        b = (b >> 1) ^ ((b & 1) ? POLY : 0);
    }
    return product;
}

static uint32_t x_power_bytes(size_t n) {  // x^(8n) mod P, reflected
    uint32_t result = 0x80000000u, square = 0x00800000u;  // x^0, x^8
    while (n) {
        if (n & 1) result = gf_multiply(result, square);
        square = gf_multiply(square, square);
        n >>= 1;
    }
    return result;
}

static void init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
        table[0][i] = c;
    }
    for (int k = 1; k < 8; k++)
        for (int i = 0; i < 256; i++) table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xFF];
    uint32_t m = x_power_bytes(BLOCK);
    for (int byte = 0; byte < 4; byte++)
        for (uint32_t i = 0; i < 256; i++) shift_table[byte][i] = gf_multiply(m, i << (8 * byte));
#if defined(__x86_64__)
    __builtin_cpu_init();
    hardware = __builtin_cpu_supports("sse4.2") != 0;
#endif
}

static uint32_t shift_block(uint32_t crc) {
    return shift_table[0][crc & 0xFF] ^ shift_table[1][(crc >> 8) & 0xFF] ^ shift_table[2][(crc >> 16) & 0xFF] ^ shift_table[3][crc >> 24];
}

static uint32_t software(uint32_t c, const uint8_t *p, size_t n) {
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint32_t lo = c ^ (uint32_t)w, hi = (uint32_t)(w >> 32);
        c = table[7][lo & 0xFF] ^ table[6][(lo >> 8) & 0xFF] ^ table[5][(lo >> 16) & 0xFF] ^ table[4][lo >> 24]
          ^ table[3][hi & 0xFF] ^ table[2][(hi >> 8) & 0xFF] ^ table[1][(hi >> 16) & 0xFF] ^ table[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--) c = table[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c;
}

#if defined(__x86_64__)
// Three crc32 streams over thirds of each round, then the tail one word at a time. With
// `copy` (a constant at both call sites, so each gets its own loop), every word read is also
// stored into `dst`: the copy rides along with the checksum's loads instead of being a
// second pass over memory.
__attribute__((target("sse4.2"), always_inline))
static inline uint32_t streams(uint32_t c, uint8_t *dst, const uint8_t *p, size_t n, const int copy) {
    while (n >= 3 * BLOCK) {
        uint64_t a = c, b = 0, d = 0;
        const uint8_t *q = p + BLOCK, *r = p + 2 * BLOCK;
        for (size_t i = 0; i < BLOCK; i += 8) {
            uint64_t x, y, z;
            memcpy(&x, p + i, 8);
            memcpy(&y, q + i, 8);
            memcpy(&z, r + i, 8);
            if (copy) {
                memcpy(dst + i, &x, 8);
                memcpy(dst + BLOCK + i, &y, 8);
                memcpy(dst + 2 * BLOCK + i, &z, 8);
            }
            a = __builtin_ia32_crc32di(a, x);
            b = __builtin_ia32_crc32di(b, y);
            d = __builtin_ia32_crc32di(d, z);
        }
        // crc(A‖B‖C) = shift(shift(crc A) ^ crc B) ^ crc C, with crc B and C started at 0.
        c = shift_block(shift_block((uint32_t)a) ^ (uint32_t)b) ^ (uint32_t)d;
        p += 3 * BLOCK;
        if (copy) dst += 3 * BLOCK;
        n -= 3 * BLOCK;
    }
    if (copy) memcpy(dst, p, n);
    uint64_t c64 = c;
    while (n >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        c64 = __builtin_ia32_crc32di(c64, x);
        p += 8;
        n -= 8;
    }
    c = (uint32_t)c64;
    while (n--) c = __builtin_ia32_crc32qi(c, *p++);
    return c;
}

__attribute__((target("sse4.2")))
static uint32_t accelerated(uint32_t c, const uint8_t *p, size_t n) { return streams(c, NULL, p, n, 0); }

__attribute__((target("sse4.2")))
static uint32_t accelerated_copy(uint32_t c, uint8_t *dst, const uint8_t *p, size_t n) { return streams(c, dst, p, n, 1); }
#endif

uint32_t nr_crc32c_copy(uint32_t crc, void *dst, const void *src, size_t n) {
    pthread_once(&once, init);
    uint32_t c = ~crc;
#if defined(__x86_64__)
    if (hardware) return ~accelerated_copy(c, (uint8_t *)dst, (const uint8_t *)src, n);
#endif
    memcpy(dst, src, n);
    return ~software(c, (const uint8_t *)src, n);
}

uint32_t nr_crc32c(uint32_t crc, const void *data, size_t n) {
    pthread_once(&once, init);
    uint32_t c = ~crc;
#if defined(__x86_64__)
    if (hardware) return ~accelerated(c, (const uint8_t *)data, n);
#endif
    return ~software(c, (const uint8_t *)data, n);
}

int nr_crc32c_hardware(void) {
    pthread_once(&once, init);
    return hardware;
}
