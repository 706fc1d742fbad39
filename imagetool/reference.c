/* Image references: the grammar of distribution/reference, normalised the way docker and skopeo do it. */
#include "config.h"
#include "reference.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "digest.h"

/* distribution/reference: NameTotalLengthMax. */
#define NAME_TOTAL_MAX 255
#define TAG_MAX 128

static bool is_lower_alnum (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component := alpha-numeric [separator alpha-numeric]*, separator := [_.] | __ | [-]+ */
static bool path_component_valid (const char *s, size_t len)
{
  size_t i = 0;
  for (;;)
    {
      size_t start = i;
      while (i < len && is_lower_alnum (s[i]))
        i++;
      if (i == start)
        return false;
      if (i == len)
        return true;
      if (s[i] == '.')
        i++;
      else if (s[i] == '_')
        i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
      else if (s[i] == '-')
        while (i < len && s[i] == '-')
          i++;
      else
        return false;
    }
}

/* domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain_component_valid (const char *s, size_t len)
{
  if (len == 0 || !isalnum ((unsigned char)s[0]) || !isalnum ((unsigned char)s[len - 1]))
    return false;
  for (size_t i = 0; i < len; i++)
    if (!isalnum ((unsigned char)s[i]) && s[i] != '-')
      return false;
  return true;
}

/* domain := host [":" port], host := domain-name | IPv4 | "[" IPv6 "]" */
static bool domain_valid (const char *d)
{
  const char *host_end, *colon;

  if (d[0] == '[')
    {
      host_end = strchr (d, ']');
      if (host_end == NULL || host_end == d + 1
          || strspn (d + 1, "0123456789abcdefABCDEF:.") != (size_t)(host_end - d - 1))
        return false;
      host_end++;
    }
  else
    {
      colon = strchr (d, ':');
      host_end = colon ? colon : d + strlen (d);
      for (const char *p = d; p <= host_end; p++)
        {
          const char *dot = memchr (p, '.', (size_t)(host_end - p));
          const char *end = dot ? dot : host_end;
          if (!domain_component_valid (p, (size_t)(end - p)))
            return false;
          p = end;
        }
    }
  if (*host_end == '\0')
    return true;
  return *host_end == ':' && host_end[1] != '\0' && strspn (host_end + 1, "0123456789") == strlen (host_end + 1);
}

/* tag := [\w][\w.-]{0,127} */
static bool tag_valid (const char *t)
{
  size_t len = strlen (t);
  if (len == 0 || len > TAG_MAX || !(isalnum ((unsigned char)t[0]) || t[0] == '_'))
    return false;
  for (size_t i = 0; i < len; i++)
    if (!(isalnum ((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
      return false;
  return true;
}

static bool has_upper (const char *s)
{
  for (; *s; s++)
    if (isupper ((unsigned char)*s))
      return true;
  return false;
}

static int check_path (const char *input, const char *path, keel_error **err)
{
  const char *p = path;

  if (has_upper (path))
    return keel_err (err, 0, "invalid reference \"%s\": repository name \"%s\" must be lowercase", input, path);
  for (;;)
    {
      const char *slash = strchr (p, '/');
      size_t len = slash ? (size_t)(slash - p) : strlen (p);
      if (!path_component_valid (p, len))
        return keel_err (err, 0, "invalid reference \"%s\": invalid repository path component \"%.*s\"", input,
                         (int)len, p);
      if (slash == NULL)
        return 0;
      p = slash + 1;
    }
}

/* Docker's splitDockerDomain: the first component is a domain only when it looks like one. */
static int split_domain (const char *name, char **domain, char **path, bool *qualified, bool *library)
{
  const char *slash = strchr (name, '/');
  size_t first_len = slash ? (size_t)(slash - name) : 0;
  bool is_domain = false;

  if (slash != NULL)
    {
      _cleanup_free_ char *first = strndup (name, first_len);
      if (first == NULL)
        return -1;
      is_domain = strpbrk (first, ".:") != NULL || strcmp (first, "localhost") == 0 || has_upper (first);
    }
  *qualified = is_domain;
  *library = false;
  if (!is_domain)
    {
      *library = strchr (name, '/') == NULL;
      *domain = strdup (REFERENCE_DEFAULT_DOMAIN);
      *path = strchr (name, '/') ? strdup (name) : (asprintf (path, "library/%s", name) < 0 ? NULL : *path);
    }
  else
    {
      *domain = strndup (name, first_len);
      if (*domain != NULL && strcmp (*domain, "index.docker.io") == 0)
        {
          free (*domain);
          *domain = strdup (REFERENCE_DEFAULT_DOMAIN);
        }
      *path = strdup (slash + 1);
      /* docker.io/alpine means docker.io/library/alpine */
      if (*path != NULL && *domain != NULL && strcmp (*domain, REFERENCE_DEFAULT_DOMAIN) == 0
          && strchr (*path, '/') == NULL)
        {
          char *p = NULL;
          *library = true;
          if (asprintf (&p, "library/%s", *path) < 0)
            p = NULL;
          free (*path);
          *path = p;
        }
    }
  return (*domain == NULL || *path == NULL) ? -1 : 0;
}

static int parse_digest_part (const char *input, const char *d, struct reference *out, keel_error **err)
{
  struct digest parsed;
  char buf[DIGEST_STRING_MAX + 1];

  if (digest_parse (d, &parsed, err) < 0)
    return keel_err_prefix (err, "invalid reference \"%s\"", input);
  out->digest = strdup (digest_format (&parsed, buf));
  return out->digest == NULL ? keel_err (err, ENOMEM, "parse reference") : 0;
}

static int parse_name_tag (const char *input, char *name, struct reference *out, keel_error **err)
{
  char *colon = strrchr (name, ':');

  /* A colon before the last slash belongs to host:port. */
  if (colon != NULL && strchr (colon, '/') == NULL)
    {
      *colon = '\0';
      if (!tag_valid (colon + 1))
        return keel_err (err, 0,
                         "invalid reference \"%s\": invalid tag \"%s\" (want [A-Za-z0-9_][A-Za-z0-9_.-]{0,127})", input,
                         colon + 1);
      out->tag = strdup (colon + 1);
      if (out->tag == NULL)
        return keel_err (err, ENOMEM, "parse reference");
    }
  if (name[0] == '\0')
    return keel_err (err, 0, "invalid reference \"%s\": empty repository name", input);
  if (strspn (name, "0123456789abcdef") == 64 && name[64] == '\0')
    return keel_err (err, 0, "invalid reference \"%s\": a 64-hex-digit repository name looks like an image ID", input);
  if (split_domain (name, &out->domain, &out->path, &out->qualified, &out->library) < 0)
    return keel_err (err, ENOMEM, "parse reference");
  if (!domain_valid (out->domain))
    return keel_err (err, 0, "invalid reference \"%s\": invalid registry domain \"%s\"", input, out->domain);
  if (check_path (input, out->path, err) < 0)
    return -1;
  if (strlen (out->domain) + 1 + strlen (out->path) > NAME_TOTAL_MAX)
    return keel_err (err, 0, "invalid reference \"%s\": repository name longer than %d characters", input,
                     NAME_TOTAL_MAX);
  return 0;
}

int reference_parse (const char *s, struct reference *out, keel_error **err)
{
  _cleanup_free_ char *name = NULL;
  struct reference r = { 0 };
  char *at;

  if (s == NULL || s[0] == '\0')
    return keel_err (err, 0, "invalid reference \"\": empty reference");
  if (strspn (s, " \t\n") != 0 || s[strcspn (s, " \t\n")] != '\0')
    return keel_err (err, 0, "invalid reference \"%s\": contains whitespace", s);
  name = strdup (s);
  if (name == NULL)
    return keel_err (err, ENOMEM, "parse reference");
  at = strchr (name, '@');
  if (at != NULL)
    {
      *at = '\0';
      if (parse_digest_part (s, at + 1, &r, err) < 0)
        goto fail;
    }
  if (parse_name_tag (s, name, &r, err) < 0)
    goto fail;
  if (r.tag == NULL && r.digest == NULL && (r.tag = strdup (REFERENCE_DEFAULT_TAG)) == NULL)
    {
      keel_err (err, ENOMEM, "parse reference");
      goto fail;
    }
  *out = r;
  return 0;
fail:
  reference_clear (&r);
  return -1;
}

char *reference_name (const struct reference *r)
{
  char *s;
  return asprintf (&s, "%s/%s", r->domain, r->path) < 0 ? NULL : s;
}

char *reference_string (const struct reference *r)
{
  char *s;
  if (r->digest != NULL)
    return asprintf (&s, "%s/%s@%s", r->domain, r->path, r->digest) < 0 ? NULL : s;
  return asprintf (&s, "%s/%s:%s", r->domain, r->path, r->tag) < 0 ? NULL : s;
}

const char *reference_object (const struct reference *r)
{
  return r->digest != NULL ? r->digest : r->tag;
}

const char *reference_api_host (const struct reference *r)
{
  return strcmp (r->domain, REFERENCE_DEFAULT_DOMAIN) == 0 ? REFERENCE_DOCKER_API_HOST : r->domain;
}

char *reference_normalize_domain (const char *domain)
{
  static const char *const docker_aliases[]
      = { "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/", "registry.hub.docker.com" };
  const char *d = domain;

  for (size_t i = 0; i < sizeof docker_aliases / sizeof docker_aliases[0]; i++)
    if (strcmp (domain, docker_aliases[i]) == 0)
      d = REFERENCE_DEFAULT_DOMAIN;
  if (strncmp (d, "https://", 8) == 0)
    d += 8;
  else if (strncmp (d, "http://", 7) == 0)
    d += 7;
  return strndup (d, strcspn (d, "/"));
}

int reference_copy (struct reference *dst, const struct reference *src, keel_error **err)
{
  struct reference r = { 0 };
  r.domain = strdup (src->domain);
  r.path = strdup (src->path);
  r.tag = src->tag ? strdup (src->tag) : NULL;
  r.digest = src->digest ? strdup (src->digest) : NULL;
  r.qualified = src->qualified;
  r.library = src->library;
  if (r.domain == NULL || r.path == NULL || (src->tag && r.tag == NULL) || (src->digest && r.digest == NULL))
    {
      reference_clear (&r);
      return keel_err (err, ENOMEM, "copy reference");
    }
  *dst = r;
  return 0;
}

void reference_clear (struct reference *r)
{
  free (r->domain);
  free (r->path);
  free (r->tag);
  free (r->digest);
  memset (r, 0, sizeof *r);
}
