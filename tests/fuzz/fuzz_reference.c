/* libFuzzer target: image reference parsing and normalisation (imagetool/reference.c). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "imagetool/reference.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A normalised reference is a fixed point: parsing its string form gives the same string. */
static void check_normal_form (const struct reference *r)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_free_ char *s = reference_string (r);
  _cleanup_free_ char *again = NULL;
  struct reference back = { 0 };

  if (s == NULL || reference_parse (s, &back, &err) < 0)
    abort ();
  again = reference_string (&back);
  if (again == NULL || strcmp (again, s) != 0 || reference_object (&back) == NULL || reference_api_host (&back) == NULL)
    abort ();
  reference_clear (&back);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_free_ char *s = strndup ((const char *)data, size);
  _cleanup_free_ char *name = NULL, *dom = NULL;
  struct reference r = { 0 }, copy = { 0 };

  if (s == NULL)
    return 0;
  /* login takes a bare registry name through the same normaliser. */
  dom = reference_normalize_domain (s);
  if (reference_parse (s, &r, &err) < 0)
    return 0;
  name = reference_name (&r);
  if (name == NULL || reference_copy (&copy, &r, &err) < 0)
    abort ();
  check_normal_form (&copy);
  reference_clear (&copy);
  reference_clear (&r);
  return 0;
}
