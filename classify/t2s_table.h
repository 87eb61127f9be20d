/* t2s_table.h: traditional -> simplified Chinese, one character at a time
 * (generated from OpenCC by scripts/gen-t2s-table). */
#ifndef HL_T2S_TABLE_H
#define HL_T2S_TABLE_H

#include <stddef.h>
#include <stdint.h>

extern const uint16_t hl_t2s_pairs[][2];
extern const size_t hl_t2s_pair_count;

#endif
