/* Content digests (sha256, sha512) through libcrypto EVP, streaming verification. */
#ifndef KEEL_DIGEST_H
#define KEEL_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The algorithms keel can compute: the ones image-spec descriptor.md registers
 * and libcrypto provides. */
enum digest_algorithm
{
  DIGEST_SHA256,
  DIGEST_SHA512,
};

/* Longest encoded part (sha512: 128 hex digits) and longest "algorithm:encoded" string, without the NUL. */
#define DIGEST_HEX_MAX 128
#define DIGEST_STRING_MAX (sizeof ("sha512:") - 1 + DIGEST_HEX_MAX)

/* A parsed, validated digest. Plain value: no memory to free, copy with `=`. */
struct digest
{
  enum digest_algorithm algorithm;
  char hex[DIGEST_HEX_MAX + 1]; /* the encoded part: lowercase hex, length digest_hex_len (algorithm) */
};

/* "sha256" / "sha512". */
const char *digest_algorithm_name (enum digest_algorithm a);
/* By name; -1 with `unsupported digest algorithm "md5"` for anything else. */
int digest_algorithm_from_name (const char *name, enum digest_algorithm *out, keel_error **err);
/* Number of hex digits of the encoded part (64 / 128). */
size_t digest_hex_len (enum digest_algorithm a);

/* true when S matches the general grammar of image-spec descriptor.md "Digests"
 * (algorithm-component ([+._-] algorithm-component)* ":" [a-zA-Z0-9=_-]+),
 * whatever the algorithm. */
bool digest_grammar_valid (const char *s);

/* Parse and validate "algorithm:encoded". Errors (no prefix; callers add where the digest came from):
 *   invalid digest "x": <why>                      (grammar, or a registered algorithm's encoding rule)
 *   unsupported digest algorithm "blake3" in "blake3:..." (valid grammar, an algorithm keel cannot compute) */
int digest_parse (const char *s, struct digest *out, keel_error **err);

/* "algorithm:hex" into BUF (at least DIGEST_STRING_MAX + 1 bytes); returns BUF. */
char *digest_format (const struct digest *d, char *buf);
/* Same, malloc'd (NULL on ENOMEM). */
char *digest_to_string (const struct digest *d);
bool digest_equal (const struct digest *a, const struct digest *b);

/* Lowercase hex of LEN bytes into OUT (at least 2 * LEN + 1 bytes, NUL-terminated). */
void digest_hex (const unsigned char *bin, size_t len, char *out);

/* One-shot: *out = malloc'd "algorithm:hex" of BUF. */
int digest_compute (enum digest_algorithm algo, const void *buf, size_t len, char **out, keel_error **err);

/* Streaming hash with no expectation (e.g. diff_ids of a decompressed layer, a blob pushed into the store). */
struct digest_hasher;
struct digest_hasher *digest_hasher_new (enum digest_algorithm algo, keel_error **err);
int digest_hasher_update (struct digest_hasher *h, const void *buf, size_t len, keel_error **err);
/* *out = malloc'd "algorithm:hex". The hasher cannot be updated afterwards. */
int digest_hasher_finish (struct digest_hasher *h, char **out, keel_error **err);
/* Bytes fed so far. */
uint64_t digest_hasher_bytes (const struct digest_hasher *h);
void digest_hasher_free (struct digest_hasher *h);
void digest_hasher_freep (struct digest_hasher **h);
#define _cleanup_digest_hasher_ __attribute__ ((cleanup (digest_hasher_freep)))

/* Streaming verification against an expected digest (and optionally a size), for
 * blobs written while they download. */
struct digest_verifier;
/* EXPECTED is parsed with digest_parse. */
struct digest_verifier *digest_verifier_new (const char *expected, keel_error **err);
/* Also require exactly SIZE bytes: update fails as soon as more arrive
 * ("blob sha256:…: more than the expected N bytes"), finish when fewer did. */
void digest_verifier_expect_size (struct digest_verifier *v, uint64_t size);
int digest_verifier_update (struct digest_verifier *v, const void *buf, size_t len, keel_error **err);
/* 0 when the content matches. Otherwise -1 with
 *   "digest mismatch: expected sha256:<hex>, got sha256:<hex>"  or
 *   "size mismatch for sha256:<hex>: expected N bytes, got M".
 * *actual (may be NULL) gets the malloc'd computed digest in both cases. */
int digest_verifier_finish (struct digest_verifier *v, char **actual, keel_error **err);
uint64_t digest_verifier_bytes (const struct digest_verifier *v);
void digest_verifier_free (struct digest_verifier *v);
void digest_verifier_freep (struct digest_verifier **v);
#define _cleanup_digest_verifier_ __attribute__ ((cleanup (digest_verifier_freep)))

#endif
