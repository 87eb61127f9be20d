/* siphash.h: SipHash-2-4, a keyed hash: recognises a repeat caller or
 * enterprise from its phone or credit code without storing either (only the
 * 64-bit keyed hash, under a secret key from configuration). Pure. */
#ifndef HL_SIPHASH_H
#define HL_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* @returns SipHash-2-4 of in[0..len) under the 128-bit key k[2]. */
uint64_t hl_siphash(const uint64_t k[2], const void *in, size_t len);

/* Derives a 128-bit key from a secret string (any length). */
void hl_siphash_key(const char *secret, uint64_t k[2]);

#endif
