/* libFuzzer target: WWW-Authenticate challenges, --creds, base64 and auth.json (lookup, login rewrite, logout). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "imagetool/auth.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The first line is a header value and a --creds string; everything is also an auth.json. */
static void parse_strings (const char *s)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_free_ char *dec = NULL;
  struct auth_challenge ch = { 0 };
  struct auth_creds cr = { 0 };
  size_t len = 0;

  if (auth_parse_challenge (s, &ch, &err) == 0
      && (ch.scheme == AUTH_SCHEME_NONE || (ch.scheme == AUTH_SCHEME_BEARER && ch.realm == NULL)))
    abort (); /* a parsed challenge names its scheme, and a Bearer one its token endpoint */
  auth_challenge_clear (&ch);
  keel_error_freep (&err);
  if (auth_creds_parse (s, &cr, &err) == 0 && (cr.username == NULL || cr.password == NULL))
    abort ();
  auth_creds_clear (&cr);
  keel_error_freep (&err);
  if (auth_base64_decode (s, &dec, &len, &err) == 0)
    {
      _cleanup_free_ char *enc = auth_base64_encode (dec, len);
      _cleanup_free_ char *dec2 = NULL;
      size_t len2 = 0;
      keel_error_freep (&err);
      /* encode ∘ decode is the identity on bytes */
      if (enc == NULL || auth_base64_decode (enc, &dec2, &len2, &err) < 0 || len2 != len
          || memcmp (dec, dec2, len) != 0)
        abort ();
    }
}

static char dir[] = "/tmp/keel-fuzz-auth-XXXXXX";
static char *file;

/* libFuzzer leaves through exit(): the scratch directory goes with it. */
static void remove_dir (void)
{
  unlink (file);
  rmdir (dir);
}

/* A scratch auth file: lookup must not crash, and login/logout rewrites must leave a file lookup reads. */
static void auth_file (const uint8_t *data, size_t size)
{
  _cleanup_error_ keel_error *err = NULL;
  struct auth_creds cr = { 0 };

  if (file == NULL && (mkdtemp (dir) == NULL || asprintf (&file, "%s/auth.json", dir) < 0 || atexit (remove_dir) != 0))
    abort ();
  if (write_file_atomic (file, data, size, 0600, 0, &err) < 0)
    abort ();
  auth_lookup (file, "docker.io", "library/alpine", &cr, &err);
  auth_creds_clear (&cr);
  keel_error_freep (&err);
  if (auth_lookup (file, "127.0.0.1:5000", NULL, &cr, &err) < 0)
    return; /* malformed: login and logout must refuse it too, not overwrite it */
  auth_creds_clear (&cr);
  if (auth_store (file, "fuzz.example:5000", "u", "p:w", &err) < 0)
    return;
  if (auth_lookup (file, "fuzz.example:5000", "x", &cr, &err) != 1 || strcmp (cr.username, "u") != 0
      || strcmp (cr.password, "p:w") != 0)
    abort (); /* what login wrote, lookup finds */
  auth_creds_clear (&cr);
  if (auth_remove (file, "fuzz.example:5000", false, &err) != 1)
    abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  _cleanup_free_ char *s = strndup ((const char *)data, size);
  char *nl;

  if (s == NULL)
    return 0;
  if ((nl = strchr (s, '\n')) != NULL)
    *nl = '\0';
  parse_strings (s);
  auth_file (data, size);
  return 0;
}
