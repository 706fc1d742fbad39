/* Image platforms (os/arch/variant): parsing, normalisation, host detection and compatibility matching. */
#include "config.h"
#include "image.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cleanup.h"

static int set_str (char **dst, const char *value, keel_error **err)
{
  char *s = NULL;

  if (value != NULL && (s = strdup (value)) == NULL)
    return keel_err (err, ENOMEM, "platform");
  free (*dst);
  *dst = s;
  return 0;
}

static void lowercase (char *s)
{
  for (; s != NULL && *s; s++)
    *s = (char)tolower ((unsigned char)*s);
}

static bool all_digits (const char *s)
{
  if (s == NULL || *s == '\0')
    return false;
  for (; *s; s++)
    if (!isdigit ((unsigned char)*s))
      return false;
  return true;
}

static bool str_in (const char *s, const char *const *list)
{
  for (; *list != NULL; list++)
    if (strcmp (s, *list) == 0)
      return true;
  return false;
}

/* Architecture aliases as uname, Debian and distribution tooling spell them, with the variant
 * they imply (NULL: keep the given one). Conventions follow containerd's platforms package,
 * which the registries' multi-arch indexes are written for. */
struct arch_alias
{
  const char *names[8];
  const char *arch;
  const char *variant;
};

static const struct arch_alias arch_aliases[] = {
  { { "x86_64", "x86-64", "amd64", NULL }, "amd64", NULL },
  { { "aarch64", "arm64", NULL }, "arm64", NULL },
  { { "armhf", "armv7", "armv7l", NULL }, "arm", "v7" },
  { { "armel", "armv6", "armv6l", NULL }, "arm", "v6" },
  { { "armv5", "armv5l", "armv5tel", "armv5tejl", NULL }, "arm", "v5" },
  { { "armv8l", NULL }, "arm", "v8" },
  { { "i386", "i486", "i586", "i686", "386", "x86", NULL }, "386", NULL },
};

static int normalize_arch (struct image_platform *p, keel_error **err)
{
  for (size_t i = 0; i < sizeof (arch_aliases) / sizeof (arch_aliases[0]); i++)
    if (str_in (p->architecture, arch_aliases[i].names))
      {
        if (set_str (&p->architecture, arch_aliases[i].arch, err) < 0)
          return -1;
        if (arch_aliases[i].variant != NULL && set_str (&p->variant, arch_aliases[i].variant, err) < 0)
          return -1;
        break;
      }
  return 0;
}

/* "7" → "v7" */
static int normalize_variant_digits (struct image_platform *p, keel_error **err)
{
  _cleanup_free_ char *v = NULL;

  if (!all_digits (p->variant))
    return 0;
  if (asprintf (&v, "v%s", p->variant) < 0)
    return keel_err (err, ENOMEM, "platform");
  free (p->variant);
  p->variant = keel_steal_ptr (v);
  return 0;
}

int image_platform_normalize (struct image_platform *p, keel_error **err)
{
  lowercase (p->os);
  lowercase (p->architecture);
  lowercase (p->variant);
  if (p->variant != NULL && *p->variant == '\0')
    {
      free (p->variant);
      p->variant = NULL;
    }
  if (p->architecture == NULL || normalize_arch (p, err) < 0 || normalize_variant_digits (p, err) < 0)
    return p->architecture == NULL ? 0 : -1;
  if (strcmp (p->architecture, "amd64") == 0 && p->variant != NULL && strcmp (p->variant, "v1") == 0)
    return set_str (&p->variant, NULL, err);
  if (strcmp (p->architecture, "arm64") == 0 && p->variant == NULL)
    return set_str (&p->variant, "v8", err);
  if (strcmp (p->architecture, "arm") == 0 && p->variant == NULL)
    return set_str (&p->variant, "v7", err);
  return 0;
}

int image_platform_parse (const char *s, struct image_platform *out, keel_error **err)
{
  _cleanup_free_ char *copy = strdup (s);
  char *parts[4] = { NULL };
  size_t n = 0;

  if (copy == NULL)
    return keel_err (err, ENOMEM, "platform");
  for (char *p = copy, *slash; n < 4; p = slash + 1)
    {
      parts[n++] = p;
      if ((slash = strchr (p, '/')) == NULL)
        break;
      *slash = '\0';
    }
  if (n < 2 || n > 3 || strchr (s, ' ') != NULL || *parts[0] == '\0' || *parts[1] == '\0'
      || (n == 3 && *parts[2] == '\0'))
    return keel_err (err, 0, "invalid platform \"%s\": expected os/arch[/variant]", s);
  memset (out, 0, sizeof (*out));
  if (set_str (&out->os, parts[0], err) < 0 || set_str (&out->architecture, parts[1], err) < 0
      || set_str (&out->variant, n == 3 ? parts[2] : NULL, err) < 0 || image_platform_normalize (out, err) < 0)
    {
      image_platform_clear (out);
      return -1;
    }
  return 0;
}

int image_platform_host (struct image_platform *out, keel_error **err)
{
  struct utsname u;

  if (uname (&u) < 0)
    return keel_err_errno (err, "uname");
  memset (out, 0, sizeof (*out));
  /* keel runs containers on Linux only; uname's sysname is "Linux". */
  if (set_str (&out->os, "linux", err) < 0 || set_str (&out->architecture, u.machine, err) < 0
      || image_platform_normalize (out, err) < 0)
    {
      image_platform_clear (out);
      return -1;
    }
  return 0;
}

char *image_platform_format (const struct image_platform *p)
{
  char *s = NULL;

  if (asprintf (&s, "%s/%s%s%s", p->os ? p->os : "", p->architecture ? p->architecture : "", p->variant ? "/" : "",
                p->variant ? p->variant : "")
      < 0)
    return NULL;
  return s;
}

/* "v7" → 70, "v8.2" → 82; -1 when not of that form. */
static int variant_level (const char *v)
{
  char *end;
  long major, minor = 0;

  if (v == NULL || v[0] != 'v' || !isdigit ((unsigned char)v[1]))
    return -1;
  major = strtol (v + 1, &end, 10);
  if (*end == '.' && isdigit ((unsigned char)end[1]))
    minor = strtol (end + 1, &end, 10);
  if (*end != '\0' || major > 1000 || minor > 9)
    return -1;
  return (int)(major * 10 + minor);
}

/* Architectures whose variants are ordered levels, a CPU running level N also running lower ones. */
static bool variants_are_levels (const char *arch)
{
  return strcmp (arch, "arm") == 0 || strcmp (arch, "arm64") == 0 || strcmp (arch, "amd64") == 0;
}

#define MATCH_EXACT 1000

static int variant_score (const char *arch, const char *want, const char *have)
{
  int w, h;

  if ((want == NULL && have == NULL) || (want != NULL && have != NULL && strcmp (want, have) == 0))
    return MATCH_EXACT;
  if (want == NULL && !variants_are_levels (arch))
    return MATCH_EXACT / 2; /* no preference asked */
  if (!variants_are_levels (arch))
    return 0;
  /* amd64 without a variant is the baseline v1. */
  w = want == NULL ? 10 : variant_level (want);
  h = have == NULL ? 10 : variant_level (have);
  if (w < 0 || h < 0 || h > w)
    return 0;
  return MATCH_EXACT - (w - h);
}

int image_platform_match (const struct image_platform *want, const struct image_platform *have)
{
  struct image_platform w = { 0 }, h = { 0 };
  int score = 0;

  if (want->os == NULL || want->architecture == NULL || have->os == NULL || have->architecture == NULL)
    return 0;
  if (image_platform_copy (&w, want, NULL) == 0 && image_platform_copy (&h, have, NULL) == 0
      && image_platform_normalize (&w, NULL) == 0 && image_platform_normalize (&h, NULL) == 0
      && strcmp (w.os, h.os) == 0 && strcmp (w.architecture, h.architecture) == 0)
    score = variant_score (w.architecture, w.variant, h.variant);
  image_platform_clear (&w);
  image_platform_clear (&h);
  return score;
}

static int copy_strv (char ***dst, char *const *src, keel_error **err)
{
  size_t n = 0;
  char **v;

  *dst = NULL;
  if (src == NULL)
    return 0;
  while (src[n] != NULL)
    n++;
  v = calloc (n + 1, sizeof (char *));
  if (v == NULL)
    return keel_err (err, ENOMEM, "platform");
  for (size_t i = 0; i < n; i++)
    if ((v[i] = strdup (src[i])) == NULL)
      {
        keel_strv_freep (&v);
        return keel_err (err, ENOMEM, "platform");
      }
  *dst = v;
  return 0;
}

int image_platform_copy (struct image_platform *dst, const struct image_platform *src, keel_error **err)
{
  memset (dst, 0, sizeof (*dst));
  if (set_str (&dst->os, src->os, err) < 0 || set_str (&dst->architecture, src->architecture, err) < 0
      || set_str (&dst->variant, src->variant, err) < 0 || set_str (&dst->os_version, src->os_version, err) < 0
      || copy_strv (&dst->os_features, src->os_features, err) < 0 || copy_strv (&dst->features, src->features, err) < 0)
    {
      image_platform_clear (dst);
      return -1;
    }
  return 0;
}

void image_platform_clear (struct image_platform *p)
{
  if (p == NULL)
    return;
  free (p->os);
  free (p->architecture);
  free (p->variant);
  free (p->os_version);
  keel_strv_freep (&p->os_features);
  keel_strv_freep (&p->features);
  memset (p, 0, sizeof (*p));
}

void image_platform_free (struct image_platform *p)
{
  image_platform_clear (p);
  free (p);
}
