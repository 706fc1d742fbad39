/* Content digests (sha256, sha512) through libcrypto EVP, streaming verification. */
#include "config.h"
#include "digest.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

const char *digest_algorithm_name (enum digest_algorithm a)
{
  return a == DIGEST_SHA512 ? "sha512" : "sha256";
}

size_t digest_hex_len (enum digest_algorithm a)
{
  return a == DIGEST_SHA512 ? 128 : 64;
}

static const EVP_MD *evp_md (enum digest_algorithm a)
{
  return a == DIGEST_SHA512 ? EVP_sha512 () : EVP_sha256 ();
}

int digest_algorithm_from_name (const char *name, enum digest_algorithm *out, keel_error **err)
{
  if (strcmp (name, "sha256") == 0)
    *out = DIGEST_SHA256;
  else if (strcmp (name, "sha512") == 0)
    *out = DIGEST_SHA512;
  else
    return keel_err (err, 0, "unsupported digest algorithm \"%s\"", name);
  return 0;
}

static bool is_alnum_lower (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_encoded_char (char c)
{
  return is_alnum_lower (c) || (c >= 'A' && c <= 'Z') || c == '=' || c == '_' || c == '-';
}

static bool is_lower_hex (char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Length of the algorithm part when S matches the grammar, else 0. */
static size_t grammar_algorithm_len (const char *s)
{
  const char *p = s;

  /* image-spec descriptor.md "Digests":
   *   algorithm ::= algorithm-component (algorithm-separator algorithm-component)*
   *   algorithm-component ::= [a-z0-9]+   algorithm-separator ::= [+._-]
   *   encoded ::= [a-zA-Z0-9=_-]+ */
  for (;;)
    {
      if (!is_alnum_lower (*p))
        return 0;
      while (is_alnum_lower (*p))
        p++;
      if (*p == ':')
        break;
      if (*p != '+' && *p != '.' && *p != '_' && *p != '-')
        return 0;
      p++;
    }
  size_t alg_len = (size_t)(p - s);
  p++;
  if (*p == '\0')
    return 0;
  for (; *p != '\0'; p++)
    if (!is_encoded_char (*p))
      return 0;
  return alg_len;
}

bool digest_grammar_valid (const char *s)
{
  return s != NULL && grammar_algorithm_len (s) > 0;
}

int digest_parse (const char *s, struct digest *out, keel_error **err)
{
  _cleanup_free_ char *alg = NULL;
  enum digest_algorithm a = DIGEST_SHA256;
  size_t alg_len = grammar_algorithm_len (s);
  const char *enc;

  if (alg_len == 0)
    {
      if (strchr (s, ':') == NULL)
        return keel_err (err, 0, "invalid digest \"%s\": expected algorithm:encoded", s);
      return keel_err (err, 0, "invalid digest \"%s\": does not match algorithm:encoded of image-spec descriptor.md",
                       s);
    }
  alg = strndup (s, alg_len);
  if (alg == NULL)
    return keel_err (err, ENOMEM, "digest");
  if (digest_algorithm_from_name (alg, &a, NULL) < 0)
    return keel_err (err, 0, "unsupported digest algorithm \"%s\" in \"%s\" (supported: sha256, sha512)", alg, s);
  enc = s + alg_len + 1;
  /* descriptor.md "Registered algorithms": sha256 encoded MUST match /[a-f0-9]{64}/,
   * sha512 /[a-f0-9]{128}/; [A-F] MUST NOT be used. */
  if (strlen (enc) != digest_hex_len (a))
    return keel_err (err, 0, "invalid digest \"%s\": %s needs %zu hex digits, got %zu", s, alg, digest_hex_len (a),
                     strlen (enc));
  for (const char *p = enc; *p; p++)
    if (!is_lower_hex (*p))
      return keel_err (err, 0, "invalid digest \"%s\": %s needs lowercase hex digits", s, alg);
  out->algorithm = a;
  memcpy (out->hex, enc, digest_hex_len (a) + 1);
  return 0;
}

char *digest_format (const struct digest *d, char *buf)
{
  snprintf (buf, DIGEST_STRING_MAX + 1, "%s:%s", digest_algorithm_name (d->algorithm), d->hex);
  return buf;
}

char *digest_to_string (const struct digest *d)
{
  char buf[DIGEST_STRING_MAX + 1];
  return strdup (digest_format (d, buf));
}

bool digest_equal (const struct digest *a, const struct digest *b)
{
  return a->algorithm == b->algorithm && strcmp (a->hex, b->hex) == 0;
}

void digest_hex (const unsigned char *bin, size_t len, char *out)
{
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++)
    {
      out[2 * i] = digits[bin[i] >> 4];
      out[2 * i + 1] = digits[bin[i] & 0xf];
    }
  out[2 * len] = '\0';
}

struct digest_hasher
{
  EVP_MD_CTX *ctx;
  enum digest_algorithm algo;
  uint64_t bytes;
  bool finished;
};

struct digest_hasher *digest_hasher_new (enum digest_algorithm algo, keel_error **err)
{
  struct digest_hasher *h = calloc (1, sizeof (*h));

  if (h == NULL)
    {
      keel_err (err, ENOMEM, "digest");
      return NULL;
    }
  h->algo = algo;
  h->ctx = EVP_MD_CTX_new ();
  if (h->ctx == NULL || EVP_DigestInit_ex (h->ctx, evp_md (algo), NULL) != 1)
    {
      digest_hasher_free (h);
      keel_err (err, 0, "cannot initialise %s digest (libcrypto)", digest_algorithm_name (algo));
      return NULL;
    }
  return h;
}

int digest_hasher_update (struct digest_hasher *h, const void *buf, size_t len, keel_error **err)
{
  if (h->finished)
    return keel_err (err, EINVAL, "digest: update after finish");
  if (len > 0 && EVP_DigestUpdate (h->ctx, buf, len) != 1)
    return keel_err (err, 0, "%s digest update failed (libcrypto)", digest_algorithm_name (h->algo));
  h->bytes += len;
  return 0;
}

int digest_hasher_finish (struct digest_hasher *h, char **out, keel_error **err)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  char hex[2 * EVP_MAX_MD_SIZE + 1];
  unsigned int md_len = 0;

  if (h->finished)
    return keel_err (err, EINVAL, "digest: finished twice");
  h->finished = true;
  if (EVP_DigestFinal_ex (h->ctx, md, &md_len) != 1)
    return keel_err (err, 0, "%s digest failed (libcrypto)", digest_algorithm_name (h->algo));
  digest_hex (md, md_len, hex);
  if (asprintf (out, "%s:%s", digest_algorithm_name (h->algo), hex) < 0)
    return keel_err (err, ENOMEM, "digest");
  return 0;
}

uint64_t digest_hasher_bytes (const struct digest_hasher *h)
{
  return h->bytes;
}

void digest_hasher_free (struct digest_hasher *h)
{
  if (h == NULL)
    return;
  EVP_MD_CTX_free (h->ctx);
  free (h);
}

void digest_hasher_freep (struct digest_hasher **h)
{
  digest_hasher_free (*h);
  *h = NULL;
}

int digest_compute (enum digest_algorithm algo, const void *buf, size_t len, char **out, keel_error **err)
{
  _cleanup_digest_hasher_ struct digest_hasher *h = digest_hasher_new (algo, err);

  if (h == NULL || digest_hasher_update (h, buf, len, err) < 0)
    return -1;
  return digest_hasher_finish (h, out, err);
}

struct digest_verifier
{
  struct digest_hasher *hasher;
  char expected[DIGEST_STRING_MAX + 1];
  bool has_size;
  uint64_t size;
};

struct digest_verifier *digest_verifier_new (const char *expected, keel_error **err)
{
  struct digest d;
  struct digest_verifier *v;

  if (digest_parse (expected, &d, err) < 0)
    return NULL;
  v = calloc (1, sizeof (*v));
  if (v == NULL)
    {
      keel_err (err, ENOMEM, "digest");
      return NULL;
    }
  digest_format (&d, v->expected);
  v->hasher = digest_hasher_new (d.algorithm, err);
  if (v->hasher == NULL)
    {
      free (v);
      return NULL;
    }
  return v;
}

void digest_verifier_expect_size (struct digest_verifier *v, uint64_t size)
{
  v->has_size = true;
  v->size = size;
}

int digest_verifier_update (struct digest_verifier *v, const void *buf, size_t len, keel_error **err)
{
  /* Stop a server that sends more than announced before hashing (and storing) it all. */
  if (v->has_size && len > v->size - v->hasher->bytes)
    return keel_err (err, 0, "blob %s: more than the expected %" PRIu64 " bytes", v->expected, v->size);
  return digest_hasher_update (v->hasher, buf, len, err);
}

int digest_verifier_finish (struct digest_verifier *v, char **actual, keel_error **err)
{
  _cleanup_free_ char *got = NULL;
  int ret = 0;

  if (digest_hasher_finish (v->hasher, &got, err) < 0)
    return -1;
  if (v->has_size && v->hasher->bytes != v->size)
    ret = keel_err (err, 0, "size mismatch for %s: expected %" PRIu64 " bytes, got %" PRIu64, v->expected, v->size,
                    v->hasher->bytes);
  else if (strcmp (got, v->expected) != 0)
    ret = keel_err (err, 0, "digest mismatch: expected %s, got %s", v->expected, got);
  if (actual != NULL)
    *actual = keel_steal_ptr (got);
  return ret;
}

uint64_t digest_verifier_bytes (const struct digest_verifier *v)
{
  return v->hasher->bytes;
}

void digest_verifier_free (struct digest_verifier *v)
{
  if (v == NULL)
    return;
  digest_hasher_free (v->hasher);
  free (v);
}

void digest_verifier_freep (struct digest_verifier **v)
{
  digest_verifier_free (*v);
  *v = NULL;
}
