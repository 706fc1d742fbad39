/* yajl tree access with errors that name the file and the JSON path, plus generator helpers. */
#include "config.h"
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "cleanup.h"
#include "fsutil.h"

/* yajl_tree_parse's message has no position; a second pass with a bare
 * parser tells how far it got, which we turn into a line number. */
static int parse_error (const char *name, const char *buf, size_t len, keel_error **err)
{
  yajl_handle h = yajl_alloc (NULL, NULL, NULL);
  size_t consumed = len, line = 1;
  char *msg = NULL;
  yajl_status st;

  if (h == NULL)
    return keel_err (err, ENOMEM, "%s: parse error", name);
  st = yajl_parse (h, (const unsigned char *)buf, len);
  if (st == yajl_status_ok)
    st = yajl_complete_parse (h);
  if (st != yajl_status_ok)
    {
      unsigned char *m = yajl_get_error (h, 0, NULL, 0);
      consumed = yajl_get_bytes_consumed (h);
      msg = strdup ((const char *)m);
      yajl_free_error (h, m);
    }
  yajl_free (h);
  for (size_t i = 0; i < consumed && i < len; i++)
    if (buf[i] == '\n')
      line++;
  if (msg != NULL)
    {
      /* yajl says "lexical error: ..." or "parse error: ..."; strip a trailing newline. */
      size_t l = strlen (msg);
      while (l > 0 && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
        msg[--l] = '\0';
    }
  keel_err (err, 0, "%s: line %zu: %s", name, line, msg != NULL ? msg : "parse error: invalid JSON");
  free (msg);
  return -1;
}

/* ---- strings holding a NUL ----
 * yajl_tree keeps each string as a C string, so a "\u0000" escape silently
 * cuts it short: "/x\u0000/../../etc" would read as "/x". A bare parse sees
 * every string with its length; the first one holding a NUL is refused,
 * naming its JSON path, before anyone reads the tree. */

struct nul_frame
{
  bool array;
  size_t count; /* values seen so far in this array */
  char *key;    /* the current key in this object */
};

struct nul_scan
{
  struct nul_frame *frames;
  size_t depth, cap;
  bool found, in_key, oom;
  char *path; /* of the value (or, for a key, of its object) holding the NUL */
};

/* The path of the value the scanner is at, through frame UPTO (excluded). */
static char *nul_path (const struct nul_scan *s, size_t upto)
{
  char *path = strdup ("");
  for (size_t i = 0; path != NULL && i < upto; i++)
    {
      const struct nul_frame *f = &s->frames[i];
      char *next = f->array ? json_path_index (path, f->count - 1) : json_path_key (path, f->key ? f->key : "");
      free (path);
      path = next;
    }
  return path;
}

static int nul_found (struct nul_scan *s, size_t upto, bool in_key)
{
  s->found = true;
  s->in_key = in_key;
  s->path = nul_path (s, upto);
  s->oom = s->path == NULL;
  return 0; /* stops the parse */
}

/* Every value starts here: an array counts its elements. */
static void nul_value (struct nul_scan *s)
{
  if (s->depth > 0 && s->frames[s->depth - 1].array)
    s->frames[s->depth - 1].count++;
}

static int nul_scalar (void *ctx)
{
  nul_value (ctx);
  return 1;
}

static int nul_bool (void *ctx, int b)
{
  (void)b;
  return nul_scalar (ctx);
}

static int nul_number (void *ctx, const char *n, size_t len)
{
  (void)n;
  (void)len;
  return nul_scalar (ctx);
}

static int nul_string (void *ctx, const unsigned char *str, size_t len)
{
  struct nul_scan *s = ctx;
  nul_value (s);
  return memchr (str, '\0', len) != NULL ? nul_found (s, s->depth, false) : 1;
}

static int nul_key (void *ctx, const unsigned char *key, size_t len)
{
  struct nul_scan *s = ctx;
  struct nul_frame *f = &s->frames[s->depth - 1];
  if (memchr (key, '\0', len) != NULL)
    return nul_found (s, s->depth - 1, true);
  free (f->key);
  f->key = strndup ((const char *)key, len);
  s->oom = f->key == NULL;
  return !s->oom;
}

static int nul_push (struct nul_scan *s, bool array)
{
  nul_value (s);
  if (s->depth == s->cap)
    {
      size_t cap = s->cap ? 2 * s->cap : 16;
      struct nul_frame *f = realloc (s->frames, cap * sizeof *f);
      if (f == NULL)
        return !(s->oom = true);
      s->frames = f;
      s->cap = cap;
    }
  s->frames[s->depth++] = (struct nul_frame){ .array = array };
  return 1;
}

static int nul_start_map (void *ctx)
{
  return nul_push (ctx, false);
}

static int nul_start_array (void *ctx)
{
  return nul_push (ctx, true);
}

static int nul_pop (void *ctx)
{
  struct nul_scan *s = ctx;
  free (s->frames[--s->depth].key);
  return 1;
}

static const yajl_callbacks nul_callbacks = {
  .yajl_null = nul_scalar,
  .yajl_boolean = nul_bool,
  .yajl_number = nul_number,
  .yajl_string = nul_string,
  .yajl_start_map = nul_start_map,
  .yajl_map_key = nul_key,
  .yajl_end_map = nul_pop,
  .yajl_start_array = nul_start_array,
  .yajl_end_array = nul_pop,
};

/* Called on a document yajl_tree_parse accepted. */
static int check_no_nul (const char *name, const char *buf, size_t len, keel_error **err)
{
  struct nul_scan s = { 0 };
  json_ctx c = { .file = name, .err = err };
  yajl_handle h;
  int r = 0;

  /* Raw NUL bytes are refused before parsing, so a NUL in a decoded string
   * can only come from a \u0000 escape: without that text there is nothing
   * to look for (a "\\u0000" match only costs the exact scan below). */
  if (memmem (buf, len, "\\u0000", 6) == NULL)
    return 0;
  h = yajl_alloc (&nul_callbacks, NULL, &s);
  if (h == NULL)
    return keel_err (err, ENOMEM, "%s", name);
  yajl_config (h, yajl_allow_comments, 1); /* as yajl_tree_parse */
  if (yajl_parse (h, (const unsigned char *)buf, len) == yajl_status_ok)
    yajl_complete_parse (h);
  yajl_free (h);
  if (s.oom)
    r = keel_err (err, ENOMEM, "%s", name);
  else if (s.found)
    r = json_error (&c, s.path, "%s contains a NUL character", s.in_key ? "a key" : "string");
  while (s.depth > 0)
    nul_pop (&s);
  free (s.frames);
  free (s.path);
  return r;
}

int json_parse (const char *name, const char *buf, size_t len, yajl_val *out, keel_error **err)
{
  _cleanup_free_ char *copy = NULL;
  char errbuf[256] = "";
  yajl_val v;

  if (memchr (buf, '\0', len) != NULL)
    return keel_err (err, 0, "%s: parse error: NUL byte in document", name);
  copy = strndup (buf, len);
  if (copy == NULL)
    return keel_err (err, ENOMEM, "%s", name);
  v = yajl_tree_parse (copy, errbuf, sizeof (errbuf));
  if (v == NULL)
    return parse_error (name, buf, len, err);
  if (check_no_nul (name, buf, len, err) < 0)
    {
      yajl_tree_free (v);
      return -1;
    }
  *out = v;
  return 0;
}

int json_parse_file (const char *path, const char *name, yajl_val *out, keel_error **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;

  if (name == NULL)
    name = path;
  if (read_file (path, &buf, &len, err) < 0)
    return -1;
  return json_parse (name, buf, len, out, err);
}

char *json_path_key (const char *path, const char *key)
{
  char *s = NULL;
  if (asprintf (&s, "%s.%s", path != NULL ? path : "", key) < 0)
    return NULL;
  return s;
}

char *json_path_index (const char *path, size_t index)
{
  char *s = NULL;
  if (asprintf (&s, "%s[%zu]", path != NULL ? path : "", index) < 0)
    return NULL;
  return s;
}

static int verror (const json_ctx *c, const char *path, const char *key, const char *fmt, va_list ap)
{
  _cleanup_free_ char *msg = NULL;

  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  if (key != NULL)
    return keel_err (c->err, 0, "%s: %s.%s: %s", c->file, path != NULL ? path : "", key, msg ? msg : "");
  /* jq writes the root "." and an element of a top-level array ".[1]". */
  return keel_err (c->err, 0, "%s: %s%s: %s", c->file, path == NULL || *path == '\0' || *path == '[' ? "." : "",
                   path != NULL ? path : "", msg ? msg : "");
}

int json_error (const json_ctx *c, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  verror (c, path, NULL, fmt, ap);
  va_end (ap);
  return -1;
}

int json_error_at (const json_ctx *c, const char *path, const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  verror (c, path, key, fmt, ap);
  va_end (ap);
  return -1;
}

yajl_val json_member (yajl_val obj, const char *key)
{
  yajl_val found = NULL;

  if (obj == NULL || !YAJL_IS_OBJECT (obj))
    return NULL;
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp (obj->u.object.keys[i], key) == 0)
      found = obj->u.object.values[i];
  return found;
}

static const char *type_name (yajl_val v)
{
  if (YAJL_IS_STRING (v))
    return "a string";
  if (YAJL_IS_NUMBER (v))
    return "a number";
  if (YAJL_IS_OBJECT (v))
    return "an object";
  if (YAJL_IS_ARRAY (v))
    return "an array";
  if (YAJL_IS_TRUE (v) || YAJL_IS_FALSE (v))
    return "a boolean";
  return "null";
}

int json_expect_object (const json_ctx *c, yajl_val v, const char *path)
{
  if (v == NULL || !YAJL_IS_OBJECT (v))
    return json_error (c, path, "expected an object, got %s", v ? type_name (v) : "nothing");
  return 0;
}

int json_expect_array (const json_ctx *c, yajl_val v, const char *path)
{
  if (v == NULL || !YAJL_IS_ARRAY (v))
    return json_error (c, path, "expected an array, got %s", v ? type_name (v) : "nothing");
  return 0;
}

int json_to_string (const json_ctx *c, yajl_val v, const char *path, char **out)
{
  char *s;

  if (!YAJL_IS_STRING (v))
    return json_error (c, path, "expected a string, got %s", type_name (v));
  s = strdup (v->u.string);
  if (s == NULL)
    return keel_err (c->err, ENOMEM, "%s", c->file);
  free (*out);
  *out = s;
  return 1;
}

int json_to_int64 (const json_ctx *c, yajl_val v, const char *path, int64_t *out)
{
  if (!YAJL_IS_NUMBER (v))
    return json_error (c, path, "expected an integer, got %s", type_name (v));
  if (!YAJL_IS_INTEGER (v))
    return json_error (c, path, "expected an integer, got %s", v->u.number.r);
  *out = v->u.number.i;
  return 1;
}

int json_to_uint64 (const json_ctx *c, yajl_val v, const char *path, uint64_t *out)
{
  char *end;
  unsigned long long n;

  if (!YAJL_IS_NUMBER (v))
    return json_error (c, path, "expected a non-negative integer, got %s", type_name (v));
  if (YAJL_IS_INTEGER (v))
    {
      if (v->u.number.i < 0)
        return json_error (c, path, "expected a non-negative integer, got %lld", v->u.number.i);
      *out = (uint64_t)v->u.number.i;
      return 1;
    }
  /* Past INT64_MAX yajl keeps only the text and a double. */
  errno = 0;
  n = strtoull (v->u.number.r, &end, 10);
  if (errno != 0 || *end != '\0' || v->u.number.r[0] == '-')
    return json_error (c, path, "expected a non-negative integer, got %s", v->u.number.r);
  *out = n;
  return 1;
}

static int member (yajl_val obj, const char *key, yajl_val *out)
{
  yajl_val v = json_member (obj, key);
  if (v == NULL || YAJL_IS_NULL (v))
    return 0;
  *out = v;
  return 1;
}

#define WITH_MEMBER_PATH(c, path, key, fn)                                                                             \
  ({                                                                                                                   \
    _cleanup_free_ char *_p = json_path_key (path, key);                                                               \
    _p == NULL ? keel_err ((c)->err, ENOMEM, "%s", (c)->file) : (fn);                                                  \
  })

int json_get_string (const json_ctx *c, yajl_val obj, const char *path, const char *key, char **out)
{
  yajl_val v;
  if (!member (obj, key, &v))
    return 0;
  return WITH_MEMBER_PATH (c, path, key, json_to_string (c, v, _p, out));
}

int json_get_bool (const json_ctx *c, yajl_val obj, const char *path, const char *key, bool *out)
{
  yajl_val v;
  if (!member (obj, key, &v))
    return 0;
  if (!YAJL_IS_TRUE (v) && !YAJL_IS_FALSE (v))
    return json_error_at (c, path, key, "expected a boolean, got %s", type_name (v));
  *out = YAJL_IS_TRUE (v);
  return 1;
}

int json_get_int64 (const json_ctx *c, yajl_val obj, const char *path, const char *key, int64_t *out)
{
  yajl_val v;
  if (!member (obj, key, &v))
    return 0;
  return WITH_MEMBER_PATH (c, path, key, json_to_int64 (c, v, _p, out));
}

int json_get_uint64 (const json_ctx *c, yajl_val obj, const char *path, const char *key, uint64_t *out)
{
  yajl_val v;
  if (!member (obj, key, &v))
    return 0;
  return WITH_MEMBER_PATH (c, path, key, json_to_uint64 (c, v, _p, out));
}

int json_get_int32 (const json_ctx *c, yajl_val obj, const char *path, const char *key, int32_t *out)
{
  int64_t n = 0;
  int r = json_get_int64 (c, obj, path, key, &n);
  if (r <= 0)
    return r;
  if (n < INT32_MIN || n > INT32_MAX)
    return json_error_at (c, path, key, "value %" PRId64 " out of range", n);
  *out = (int32_t)n;
  return 1;
}

int json_get_uint32 (const json_ctx *c, yajl_val obj, const char *path, const char *key, uint32_t *out)
{
  uint64_t n = 0;
  int r = json_get_uint64 (c, obj, path, key, &n);
  if (r <= 0)
    return r;
  if (n > UINT32_MAX)
    return json_error_at (c, path, key, "value %" PRIu64 " out of range", n);
  *out = (uint32_t)n;
  return 1;
}

int json_get_strv (const json_ctx *c, yajl_val obj, const char *path, const char *key, char ***out, size_t *n)
{
  _cleanup_free_ char *p = NULL;
  _cleanup_strv_ char **v = NULL;
  yajl_val a;
  size_t len;

  if (!member (obj, key, &a))
    return 0;
  p = json_path_key (path, key);
  if (p == NULL)
    return keel_err (c->err, ENOMEM, "%s", c->file);
  if (json_expect_array (c, a, p) < 0)
    return -1;
  len = a->u.array.len;
  v = calloc (len + 1, sizeof (char *));
  if (v == NULL)
    return keel_err (c->err, ENOMEM, "%s", c->file);
  for (size_t i = 0; i < len; i++)
    {
      yajl_val e = a->u.array.values[i];
      if (!YAJL_IS_STRING (e))
        {
          _cleanup_free_ char *ip = json_path_index (p, i);
          return ip == NULL ? keel_err (c->err, ENOMEM, "%s", c->file)
                            : json_error (c, ip, "expected a string, got %s", type_name (e));
        }
      v[i] = strdup (e->u.string);
      if (v[i] == NULL)
        return keel_err (c->err, ENOMEM, "%s", c->file);
    }
  keel_strv_freep (out);
  *out = keel_steal_ptr (v);
  if (n != NULL)
    *n = len;
  return 1;
}

int json_get_string_map (const json_ctx *c, yajl_val obj, const char *path, const char *key, char ***out)
{
  _cleanup_free_ char *p = NULL;
  _cleanup_strv_ char **v = NULL;
  yajl_val o;
  size_t len;

  if (!member (obj, key, &o))
    return 0;
  p = json_path_key (path, key);
  if (p == NULL)
    return keel_err (c->err, ENOMEM, "%s", c->file);
  if (json_expect_object (c, o, p) < 0)
    return -1;
  len = o->u.object.len;
  v = calloc (2 * len + 1, sizeof (char *));
  if (v == NULL)
    return keel_err (c->err, ENOMEM, "%s", c->file);
  for (size_t i = 0; i < len; i++)
    {
      yajl_val e = o->u.object.values[i];
      if (!YAJL_IS_STRING (e))
        return json_error_at (c, p, o->u.object.keys[i], "expected a string, got %s", type_name (e));
      v[2 * i] = strdup (o->u.object.keys[i]);
      v[2 * i + 1] = strdup (e->u.string);
      if (v[2 * i] == NULL || v[2 * i + 1] == NULL)
        return keel_err (c->err, ENOMEM, "%s", c->file);
    }
  keel_strv_freep (out);
  *out = keel_steal_ptr (v);
  return 1;
}

yajl_gen json_gen_new (bool pretty)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  if (g == NULL)
    return NULL;
  yajl_gen_config (g, yajl_gen_beautify, pretty ? 1 : 0);
  yajl_gen_config (g, yajl_gen_indent_string, "\t");
  yajl_gen_config (g, yajl_gen_validate_utf8, 1);
  return g;
}

void json_gen_freep (yajl_gen *g)
{
  if (*g != NULL)
    yajl_gen_free (*g);
  *g = NULL;
}

void json_gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

void json_gen_key (yajl_gen g, const char *key)
{
  json_gen_str (g, key);
}

void json_gen_kv_str (yajl_gen g, const char *key, const char *value)
{
  if (value == NULL)
    return;
  json_gen_key (g, key);
  json_gen_str (g, value);
}

void json_gen_kv_int (yajl_gen g, const char *key, long long value)
{
  json_gen_key (g, key);
  yajl_gen_integer (g, value);
}

void json_gen_kv_uint (yajl_gen g, const char *key, unsigned long long value)
{
  char buf[32];
  int n = snprintf (buf, sizeof (buf), "%llu", value);
  json_gen_key (g, key);
  yajl_gen_number (g, buf, (size_t)n);
}

void json_gen_kv_bool (yajl_gen g, const char *key, bool value)
{
  json_gen_key (g, key);
  yajl_gen_bool (g, value);
}

void json_gen_strv (yajl_gen g, char *const *v)
{
  yajl_gen_array_open (g);
  for (; v != NULL && *v != NULL; v++)
    json_gen_str (g, *v);
  yajl_gen_array_close (g);
}

void json_gen_tree (yajl_gen g, yajl_val v)
{
  if (YAJL_IS_OBJECT (v))
    {
      yajl_gen_map_open (g);
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          json_gen_key (g, v->u.object.keys[i]);
          json_gen_tree (g, v->u.object.values[i]);
        }
      yajl_gen_map_close (g);
    }
  else if (YAJL_IS_ARRAY (v))
    {
      yajl_gen_array_open (g);
      for (size_t i = 0; i < v->u.array.len; i++)
        json_gen_tree (g, v->u.array.values[i]);
      yajl_gen_array_close (g);
    }
  else if (YAJL_IS_STRING (v))
    json_gen_str (g, v->u.string);
  else if (YAJL_IS_NUMBER (v))
    yajl_gen_number (g, v->u.number.r, strlen (v->u.number.r));
  else if (YAJL_IS_TRUE (v) || YAJL_IS_FALSE (v))
    yajl_gen_bool (g, YAJL_IS_TRUE (v));
  else
    yajl_gen_null (g);
}

int json_gen_take (yajl_gen g, char **out, size_t *len, keel_error **err)
{
  const unsigned char *buf;
  size_t l;
  char *s;

  if (yajl_gen_get_buf (g, &buf, &l) != yajl_gen_status_ok)
    return keel_err (err, 0, "cannot generate JSON");
  s = malloc (l + 1);
  if (s == NULL)
    return keel_err (err, ENOMEM, "cannot generate JSON");
  memcpy (s, buf, l);
  s[l] = '\0';
  *out = s;
  if (len != NULL)
    *len = l;
  return 0;
}

void json_tree_freep (yajl_val *v)
{
  if (*v != NULL)
    yajl_tree_free (*v);
  *v = NULL;
}

void json_gen_kv_strv (yajl_gen g, const char *key, char *const *v)
{
  if (v == NULL)
    return;
  json_gen_key (g, key);
  json_gen_strv (g, v);
}

void json_gen_kv_map (yajl_gen g, const char *key, char *const *map)
{
  if (map == NULL)
    return;
  json_gen_key (g, key);
  yajl_gen_map_open (g);
  for (size_t i = 0; map[i] != NULL && map[i + 1] != NULL; i += 2)
    json_gen_kv_str (g, map[i], map[i + 1]);
  yajl_gen_map_close (g);
}
