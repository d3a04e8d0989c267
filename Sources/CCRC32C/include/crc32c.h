#ifndef NANOREASONER_CRC32C_H
#define NANOREASONER_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli) of `n` bytes, continuing from `crc` (0 to start): the SSE4.2
/// crc32 instruction when the CPU has it, else a slicing-by-8 table.
uint32_t nr_crc32c(uint32_t crc, const void *data, size_t n);

/// Copies `n` bytes from `src` to `dst` (not overlapping) and returns their CRC-32C,
/// continuing from `crc`: one pass over the memory where a copy and a checksum take two.
uint32_t nr_crc32c_copy(uint32_t crc, void *dst, const void *src, size_t n);

/// 1 when nr_crc32c runs on the CPU's crc32 instruction.
int nr_crc32c_hardware(void);

#endif
