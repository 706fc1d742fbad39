/* libFuzzer target: digest parsing and streaming verification; platform strings, the other short-string parser. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "digest.h"
#include "image.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void parse_string (const char *s)
{
  _cleanup_error_ keel_error *err = NULL;
  struct digest d;
  struct image_platform p;

  if (digest_parse (s, &d, &err) == 0)
    {
      char buf[DIGEST_STRING_MAX + 1];
      /* A parsed digest formats back to its input and satisfies the general grammar. */
      if (strcmp (digest_format (&d, buf), s) != 0 || !digest_grammar_valid (s))
        abort ();
    }
  keel_error_freep (&err);
  if (image_platform_parse (s, &p, &err) == 0)
    {
      _cleanup_free_ char *f = image_platform_format (&p);
      if (f == NULL || image_platform_match (&p, &p) == 0)
        abort ();
      image_platform_clear (&p);
    }
}

/* Streaming in chunks (sizes taken from the input) gives the one-shot digest; a verifier
 * expecting that digest and size accepts the content. */
static void stream (const uint8_t *data, size_t size)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_free_ char *oneshot = NULL, *actual = NULL;
  enum digest_algorithm algo = size > 0 && (data[0] & 1) ? DIGEST_SHA512 : DIGEST_SHA256;
  size_t chunk = size > 1 ? data[1] % 17 + 1 : 1;

  if (digest_compute (algo, data, size, &oneshot, &err) < 0)
    abort ();
  _cleanup_digest_verifier_ struct digest_verifier *v = digest_verifier_new (oneshot, &err);
  if (v == NULL)
    abort ();
  digest_verifier_expect_size (v, size);
  for (size_t off = 0; off < size; off += chunk)
    if (digest_verifier_update (v, data + off, off + chunk > size ? size - off : chunk, &err) < 0)
      abort ();
  if (digest_verifier_finish (v, &actual, &err) < 0 || strcmp (actual, oneshot) != 0)
    abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  _cleanup_free_ char *s = malloc (size + 1);

  if (s == NULL)
    return 0;
  memcpy (s, data, size);
  s[size] = '\0';
  parse_string (s);
  stream (data, size);
  return 0;
}
