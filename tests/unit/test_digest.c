/* Unit tests for spec/digest.c: grammar, registered algorithms, vectors, streaming verification. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "digest.h"
#include "tap.h"

#define SHA256_ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA256_EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA256_FOX "sha256:d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
#define SHA512_ABC                                                                                                     \
  "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd4"           \
  "54d4423643ce80e2a9ac94fa54ca49f"
#define SHA512_EMPTY                                                                                                   \
  "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f6"           \
  "3b931bd47417a81a538327af927da3e"
#define FOX "The quick brown fox jumps over the lazy dog"

static void test_parse_valid (void)
{
  struct digest d;
  char buf[DIGEST_STRING_MAX + 1];
  keel_error *err = NULL;

  tap_ok (digest_parse (SHA256_ABC, &d, &err) == 0 && d.algorithm == DIGEST_SHA256, "parse sha256");
  tap_is (digest_format (&d, buf), SHA256_ABC, "format round-trips sha256");
  tap_ok (digest_parse (SHA512_ABC, &d, &err) == 0 && d.algorithm == DIGEST_SHA512, "parse sha512");
  tap_is (digest_format (&d, buf), SHA512_ABC, "format round-trips sha512");
  tap_ok (strlen (d.hex) == digest_hex_len (DIGEST_SHA512), "sha512 hex is 128 digits");
  _cleanup_free_ char *s = digest_to_string (&d);
  tap_is (s, SHA512_ABC, "digest_to_string");
  struct digest e;
  digest_parse (SHA256_ABC, &e, &err);
  tap_ok (!digest_equal (&d, &e), "sha512 != sha256");
  struct digest f = e;
  tap_ok (digest_equal (&f, &e), "copies are equal");
  tap_ok (err == NULL, "no error set on success");
}

static void expect_parse_error (const char *s, const char *want)
{
  struct digest d;
  keel_error *err = NULL;
  int r = digest_parse (s, &d, &err);
  tap_ok (r == -1, "reject \"%s\"", s);
  tap_is (err ? err->msg : NULL, want, "message for \"%s\"", s);
  keel_error_free (err);
}

static void test_parse_invalid (void)
{
  expect_parse_error ("", "invalid digest \"\": expected algorithm:encoded");
  expect_parse_error ("ba7816bf", "invalid digest \"ba7816bf\": expected algorithm:encoded");
  expect_parse_error ("sha256:",
                      "invalid digest \"sha256:\": does not match algorithm:encoded of image-spec descriptor.md");
  expect_parse_error (":abc", "invalid digest \":abc\": does not match algorithm:encoded of image-spec descriptor.md");
  expect_parse_error ("SHA256:abc",
                      "invalid digest \"SHA256:abc\": does not match algorithm:encoded of image-spec descriptor.md");
  expect_parse_error ("sha256+:abc",
                      "invalid digest \"sha256+:abc\": does not match algorithm:encoded of image-spec descriptor.md");
  expect_parse_error (
      "sha256:abc def",
      "invalid digest \"sha256:abc def\": does not match algorithm:encoded of image-spec descriptor.md");
  expect_parse_error ("sha256:abc", "invalid digest \"sha256:abc\": sha256 needs 64 hex digits, got 3");
  expect_parse_error ("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
                      "invalid digest \"sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\": "
                      "sha256 needs lowercase hex digits");
  expect_parse_error ("sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                      "invalid digest \"sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\": "
                      "sha512 needs 128 hex digits, got 64");
  expect_parse_error ("md5:900150983cd24fb0d6963f7d28e17f72",
                      "unsupported digest algorithm \"md5\" in \"md5:900150983cd24fb0d6963f7d28e17f72\" "
                      "(supported: sha256, sha512)");
  expect_parse_error (
      "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
      "unsupported digest algorithm \"multihash+base58\" in "
      "\"multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8\" (supported: sha256, sha512)");
}

static void test_grammar (void)
{
  tap_ok (digest_grammar_valid ("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"),
          "grammar: multihash+base58 (descriptor.md example)");
  tap_ok (digest_grammar_valid ("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564"), "grammar: sha256+b64u");
  tap_ok (digest_grammar_valid ("a.b_c-d:X=="), "grammar: every separator and = in encoded");
  tap_ok (!digest_grammar_valid ("a..b:x"), "grammar: two separators in a row");
  tap_ok (!digest_grammar_valid ("a:x/y"), "grammar: / not allowed in encoded");
  tap_ok (!digest_grammar_valid (NULL), "grammar: NULL");
  enum digest_algorithm a;
  keel_error *err = NULL;
  tap_ok (digest_algorithm_from_name ("sha512", &a, &err) == 0 && a == DIGEST_SHA512, "algorithm by name");
  tap_ok (digest_algorithm_from_name ("sha1", &a, &err) == -1, "sha1 unsupported");
  tap_is (err ? err->msg : NULL, "unsupported digest algorithm \"sha1\"", "sha1 message");
  keel_error_free (err);
}

static void check_compute (enum digest_algorithm a, const char *in, const char *want)
{
  _cleanup_free_ char *out = NULL;
  keel_error *err = NULL;
  tap_ok (digest_compute (a, in, strlen (in), &out, &err) == 0, "compute %s(\"%s\")", digest_algorithm_name (a), in);
  tap_is (out, want, "%s(\"%s\")", digest_algorithm_name (a), in);
}

static void test_vectors (void)
{
  check_compute (DIGEST_SHA256, "abc", SHA256_ABC);
  check_compute (DIGEST_SHA256, "", SHA256_EMPTY);
  check_compute (DIGEST_SHA256, FOX, SHA256_FOX);
  check_compute (DIGEST_SHA512, "abc", SHA512_ABC);
  check_compute (DIGEST_SHA512, "", SHA512_EMPTY);

  char hex[9];
  const unsigned char bin[] = { 0x00, 0x0f, 0xa5, 0xff };
  digest_hex (bin, sizeof (bin), hex);
  tap_is (hex, "000fa5ff", "digest_hex");
}

/* Feeding the same bytes in chunks of any size gives the one-shot digest. */
static void test_streaming (void)
{
  size_t len = 100000;
  _cleanup_free_ unsigned char *buf = malloc (len);
  const size_t chunks[] = { 1, 3, 7, 63, 64, 65, 4096, 99999 };
  keel_error *err = NULL;

  for (size_t i = 0; i < len; i++)
    buf[i] = (unsigned char)(i * 31 + 7);
  for (int a = DIGEST_SHA256; a <= DIGEST_SHA512; a++)
    {
      _cleanup_free_ char *oneshot = NULL;
      digest_compute (a, buf, len, &oneshot, &err);
      for (size_t c = 0; c < sizeof (chunks) / sizeof (chunks[0]); c++)
        {
          _cleanup_digest_verifier_ struct digest_verifier *v = digest_verifier_new (oneshot, &err);
          _cleanup_free_ char *actual = NULL;
          int ok = v != NULL;
          digest_verifier_expect_size (v, len);
          for (size_t off = 0; ok && off < len; off += chunks[c])
            ok = digest_verifier_update (v, buf + off, off + chunks[c] > len ? len - off : chunks[c], &err) == 0;
          ok = ok && digest_verifier_finish (v, &actual, &err) == 0;
          tap_ok (ok && strcmp (actual, oneshot) == 0 && digest_verifier_bytes (v) == len,
                  "%s streamed in chunks of %zu equals one-shot", digest_algorithm_name (a), chunks[c]);
        }
    }
  tap_ok (err == NULL, "no errors while streaming");
}

static void test_hasher (void)
{
  keel_error *err = NULL;
  _cleanup_digest_hasher_ struct digest_hasher *h = digest_hasher_new (DIGEST_SHA256, &err);
  _cleanup_free_ char *out = NULL;

  digest_hasher_update (h, "The quick brown ", 16, &err);
  digest_hasher_update (h, "fox jumps over the lazy dog", 27, &err);
  tap_ok (digest_hasher_bytes (h) == 43, "hasher counts bytes");
  tap_ok (digest_hasher_finish (h, &out, &err) == 0, "hasher finish");
  tap_is (out, SHA256_FOX, "hasher result");
  tap_ok (digest_hasher_update (h, "x", 1, &err) == -1, "update after finish fails");
  tap_is (err ? err->msg : NULL, "digest: update after finish: Invalid argument", "update after finish message");
  keel_error_free (err);
}

static void test_mismatch (void)
{
  keel_error *err = NULL;
  _cleanup_free_ char *actual = NULL;

  _cleanup_digest_verifier_ struct digest_verifier *v = digest_verifier_new (SHA256_ABC, &err);
  digest_verifier_update (v, "abd", 3, &err);
  tap_ok (digest_verifier_finish (v, &actual, &err) == -1, "wrong content is rejected");
  tap_like (err ? err->msg : NULL,
            "digest mismatch: expected " SHA256_ABC ", got sha256:", "mismatch names both digests");
  tap_ok (actual != NULL && strncmp (actual, "sha256:", 7) == 0 && strcmp (actual, SHA256_ABC) != 0,
          "actual digest returned on mismatch");
  keel_error_free (err);
  err = NULL;

  _cleanup_digest_verifier_ struct digest_verifier *w = digest_verifier_new (SHA256_ABC, &err);
  digest_verifier_expect_size (w, 3);
  tap_ok (digest_verifier_update (w, "ab", 2, &err) == 0, "within size");
  tap_ok (digest_verifier_update (w, "cd", 2, &err) == -1, "past the size fails at once");
  tap_is (err ? err->msg : NULL, "blob " SHA256_ABC ": more than the expected 3 bytes", "oversize message");
  keel_error_free (err);
  err = NULL;

  _cleanup_digest_verifier_ struct digest_verifier *x = digest_verifier_new (SHA256_ABC, &err);
  digest_verifier_expect_size (x, 4);
  digest_verifier_update (x, "abc", 3, &err);
  tap_ok (digest_verifier_finish (x, NULL, &err) == -1, "short content is rejected");
  tap_is (err ? err->msg : NULL, "size mismatch for " SHA256_ABC ": expected 4 bytes, got 3", "short message");
  keel_error_free (err);
  err = NULL;

  tap_ok (digest_verifier_new ("sha256:nothex", &err) == NULL, "verifier refuses a bad expected digest");
  tap_is (err ? err->msg : NULL, "invalid digest \"sha256:nothex\": sha256 needs 64 hex digits, got 6",
          "bad expected digest message");
  keel_error_free (err);
}

int main (void)
{
  test_parse_valid ();
  test_parse_invalid ();
  test_grammar ();
  test_vectors ();
  test_streaming ();
  test_hasher ();
  test_mismatch ();
  return tap_done ();
}
