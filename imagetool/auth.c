/* Registry credentials and WWW-Authenticate parsing: the client side of the distribution auth flows. */
#include "config.h"
#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "json.h"
#include "reference.h"
#include "util.h"

void auth_challenge_clear (struct auth_challenge *c)
{
  free (c->realm);
  free (c->service);
  free (c->scope);
  memset (c, 0, sizeof *c);
}

void auth_creds_clear (struct auth_creds *c)
{
  /* wipe secrets before freeing them */
  if (c->password)
    explicit_bzero (c->password, strlen (c->password));
  if (c->identity_token)
    explicit_bzero (c->identity_token, strlen (c->identity_token));
  free (c->username);
  free (c->password);
  free (c->identity_token);
  memset (c, 0, sizeof *c);
}

/* One auth-param value: a quoted-string (with \-escapes) or a token. *p is advanced past it. */
static char *parse_param_value (const char **p)
{
  const char *s = *p;
  char *out, *o;

  out = o = malloc (strlen (s) + 1);
  if (out == NULL)
    return NULL;
  if (*s == '"')
    {
      for (s++; *s && *s != '"'; s++)
        {
          if (*s == '\\' && s[1] != '\0')
            s++;
          *o++ = *s;
        }
      if (*s != '"')
        {
          free (out);
          return NULL;
        }
      s++;
    }
  else
    while (*s && *s != ',' && !isspace ((unsigned char)*s))
      *o++ = *s++;
  *o = '\0';
  *p = s;
  return out;
}

static int set_param (struct auth_challenge *c, const char *key, size_t key_len, char *value)
{
  char **slot = NULL;
  if (key_len == 5 && strncasecmp (key, "realm", 5) == 0)
    slot = &c->realm;
  else if (key_len == 7 && strncasecmp (key, "service", 7) == 0)
    slot = &c->service;
  else if (key_len == 5 && strncasecmp (key, "scope", 5) == 0)
    slot = &c->scope;
  if (slot == NULL)
    {
      free (value); /* error=, error_description=… are informative only */
      return 0;
    }
  free (*slot);
  *slot = value;
  return 0;
}

int auth_parse_challenge (const char *header, struct auth_challenge *out, keel_error **err)
{
  struct auth_challenge c = { 0 };
  const char *p = header;
  size_t n;

  while (isspace ((unsigned char)*p))
    p++;
  n = strcspn (p, " \t");
  if (n == 5 && strncasecmp (p, "basic", 5) == 0)
    c.scheme = AUTH_SCHEME_BASIC;
  else if (n == 6 && strncasecmp (p, "bearer", 6) == 0)
    c.scheme = AUTH_SCHEME_BEARER;
  else
    return keel_err (err, 0, "WWW-Authenticate \"%s\": unsupported scheme \"%.*s\"", header, (int)n, p);
  p += n;
  for (;;)
    {
      const char *key;
      size_t key_len;
      char *value;

      while (isspace ((unsigned char)*p) || *p == ',')
        p++;
      if (*p == '\0')
        break;
      key = p;
      key_len = strcspn (p, "= \t,");
      p += key_len;
      while (isspace ((unsigned char)*p))
        p++;
      if (*p != '=' || key_len == 0)
        {
          auth_challenge_clear (&c);
          return keel_err (err, 0, "WWW-Authenticate \"%s\": expected name=value at \"%s\"", header, key);
        }
      p++;
      while (isspace ((unsigned char)*p))
        p++;
      value = parse_param_value (&p);
      if (value == NULL)
        {
          auth_challenge_clear (&c);
          return keel_err (err, 0, "WWW-Authenticate \"%s\": unterminated quoted value", header);
        }
      set_param (&c, key, key_len, value);
    }
  if (c.scheme == AUTH_SCHEME_BEARER && c.realm == NULL)
    {
      auth_challenge_clear (&c);
      return keel_err (err, 0, "WWW-Authenticate \"%s\": Bearer challenge without realm", header);
    }
  *out = c;
  return 0;
}

int auth_creds_parse (const char *s, struct auth_creds *out, keel_error **err)
{
  const char *colon = strchr (s, ':');
  if (colon == NULL || colon == s)
    return keel_err (err, 0, "--creds: expected USERNAME:PASSWORD");
  out->username = strndup (s, (size_t)(colon - s));
  out->password = strdup (colon + 1);
  out->identity_token = NULL;
  if (out->username == NULL || out->password == NULL)
    {
      auth_creds_clear (out);
      return keel_err (err, ENOMEM, "--creds");
    }
  return 0;
}

char *auth_base64_encode (const void *buf, size_t len)
{
  char *out = malloc (4 * ((len + 2) / 3) + 1);
  if (out != NULL)
    EVP_EncodeBlock ((unsigned char *)out, buf, (int)len);
  return out;
}

int auth_base64_decode (const char *s, char **out, size_t *len, keel_error **err)
{
  size_t in_len = strlen (s), pad = 0;
  _cleanup_free_ char *buf = malloc (3 * (in_len / 4) + 1);
  int n;

  if (buf == NULL)
    return keel_err (err, ENOMEM, "base64");
  if (in_len % 4 != 0)
    return keel_err (err, 0, "invalid base64 (length %zu is not a multiple of 4)", in_len);
  n = EVP_DecodeBlock ((unsigned char *)buf, (const unsigned char *)s, (int)in_len);
  if (n < 0)
    return keel_err (err, 0, "invalid base64");
  /* EVP_DecodeBlock counts padding as data */
  while (pad < 2 && in_len > pad && s[in_len - 1 - pad] == '=')
    pad++;
  n -= (int)pad;
  buf[n] = '\0';
  if (len)
    *len = (size_t)n;
  *out = keel_steal_ptr (buf);
  return 0;
}

char *auth_default_file (const char *authfile)
{
  const char *env = getenv ("REGISTRY_AUTH_FILE"), *rt = getenv ("XDG_RUNTIME_DIR");
  char *s = NULL;

  if (authfile != NULL)
    return strdup (authfile);
  if (env != NULL && env[0] != '\0')
    return strdup (env);
  if (rt != NULL && rt[0] != '\0')
    return asprintf (&s, "%s/containers/auth.json", rt) < 0 ? NULL : s;
  return asprintf (&s, "/run/containers/%u/auth.json", (unsigned)getuid ()) < 0 ? NULL : s;
}

/* Length of the key's match against DOMAIN/REPO (0: no match). A bare domain matches with its
 * length; "domain/ns" matches repositories under ns with a longer length. */
static size_t key_match (const char *key, const char *domain, const char *repo)
{
  _cleanup_free_ char *d = reference_normalize_domain (key);
  const char *rest;
  size_t dl;

  if (d == NULL || strcmp (d, domain) != 0)
    return 0;
  dl = strlen (domain);
  /* the part of the key after the domain, when it is not a URL path like /v1/ */
  rest = strstr (key, domain);
  if (rest == NULL || strncmp (key, "http", 4) == 0)
    return dl;
  rest += dl;
  if (*rest == '\0')
    return dl;
  if (*rest != '/' || repo == NULL)
    return 0;
  rest++;
  size_t rl = strlen (rest);
  if (strncmp (repo, rest, rl) == 0 && (repo[rl] == '\0' || repo[rl] == '/'))
    return dl + 1 + rl;
  return 0;
}

static int creds_from_entry (const char *file, const char *key, yajl_val entry, struct auth_creds *out,
                             keel_error **err)
{
  json_ctx c = { file, err };
  _cleanup_free_ char *path = json_path_key (".auths", key);
  _cleanup_free_ char *b64 = NULL, *decoded = NULL, *token = NULL;
  char *colon;

  if (json_expect_object (&c, entry, path) < 0 || json_get_string (&c, entry, path, "auth", &b64) < 0
      || json_get_string (&c, entry, path, "identitytoken", &token) < 0)
    return -1;
  if (b64 != NULL && b64[0] != '\0')
    {
      if (auth_base64_decode (b64, &decoded, NULL, err) < 0)
        return keel_err_prefix (err, "%s: %s.auth", file, path);
      colon = strchr (decoded, ':');
      if (colon == NULL)
        return keel_err (err, 0, "%s: %s.auth: expected base64 of USERNAME:PASSWORD", file, path);
      *colon = '\0';
      out->username = strdup (decoded);
      out->password = strdup (colon + 1);
      explicit_bzero (decoded, strlen (colon + 1) + (size_t)(colon - decoded));
    }
  if (token != NULL && token[0] != '\0')
    out->identity_token = keel_steal_ptr (token);
  return (out->username != NULL || out->identity_token != NULL) ? 1 : 0;
}

/* Look in one file; 0 when the file is absent or has no matching entry. */
static int lookup_file (const char *file, const char *domain, const char *repo, struct auth_creds *out,
                        keel_error **err)
{
  _cleanup_json_ yajl_val root = NULL;
  yajl_val auths, best = NULL;
  const char *best_key = NULL;
  size_t best_len = 0;

  if (access (file, F_OK) < 0)
    return 0;
  if (json_parse_file (file, NULL, &root, err) < 0)
    return -1;
  auths = json_member (root, "auths");
  if (auths == NULL || !YAJL_IS_OBJECT (auths))
    return 0;
  for (size_t i = 0; i < auths->u.object.len; i++)
    {
      size_t m = key_match (auths->u.object.keys[i], domain, repo);
      if (m > best_len)
        {
          best_len = m;
          best = auths->u.object.values[i];
          best_key = auths->u.object.keys[i];
        }
    }
  if (best == NULL)
    return 0;
  return creds_from_entry (file, best_key, best, out, err);
}

int auth_lookup (const char *authfile, const char *domain, const char *repo, struct auth_creds *out, keel_error **err)
{
  _cleanup_free_ char *primary = auth_default_file (authfile);
  _cleanup_free_ char *user_auth = NULL, *docker = NULL;
  const char *home = getenv ("HOME"), *dc = getenv ("DOCKER_CONFIG");
  int r;

  if (primary == NULL)
    return keel_err (err, ENOMEM, "auth file");
  r = lookup_file (primary, domain, repo, out, err);
  if (r != 0 || authfile != NULL)
    return r;
  if (home != NULL && asprintf (&user_auth, "%s/.config/containers/auth.json", home) >= 0)
    {
      r = lookup_file (user_auth, domain, repo, out, err);
      if (r != 0)
        return r;
    }
  if (dc != NULL && dc[0] != '\0')
    r = asprintf (&docker, "%s/config.json", dc);
  else if (home != NULL)
    r = asprintf (&docker, "%s/.docker/config.json", home);
  else
    return 0;
  if (r < 0)
    return keel_err (err, ENOMEM, "auth file");
  return lookup_file (docker, domain, repo, out, err);
}

/* Rewrite FILE: every top-level member but "auths" kept; auths entries kept unless SKIP says so;
 * then ADD_KEY: {"auth": ADD_AUTH} appended when ADD_KEY is not NULL. Returns entries skipped. */
static int rewrite_auth_file (const char *file, const char *skip_domain, bool skip_all, const char *add_key,
                              const char *add_auth, keel_error **err)
{
  _cleanup_json_ yajl_val root = NULL;
  _cleanup_json_gen_ yajl_gen g = json_gen_new (true);
  _cleanup_free_ char *text = NULL, *dir = NULL;
  yajl_val auths = NULL;
  size_t len;
  int skipped = 0;

  if (access (file, F_OK) == 0 && json_parse_file (file, NULL, &root, err) < 0)
    return -1;
  if (root != NULL && !YAJL_IS_OBJECT (root))
    return keel_err (err, 0, "%s: .: expected an object", file);
  auths = json_member (root, "auths");
  yajl_gen_map_open (g);
  for (size_t i = 0; root != NULL && i < root->u.object.len; i++)
    if (strcmp (root->u.object.keys[i], "auths") != 0)
      {
        json_gen_key (g, root->u.object.keys[i]);
        json_gen_tree (g, root->u.object.values[i]);
      }
  json_gen_key (g, "auths");
  yajl_gen_map_open (g);
  for (size_t i = 0; auths != NULL && YAJL_IS_OBJECT (auths) && i < auths->u.object.len; i++)
    {
      _cleanup_free_ char *d = reference_normalize_domain (auths->u.object.keys[i]);
      if (skip_all || (d != NULL && skip_domain != NULL && strcmp (d, skip_domain) == 0)
          || (skip_domain != NULL && strcmp (auths->u.object.keys[i], skip_domain) == 0))
        {
          skipped++;
          continue;
        }
      json_gen_key (g, auths->u.object.keys[i]);
      json_gen_tree (g, auths->u.object.values[i]);
    }
  if (add_key != NULL)
    {
      json_gen_key (g, add_key);
      yajl_gen_map_open (g);
      json_gen_kv_str (g, "auth", add_auth);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  if (json_gen_take (g, &text, &len, err) < 0)
    return -1;
  dir = strdup (file);
  if (dir == NULL)
    return keel_err (err, ENOMEM, "%s", file);
  if (strrchr (dir, '/') != NULL)
    {
      *strrchr (dir, '/') = '\0';
      if (dir[0] != '\0' && mkdir_p (dir, 0700, err) < 0)
        return -1;
    }
  if (write_file_atomic (file, text, len, 0600, 1, err) < 0)
    skipped = -1;
  explicit_bzero (text, len);
  return skipped;
}

int auth_store (const char *file, const char *domain, const char *username, const char *password, keel_error **err)
{
  _cleanup_free_ char *pair = NULL, *b64 = NULL;
  int r;

  if (asprintf (&pair, "%s:%s", username, password) < 0 || (b64 = auth_base64_encode (pair, strlen (pair))) == NULL)
    return keel_err (err, ENOMEM, "login");
  r = rewrite_auth_file (file, domain, false, domain, b64, err);
  explicit_bzero (pair, strlen (pair));
  explicit_bzero (b64, strlen (b64));
  return r < 0 ? -1 : 0;
}

int auth_remove (const char *file, const char *domain, bool all, keel_error **err)
{
  int r;
  if (access (file, F_OK) < 0)
    return 0;
  r = rewrite_auth_file (file, domain, all, NULL, NULL, err);
  return r < 0 ? -1 : (r > 0);
}
