/* image-spec descriptors, index, manifest, image config, platform; Docker schema2 equivalents. */
#include "config.h"
#include "image.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "json.h"

#define OOM(c) keel_err ((c)->err, ENOMEM, "%s", (c)->file)

/* ---------------------------------------------------------------- media types */

/* Compare the type/subtype of a media type or Content-Type (parameters and case ignored) with WANT. */
static bool media_type_is (const char *mt, const char *want)
{
  size_t n = strcspn (mt, "; \t");
  return n == strlen (want) && strncasecmp (mt, want, n) == 0;
}

enum image_kind image_media_type_kind (const char *media_type)
{
  if (media_type == NULL)
    return IMAGE_KIND_UNKNOWN;
  if (media_type_is (media_type, IMAGE_MT_OCI_INDEX) || media_type_is (media_type, IMAGE_MT_DOCKER_MANIFEST_LIST))
    return IMAGE_KIND_INDEX;
  if (media_type_is (media_type, IMAGE_MT_OCI_MANIFEST) || media_type_is (media_type, IMAGE_MT_DOCKER_MANIFEST))
    return IMAGE_KIND_MANIFEST;
  if (media_type_is (media_type, IMAGE_MT_DOCKER_SCHEMA1) || media_type_is (media_type, IMAGE_MT_DOCKER_SCHEMA1_SIGNED))
    return IMAGE_KIND_SCHEMA1;
  return IMAGE_KIND_UNKNOWN;
}

enum image_kind image_document_kind (const char *content_type, const char *buf, size_t len)
{
  _cleanup_json_ yajl_val doc = NULL;
  _cleanup_error_ keel_error *err = NULL;
  enum image_kind k = image_media_type_kind (content_type);
  yajl_val v;

  if (k != IMAGE_KIND_UNKNOWN)
    return k;
  if (json_parse ("document", buf, len, &doc, &err) < 0 || !YAJL_IS_OBJECT (doc))
    return IMAGE_KIND_UNKNOWN;
  v = json_member (doc, "mediaType");
  if (v != NULL && YAJL_IS_STRING (v) && (k = image_media_type_kind (v->u.string)) != IMAGE_KIND_UNKNOWN)
    return k;
  v = json_member (doc, "schemaVersion");
  if (v != NULL && YAJL_IS_INTEGER (v) && v->u.number.i == 1)
    return IMAGE_KIND_SCHEMA1;
  if (json_member (doc, "manifests") != NULL)
    return IMAGE_KIND_INDEX;
  if (json_member (doc, "config") != NULL && json_member (doc, "layers") != NULL)
    return IMAGE_KIND_MANIFEST;
  return IMAGE_KIND_UNKNOWN;
}

const char *image_kind_name (enum image_kind k)
{
  switch (k)
    {
    case IMAGE_KIND_INDEX:
      return "image index";
    case IMAGE_KIND_MANIFEST:
      return "image manifest";
    case IMAGE_KIND_SCHEMA1:
      return "Docker schema1 manifest";
    default:
      return "unknown document";
    }
}

struct layer_media_type
{
  const char *media_type;
  enum image_compression compression;
  bool non_distributable;
};

static const struct layer_media_type layer_media_types[] = {
  { IMAGE_MT_OCI_LAYER, IMAGE_COMPRESSION_NONE, false },
  { IMAGE_MT_OCI_LAYER_GZIP, IMAGE_COMPRESSION_GZIP, false },
  { IMAGE_MT_OCI_LAYER_ZSTD, IMAGE_COMPRESSION_ZSTD, false },
  { IMAGE_MT_OCI_LAYER_ND, IMAGE_COMPRESSION_NONE, true },
  { IMAGE_MT_OCI_LAYER_ND_GZIP, IMAGE_COMPRESSION_GZIP, true },
  { IMAGE_MT_OCI_LAYER_ND_ZSTD, IMAGE_COMPRESSION_ZSTD, true },
  { IMAGE_MT_DOCKER_LAYER, IMAGE_COMPRESSION_NONE, false },
  { IMAGE_MT_DOCKER_LAYER_GZIP, IMAGE_COMPRESSION_GZIP, false },
  { IMAGE_MT_DOCKER_LAYER_FOREIGN_GZIP, IMAGE_COMPRESSION_GZIP, true },
};

int image_layer_media_type (const char *media_type, struct image_layer_type *out, keel_error **err)
{
  for (size_t i = 0; media_type != NULL && i < sizeof (layer_media_types) / sizeof (layer_media_types[0]); i++)
    if (strcmp (media_type, layer_media_types[i].media_type) == 0)
      {
        out->compression = layer_media_types[i].compression;
        out->non_distributable = layer_media_types[i].non_distributable;
        return 0;
      }
  return keel_err (err, 0, "unsupported layer media type \"%s\"", media_type ? media_type : "");
}

/* RFC 6838 section 4.2: restricted-name = ALPHA/DIGIT followed by up to 126 of ALPHA DIGIT ! # $ & - ^ _ . + */
static const char *restricted_name_end (const char *s)
{
  size_t n = 0;

  if (!isalnum ((unsigned char)*s))
    return NULL;
  while (isalnum ((unsigned char)s[n]) || (s[n] != '\0' && strchr ("!#$&-^_.+", s[n]) != NULL))
    n++;
  return n <= 127 ? s + n : NULL;
}

static bool media_type_valid (const char *mt)
{
  const char *p = restricted_name_end (mt);
  if (p == NULL || *p != '/')
    return false;
  p = restricted_name_end (p + 1);
  return p != NULL && *p == '\0';
}

/* ---------------------------------------------------------------- string maps */

static size_t strv_len (char *const *v)
{
  size_t n = 0;
  while (v != NULL && v[n] != NULL)
    n++;
  return n;
}

const char *image_map_get (char *const *map, const char *key)
{
  for (size_t i = 0; map != NULL && map[i] != NULL && map[i + 1] != NULL; i += 2)
    if (strcmp (map[i], key) == 0)
      return map[i + 1];
  return NULL;
}

int image_map_set (char ***map, const char *key, const char *value, keel_error **err)
{
  size_t n = strv_len (*map);
  _cleanup_free_ char *v = strdup (value);
  char **grown;

  if (v == NULL)
    return keel_err (err, ENOMEM, "annotations");
  for (size_t i = 0; i + 1 < n; i += 2)
    if (strcmp ((*map)[i], key) == 0)
      {
        free ((*map)[i + 1]);
        (*map)[i + 1] = keel_steal_ptr (v);
        return 0;
      }
  grown = realloc (*map, (n + 3) * sizeof (char *));
  if (grown == NULL)
    return keel_err (err, ENOMEM, "annotations");
  *map = grown;
  grown[n] = strdup (key);
  if (grown[n] == NULL)
    return keel_err (err, ENOMEM, "annotations");
  grown[n + 1] = keel_steal_ptr (v);
  grown[n + 2] = NULL;
  return 0;
}

void image_map_remove (char **map, const char *key)
{
  size_t n = strv_len (map);

  for (size_t i = 0; i + 1 < n; i += 2)
    if (strcmp (map[i], key) == 0)
      {
        free (map[i]);
        free (map[i + 1]);
        memmove (map + i, map + i + 2, (n - i - 1) * sizeof (char *));
        return;
      }
}

/* ---------------------------------------------------------------- parse helpers */

static int child_path (const json_ctx *c, const char *path, const char *key, char **out)
{
  *out = json_path_key (path, key);
  return *out == NULL ? OOM (c) : 0;
}

static int required (const json_ctx *c, int r, const char *path, const char *key)
{
  if (r == 0)
    return json_error_at (c, path, key, "required property missing");
  return r;
}

static int get_required_string (const json_ctx *c, yajl_val obj, const char *path, const char *key, char **out)
{
  return required (c, json_get_string (c, obj, path, key, out), path, key);
}

/* annotations.md "Rules": a string-string map whose keys MUST be unique. */
static int get_annotations (const json_ctx *c, yajl_val obj, const char *path, const char *key, char ***out)
{
  int r = json_get_string_map (c, obj, path, key, out);

  if (r <= 0)
    return r;
  for (size_t i = 0; (*out)[i] != NULL; i += 2)
    for (size_t j = i + 2; (*out)[j] != NULL; j += 2)
      if (strcmp ((*out)[i], (*out)[j]) == 0)
        {
          _cleanup_free_ char *p = NULL;
          if (child_path (c, path, key, &p) < 0)
            return -1;
          return json_error_at (c, p, (*out)[i], "duplicate key");
        }
  return 1;
}

/* The keys of an object used as a set (ExposedPorts, Volumes: Go's map[string]struct{}). */
static int get_key_set (const json_ctx *c, yajl_val obj, const char *path, const char *key, char ***out)
{
  _cleanup_free_ char *p = NULL;
  yajl_val o = json_member (obj, key);
  char **v;

  if (o == NULL || YAJL_IS_NULL (o))
    return 0;
  if (child_path (c, path, key, &p) < 0 || json_expect_object (c, o, p) < 0)
    return -1;
  v = calloc (o->u.object.len + 1, sizeof (char *));
  if (v == NULL)
    return OOM (c);
  *out = v;
  for (size_t i = 0; i < o->u.object.len; i++)
    if ((v[i] = strdup (o->u.object.keys[i])) == NULL)
      return OOM (c);
  return 1;
}

static int get_digest (const json_ctx *c, yajl_val obj, const char *path, const char *key, char **out, struct digest *d)
{
  _cleanup_error_ keel_error *e = NULL;
  int r = required (c, json_get_string (c, obj, path, key, out), path, key);

  if (r < 0)
    return -1;
  if (digest_parse (*out, d, &e) < 0)
    return json_error_at (c, path, key, "%s", e->msg);
  return 0;
}

static int check_media_type (const json_ctx *c, const char *path, const char *key, const char *mt)
{
  /* descriptor.md "mediaType": values MUST comply with RFC 6838, incl. the naming requirements of section 4.2. */
  if (mt != NULL && !media_type_valid (mt))
    return json_error_at (c, path, key, "invalid media type \"%s\" (RFC 6838 type/subtype)", mt);
  return 0;
}

/* ---------------------------------------------------------------- descriptors */

static int parse_platform (const json_ctx *c, yajl_val v, const char *path, struct image_platform **out)
{
  struct image_platform *p;

  if (json_expect_object (c, v, path) < 0)
    return -1;
  p = calloc (1, sizeof (*p));
  if (p == NULL)
    return OOM (c);
  *out = p;
  /* image-index.md "platform": architecture and os are REQUIRED. */
  if (get_required_string (c, v, path, "architecture", &p->architecture) < 0
      || get_required_string (c, v, path, "os", &p->os) < 0
      || json_get_string (c, v, path, "os.version", &p->os_version) < 0
      || json_get_strv (c, v, path, "os.features", &p->os_features, NULL) < 0
      || json_get_string (c, v, path, "variant", &p->variant) < 0
      || json_get_strv (c, v, path, "features", &p->features, NULL) < 0)
    return -1;
  return 0;
}

/* Strict RFC 4648 base64 (padding required, no whitespace), decoded with libcrypto. */
static int base64_decode (const char *s, unsigned char **out, size_t *out_len)
{
  size_t len = strlen (s), pad = 0;
  unsigned char *buf;
  int n;

  if (len % 4 != 0 || len > INT32_MAX)
    return -1;
  for (size_t i = 0; i < len; i++)
    {
      bool is_pad = s[i] == '=' && i >= len - 2 && (i == len - 1 || s[len - 1] == '=');
      if (!isalnum ((unsigned char)s[i]) && s[i] != '+' && s[i] != '/' && !is_pad)
        return -1;
      pad += is_pad;
    }
  buf = malloc (len / 4 * 3 + 1);
  if (buf == NULL)
    return -1;
  n = EVP_DecodeBlock (buf, (const unsigned char *)s, (int)len);
  if (n < 0 || (size_t)n < pad)
    {
      free (buf);
      return -1;
    }
  *out = buf;
  *out_len = (size_t)n - pad;
  return 0;
}

static int parse_descriptor_data (const json_ctx *c, yajl_val v, const char *path, struct image_descriptor *d)
{
  _cleanup_free_ char *b64 = NULL, *actual = NULL;
  _cleanup_error_ keel_error *e = NULL;
  int r = json_get_string (c, v, path, "data", &b64);

  if (r <= 0)
    return r;
  /* descriptor.md "data": values MUST conform to base64 (RFC 4648); the decoded data MUST be
   * identical to the referenced content and SHOULD be verified against digest and size. */
  if (base64_decode (b64, &d->data, &d->data_len) < 0)
    return json_error_at (c, path, "data", "invalid base64");
  if ((uint64_t)d->size != d->data_len)
    return json_error_at (c, path, "data", "%zu bytes, but size is %" PRId64, d->data_len, d->size);
  if (digest_compute (d->dgst.algorithm, d->data, d->data_len, &actual, &e) < 0)
    return json_error_at (c, path, "data", "%s", e->msg);
  if (strcmp (actual, d->digest) != 0)
    return json_error_at (c, path, "data", "content is %s, but digest is %s", actual, d->digest);
  return 1;
}

/* descriptor.md "urls": each entry MUST conform to RFC 3986. Checked: a scheme
 * (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )) followed by ":", and no spaces or control characters. */
static bool url_valid (const char *u)
{
  size_t scheme = 0;

  if (!isalpha ((unsigned char)u[0]))
    return false;
  while (isalnum ((unsigned char)u[scheme]) || u[scheme] == '+' || u[scheme] == '-' || u[scheme] == '.')
    scheme++;
  if (u[scheme] != ':')
    return false;
  for (const char *q = u; *q; q++)
    if ((unsigned char)*q <= 0x20 || *q == 0x7f)
      return false;
  return true;
}

static int check_urls (const json_ctx *c, const char *path, char **urls)
{
  for (size_t i = 0; urls != NULL && urls[i] != NULL; i++)
    if (!url_valid (urls[i]))
      {
        _cleanup_free_ char *p = json_path_key (path, "urls");
        _cleanup_free_ char *pi = p != NULL ? json_path_index (p, i) : NULL;
        if (pi == NULL)
          return OOM (c);
        return json_error (c, pi, "invalid URL \"%s\" (RFC 3986)", urls[i]);
      }
  return 0;
}

static int parse_descriptor (const json_ctx *c, yajl_val v, const char *path, struct image_descriptor *d)
{
  _cleanup_free_ char *pp = NULL;
  yajl_val plat;

  if (json_expect_object (c, v, path) < 0)
    return -1;
  /* descriptor.md "Properties": mediaType, digest and size are REQUIRED. */
  if (get_required_string (c, v, path, "mediaType", &d->media_type) < 0
      || check_media_type (c, path, "mediaType", d->media_type) < 0
      || get_digest (c, v, path, "digest", &d->digest, &d->dgst) < 0
      || required (c, json_get_int64 (c, v, path, "size", &d->size), path, "size") < 0)
    return -1;
  /* descriptor.md "size" is an int64 byte count: a negative one can describe nothing. */
  if (d->size < 0)
    return json_error_at (c, path, "size", "must not be negative, got %" PRId64, d->size);
  if (json_get_strv (c, v, path, "urls", &d->urls, NULL) < 0 || check_urls (c, path, d->urls) < 0
      || get_annotations (c, v, path, "annotations", &d->annotations) < 0
      || json_get_string (c, v, path, "artifactType", &d->artifact_type) < 0
      || check_media_type (c, path, "artifactType", d->artifact_type) < 0 || parse_descriptor_data (c, v, path, d) < 0)
    return -1;
  plat = json_member (v, "platform");
  if (plat == NULL || YAJL_IS_NULL (plat))
    return 0;
  if (child_path (c, path, "platform", &pp) < 0)
    return -1;
  return parse_platform (c, plat, pp, &d->platform);
}

/* An array of descriptors at OBJ[KEY]; REQUIRED when REQ. */
static int parse_descriptor_array (const json_ctx *c, yajl_val obj, const char *path, const char *key, bool req,
                                   struct image_descriptor **out, size_t *n)
{
  _cleanup_free_ char *p = NULL;
  yajl_val a = json_member (obj, key);

  if (a == NULL || YAJL_IS_NULL (a))
    return req ? json_error_at (c, path, key, "required property missing") : 0;
  if (child_path (c, path, key, &p) < 0 || json_expect_array (c, a, p) < 0)
    return -1;
  *out = calloc (a->u.array.len + 1, sizeof (**out));
  if (*out == NULL)
    return OOM (c);
  for (size_t i = 0; i < a->u.array.len; i++)
    {
      _cleanup_free_ char *pi = json_path_index (p, i);
      if (pi == NULL)
        return OOM (c);
      *n = i + 1;
      if (parse_descriptor (c, a->u.array.values[i], pi, &(*out)[i]) < 0)
        return -1;
    }
  return 0;
}

static int parse_optional_descriptor (const json_ctx *c, yajl_val obj, const char *path, const char *key,
                                      struct image_descriptor **out)
{
  _cleanup_free_ char *p = NULL;
  yajl_val v = json_member (obj, key);

  if (v == NULL || YAJL_IS_NULL (v))
    return 0;
  if (child_path (c, path, key, &p) < 0)
    return -1;
  *out = calloc (1, sizeof (**out));
  if (*out == NULL)
    return OOM (c);
  return parse_descriptor (c, v, p, *out);
}

static int copy_strv (char ***dst, char *const *src, keel_error **err)
{
  size_t n = strv_len (src);

  *dst = NULL;
  if (src == NULL)
    return 0;
  *dst = calloc (n + 1, sizeof (char *));
  if (*dst == NULL)
    return keel_err (err, ENOMEM, "descriptor");
  for (size_t i = 0; i < n; i++)
    if (((*dst)[i] = strdup (src[i])) == NULL)
      return keel_err (err, ENOMEM, "descriptor");
  return 0;
}

static int copy_str (char **dst, const char *src, keel_error **err)
{
  *dst = NULL;
  if (src != NULL && (*dst = strdup (src)) == NULL)
    return keel_err (err, ENOMEM, "descriptor");
  return 0;
}

int image_descriptor_copy (struct image_descriptor *dst, const struct image_descriptor *src, keel_error **err)
{
  memset (dst, 0, sizeof (*dst));
  dst->size = src->size;
  dst->dgst = src->dgst;
  if (copy_str (&dst->media_type, src->media_type, err) < 0 || copy_str (&dst->digest, src->digest, err) < 0
      || copy_strv (&dst->urls, src->urls, err) < 0 || copy_strv (&dst->annotations, src->annotations, err) < 0
      || copy_str (&dst->artifact_type, src->artifact_type, err) < 0)
    goto fail;
  if (src->platform != NULL
      && ((dst->platform = calloc (1, sizeof (*dst->platform))) == NULL
          || image_platform_copy (dst->platform, src->platform, err) < 0))
    goto fail;
  if (src->data != NULL)
    {
      if ((dst->data = malloc (src->data_len + 1)) == NULL)
        goto fail;
      memcpy (dst->data, src->data, src->data_len);
      dst->data_len = src->data_len;
    }
  return 0;
fail:
  image_descriptor_clear (dst);
  if (err != NULL && *err == NULL)
    keel_err (err, ENOMEM, "descriptor");
  return -1;
}

void image_descriptor_clear (struct image_descriptor *d)
{
  if (d == NULL)
    return;
  free (d->media_type);
  free (d->digest);
  keel_strv_freep (&d->urls);
  keel_strv_freep (&d->annotations);
  image_platform_free (d->platform);
  free (d->artifact_type);
  free (d->data);
  memset (d, 0, sizeof (*d));
}

static void descriptor_array_free (struct image_descriptor *a, size_t n)
{
  for (size_t i = 0; a != NULL && i < n; i++)
    image_descriptor_clear (&a[i]);
  free (a);
}

static void descriptor_free (struct image_descriptor *d)
{
  image_descriptor_clear (d);
  free (d);
}

/* ---------------------------------------------------------------- emit helpers */

static void gen_set (yajl_gen g, const char *key, char *const *set)
{
  if (set == NULL)
    return;
  json_gen_key (g, key);
  yajl_gen_map_open (g);
  for (size_t i = 0; set[i] != NULL; i++)
    {
      json_gen_key (g, set[i]);
      yajl_gen_map_open (g);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
}

static void gen_platform (yajl_gen g, const struct image_platform *p)
{
  json_gen_key (g, "platform");
  yajl_gen_map_open (g);
  json_gen_kv_str (g, "architecture", p->architecture);
  json_gen_kv_str (g, "os", p->os);
  json_gen_kv_str (g, "os.version", p->os_version);
  json_gen_kv_strv (g, "os.features", p->os_features);
  json_gen_kv_str (g, "variant", p->variant);
  json_gen_kv_strv (g, "features", p->features);
  yajl_gen_map_close (g);
}

static int gen_descriptor (yajl_gen g, const struct image_descriptor *d)
{
  yajl_gen_map_open (g);
  json_gen_kv_str (g, "mediaType", d->media_type);
  json_gen_kv_str (g, "artifactType", d->artifact_type);
  json_gen_kv_str (g, "digest", d->digest);
  json_gen_kv_int (g, "size", d->size);
  json_gen_kv_strv (g, "urls", d->urls);
  json_gen_kv_map (g, "annotations", d->annotations);
  if (d->data != NULL)
    {
      _cleanup_free_ char *b64 = malloc ((d->data_len + 2) / 3 * 4 + 1);
      if (b64 == NULL || d->data_len > INT32_MAX)
        return -1;
      EVP_EncodeBlock ((unsigned char *)b64, d->data, (int)d->data_len);
      json_gen_kv_str (g, "data", b64);
    }
  if (d->platform != NULL)
    gen_platform (g, d->platform);
  yajl_gen_map_close (g);
  return 0;
}

static int gen_descriptor_array (yajl_gen g, const char *key, const struct image_descriptor *a, size_t n)
{
  json_gen_key (g, key);
  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    if (gen_descriptor (g, &a[i]) < 0)
      return -1;
  yajl_gen_array_close (g);
  return 0;
}

static int gen_finish (yajl_gen g, int status, const char *what, char **out, size_t *len, keel_error **err)
{
  size_t l = 0;
  if (status < 0)
    return keel_err (err, ENOMEM, "%s", what);
  if (json_gen_take (g, out, &l, err) < 0)
    return keel_err_prefix (err, "%s", what);
  if (len != NULL)
    *len = l;
  return 0;
}

/* ---------------------------------------------------------------- shared top-level checks */

/* schemaVersion: REQUIRED and MUST be 2 (manifest.md, image-index.md), and no schema1. */
static int check_schema_version (const json_ctx *c, yajl_val doc, int *out)
{
  int32_t v = 0;
  int r = json_get_int32 (c, doc, "", "schemaVersion", &v);

  if (r < 0 || required (c, r, "", "schemaVersion") < 0)
    return -1;
  if (v == 1)
    return json_error_at (c, "", "schemaVersion", "Docker schema1 manifests (schemaVersion 1) are not supported");
  if (v != 2)
    return json_error_at (c, "", "schemaVersion", "must be 2, got %" PRId32, v);
  *out = v;
  return 0;
}

/* mediaType, when present, MUST be the document's own type (manifest.md / image-index.md "mediaType");
 * the Docker equivalent is accepted in its place. */
static int check_doc_media_type (const json_ctx *c, const char *mt, const char *oci, const char *docker)
{
  if (mt == NULL || strcmp (mt, oci) == 0 || strcmp (mt, docker) == 0)
    return 0;
  return json_error_at (c, "", "mediaType", "expected %s or %s, got \"%s\"", oci, docker, mt);
}

static int parse_root (const char *name, const char *buf, size_t len, yajl_val *doc, keel_error **err)
{
  json_ctx c = { name, err };
  if (json_parse (name, buf, len, doc, err) < 0)
    return -1;
  return json_expect_object (&c, *doc, "");
}

/* ---------------------------------------------------------------- index */

void image_index_free (struct image_index *idx)
{
  if (idx == NULL)
    return;
  free (idx->media_type);
  free (idx->artifact_type);
  descriptor_array_free (idx->manifests, idx->n_manifests);
  descriptor_free (idx->subject);
  keel_strv_freep (&idx->annotations);
  free (idx);
}

void image_index_freep (struct image_index **idx)
{
  image_index_free (*idx);
  *idx = NULL;
}

static int parse_index (const json_ctx *c, yajl_val doc, struct image_index *idx)
{
  if (check_schema_version (c, doc, &idx->schema_version) < 0
      || json_get_string (c, doc, "", "mediaType", &idx->media_type) < 0
      || check_doc_media_type (c, idx->media_type, IMAGE_MT_OCI_INDEX, IMAGE_MT_DOCKER_MANIFEST_LIST) < 0
      || json_get_string (c, doc, "", "artifactType", &idx->artifact_type) < 0
      || check_media_type (c, "", "artifactType", idx->artifact_type) < 0)
    return -1;
  /* image-index.md "manifests": REQUIRED array of descriptors. */
  if (parse_descriptor_array (c, doc, "", "manifests", true, &idx->manifests, &idx->n_manifests) < 0
      || parse_optional_descriptor (c, doc, "", "subject", &idx->subject) < 0
      || get_annotations (c, doc, "", "annotations", &idx->annotations) < 0)
    return -1;
  return 0;
}

int image_index_parse (const char *name, const char *buf, size_t len, struct image_index **out, keel_error **err)
{
  _cleanup_json_ yajl_val doc = NULL;
  _cleanup_image_index_ struct image_index *idx = NULL;
  json_ctx c = { name, err };

  if (parse_root (name, buf, len, &doc, err) < 0)
    return -1;
  idx = calloc (1, sizeof (*idx));
  if (idx == NULL)
    return OOM (&c);
  if (parse_index (&c, doc, idx) < 0)
    return -1;
  *out = keel_steal_ptr (idx);
  return 0;
}

struct image_index *image_index_new (keel_error **err)
{
  struct image_index *idx = calloc (1, sizeof (*idx));

  if (idx == NULL || (idx->media_type = strdup (IMAGE_MT_OCI_INDEX)) == NULL)
    {
      free (idx);
      keel_err (err, ENOMEM, "index");
      return NULL;
    }
  idx->schema_version = 2;
  return idx;
}

int image_index_append (struct image_index *idx, struct image_descriptor *desc, keel_error **err)
{
  struct image_descriptor *grown = realloc (idx->manifests, (idx->n_manifests + 1) * sizeof (*grown));

  if (grown == NULL)
    return keel_err (err, ENOMEM, "index");
  idx->manifests = grown;
  grown[idx->n_manifests++] = *desc;
  memset (desc, 0, sizeof (*desc));
  return 0;
}

void image_index_remove (struct image_index *idx, size_t i)
{
  if (i >= idx->n_manifests)
    return;
  image_descriptor_clear (&idx->manifests[i]);
  memmove (idx->manifests + i, idx->manifests + i + 1, (idx->n_manifests - i - 1) * sizeof (*idx->manifests));
  idx->n_manifests--;
}

/* At most this many platforms in a "no manifest for" message: an index may list 100 000 entries. */
#define AVAILABLE_PLATFORMS_MAX 16

/* The platforms image_index_select could have chosen (image manifests only), for the error when nothing
 * matches: "linux/amd64, linux/arm/v7 and 3 more". */
static char *available_platforms (const struct image_index *idx)
{
  char *list = strdup ("");
  size_t shown = 0, more = 0;

  for (size_t i = 0; list != NULL && i < idx->n_manifests; i++)
    {
      _cleanup_free_ char *p = NULL;
      char *next = NULL;
      if (idx->manifests[i].platform == NULL
          || image_media_type_kind (idx->manifests[i].media_type) != IMAGE_KIND_MANIFEST)
        continue;
      if (shown == AVAILABLE_PLATFORMS_MAX)
        {
          more++;
          continue;
        }
      if ((p = image_platform_format (idx->manifests[i].platform)) == NULL)
        continue;
      if (asprintf (&next, "%s%s%s", list, *list ? ", " : "", p) < 0)
        next = NULL;
      free (list);
      list = next;
      shown++;
    }
  if (list != NULL && more > 0)
    {
      char *next = NULL;
      if (asprintf (&next, "%s and %zu more", list, more) < 0)
        next = NULL;
      free (list);
      list = next;
    }
  return list;
}

int image_index_select (const struct image_index *idx, const char *name, const struct image_platform *want,
                        size_t *chosen, keel_error **err)
{
  _cleanup_free_ char *w = NULL, *avail = NULL;
  size_t nested = 0;
  int best = 0;

  for (size_t i = 0; i < idx->n_manifests; i++)
    {
      const struct image_descriptor *d = &idx->manifests[i];
      int score;
      nested += image_media_type_kind (d->media_type) == IMAGE_KIND_INDEX;
      /* image-index.md "manifests": entries of unknown media type MUST be ignored, not an error. */
      if (d->platform == NULL || image_media_type_kind (d->media_type) != IMAGE_KIND_MANIFEST)
        continue;
      score = image_platform_match (want, d->platform);
      if (score > best)
        {
          best = score;
          *chosen = i;
        }
    }
  if (best > 0)
    return 0;
  w = image_platform_format (want);
  avail = available_platforms (idx);
  /* an index of indexes is valid image-spec, but only one level is followed: say so rather than
   * list the nested index's platform as if it were available */
  return keel_err (err, 0, "%s: no manifest for %s (available: %s)%s", name, w ? w : "?",
                   avail && *avail ? avail : "none", nested > 0 ? "; nested indexes are not followed" : "");
}

int image_index_to_json (const struct image_index *idx, char **out, size_t *len, keel_error **err)
{
  _cleanup_json_gen_ yajl_gen g = json_gen_new (false);
  int st = g == NULL ? -1 : 0;

  if (g != NULL)
    {
      yajl_gen_map_open (g);
      json_gen_kv_int (g, "schemaVersion", idx->schema_version);
      json_gen_kv_str (g, "mediaType", idx->media_type);
      json_gen_kv_str (g, "artifactType", idx->artifact_type);
      st = gen_descriptor_array (g, "manifests", idx->manifests, idx->n_manifests);
      if (st == 0 && idx->subject != NULL)
        {
          json_gen_key (g, "subject");
          st = gen_descriptor (g, idx->subject);
        }
      json_gen_kv_map (g, "annotations", idx->annotations);
      yajl_gen_map_close (g);
    }
  return gen_finish (g, st, "index", out, len, err);
}

/* ---------------------------------------------------------------- manifest */

void image_manifest_free (struct image_manifest *m)
{
  if (m == NULL)
    return;
  free (m->media_type);
  free (m->artifact_type);
  image_descriptor_clear (&m->config);
  descriptor_array_free (m->layers, m->n_layers);
  descriptor_free (m->subject);
  keel_strv_freep (&m->annotations);
  free (m);
}

void image_manifest_freep (struct image_manifest **m)
{
  image_manifest_free (*m);
  *m = NULL;
}

static int parse_manifest (const json_ctx *c, yajl_val doc, struct image_manifest *m)
{
  yajl_val config = json_member (doc, "config");

  if (check_schema_version (c, doc, &m->schema_version) < 0
      || json_get_string (c, doc, "", "mediaType", &m->media_type) < 0
      || check_doc_media_type (c, m->media_type, IMAGE_MT_OCI_MANIFEST, IMAGE_MT_DOCKER_MANIFEST) < 0
      || json_get_string (c, doc, "", "artifactType", &m->artifact_type) < 0
      || check_media_type (c, "", "artifactType", m->artifact_type) < 0)
    return -1;
  /* manifest.md: "config" and "layers" are REQUIRED. */
  if (config == NULL || YAJL_IS_NULL (config))
    return json_error_at (c, "", "config", "required property missing");
  if (parse_descriptor (c, config, ".config", &m->config) < 0
      || parse_descriptor_array (c, doc, "", "layers", true, &m->layers, &m->n_layers) < 0
      || parse_optional_descriptor (c, doc, "", "subject", &m->subject) < 0
      || get_annotations (c, doc, "", "annotations", &m->annotations) < 0)
    return -1;
  /* manifest.md "artifactType": MUST be set when config.mediaType is the empty value. */
  if (strcmp (m->config.media_type, IMAGE_MT_OCI_EMPTY) == 0 && m->artifact_type == NULL)
    return json_error_at (c, "", "artifactType", "required when .config.mediaType is %s", IMAGE_MT_OCI_EMPTY);
  return 0;
}

int image_manifest_parse (const char *name, const char *buf, size_t len, struct image_manifest **out, keel_error **err)
{
  _cleanup_json_ yajl_val doc = NULL;
  _cleanup_image_manifest_ struct image_manifest *m = NULL;
  json_ctx c = { name, err };

  if (parse_root (name, buf, len, &doc, err) < 0)
    return -1;
  m = calloc (1, sizeof (*m));
  if (m == NULL)
    return OOM (&c);
  if (parse_manifest (&c, doc, m) < 0)
    return -1;
  *out = keel_steal_ptr (m);
  return 0;
}

int image_manifest_to_json (const struct image_manifest *m, char **out, size_t *len, keel_error **err)
{
  _cleanup_json_gen_ yajl_gen g = json_gen_new (false);
  int st = g == NULL ? -1 : 0;

  if (g != NULL)
    {
      yajl_gen_map_open (g);
      json_gen_kv_int (g, "schemaVersion", m->schema_version);
      json_gen_kv_str (g, "mediaType", m->media_type);
      json_gen_kv_str (g, "artifactType", m->artifact_type);
      json_gen_key (g, "config");
      st = gen_descriptor (g, &m->config);
      if (st == 0)
        st = gen_descriptor_array (g, "layers", m->layers, m->n_layers);
      if (st == 0 && m->subject != NULL)
        {
          json_gen_key (g, "subject");
          st = gen_descriptor (g, m->subject);
        }
      json_gen_kv_map (g, "annotations", m->annotations);
      yajl_gen_map_close (g);
    }
  return gen_finish (g, st, "manifest", out, len, err);
}

/* ---------------------------------------------------------------- image config */

static bool digits (const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isdigit ((unsigned char)s[i]))
      return false;
  return true;
}

/* RFC 3339 section 5.6 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM). */
static bool rfc3339_valid (const char *s)
{
  const char *p = s + 19;

  if (strlen (s) < 20 || !digits (s, 4) || s[4] != '-' || !digits (s + 5, 2) || s[7] != '-' || !digits (s + 8, 2)
      || (s[10] != 'T' && s[10] != 't') || !digits (s + 11, 2) || s[13] != ':' || !digits (s + 14, 2) || s[16] != ':'
      || !digits (s + 17, 2))
    return false;
  if (*p == '.')
    {
      size_t n = strspn (p + 1, "0123456789");
      if (n == 0)
        return false;
      p += 1 + n;
    }
  if (*p == 'Z' || *p == 'z')
    return p[1] == '\0';
  return (*p == '+' || *p == '-') && digits (p + 1, 2) && p[3] == ':' && digits (p + 4, 2) && p[6] == '\0';
}

static int get_time (const json_ctx *c, yajl_val obj, const char *path, const char *key, char **out)
{
  int r = json_get_string (c, obj, path, key, out);
  /* config.md "created" and history "created": formatted as RFC 3339 section 5.6. */
  if (r > 0 && !rfc3339_valid (*out))
    return json_error_at (c, path, key, "expected an RFC 3339 date-time, got \"%s\"", *out);
  return r;
}

/* config.md "ExposedPorts": keys are "port/tcp", "port/udp" or "port" (Docker also writes sctp). */
static int check_ports (const json_ctx *c, char **ports)
{
  for (size_t i = 0; ports != NULL && ports[i] != NULL; i++)
    {
      const char *p = ports[i], *slash = strchr (p, '/');
      size_t n = slash ? (size_t)(slash - p) : strlen (p);
      long port = n > 0 && n <= 5 && digits (p, n) ? strtol (p, NULL, 10) : -1;
      if (port < 0 || port > 65535
          || (slash != NULL && strcmp (slash, "/tcp") != 0 && strcmp (slash, "/udp") != 0
              && strcmp (slash, "/sctp") != 0))
        return json_error_at (c, ".config.ExposedPorts", p, "expected port, port/tcp, port/udp or port/sctp");
    }
  return 0;
}

/* config.md "Env": entries are in the format VARNAME=VARVALUE. */
static int check_env (const json_ctx *c, char **env)
{
  for (size_t i = 0; env != NULL && env[i] != NULL; i++)
    if (strchr (env[i], '=') == NULL || env[i][0] == '=')
      {
        _cleanup_free_ char *p = json_path_index (".config.Env", i);
        return json_error (c, p ? p : ".config.Env", "expected NAME=value, got \"%s\"", env[i]);
      }
  return 0;
}

static int parse_exec_config (const json_ctx *c, yajl_val v, struct image_exec_config *e)
{
  const char *p = ".config";

  if (v == NULL || YAJL_IS_NULL (v))
    return 0;
  if (json_expect_object (c, v, p) < 0 || json_get_string (c, v, p, "User", &e->user) < 0
      || get_key_set (c, v, p, "ExposedPorts", &e->exposed_ports) < 0 || check_ports (c, e->exposed_ports) < 0
      || json_get_strv (c, v, p, "Env", &e->env, NULL) < 0 || check_env (c, e->env) < 0
      || json_get_strv (c, v, p, "Entrypoint", &e->entrypoint, NULL) < 0
      || json_get_strv (c, v, p, "Cmd", &e->cmd, NULL) < 0 || get_key_set (c, v, p, "Volumes", &e->volumes) < 0
      || json_get_string (c, v, p, "WorkingDir", &e->working_dir) < 0
      || json_get_string_map (c, v, p, "Labels", &e->labels) < 0
      || json_get_string (c, v, p, "StopSignal", &e->stop_signal) < 0)
    return -1;
  return 0;
}

static int parse_rootfs (const json_ctx *c, yajl_val doc, struct image_config *cfg)
{
  yajl_val v = json_member (doc, "rootfs");
  const char *p = ".rootfs";

  /* config.md "rootfs": REQUIRED; type MUST be "layers"; diff_ids REQUIRED. */
  if (v == NULL || YAJL_IS_NULL (v))
    return json_error_at (c, "", "rootfs", "required property missing");
  if (json_expect_object (c, v, p) < 0 || get_required_string (c, v, p, "type", &cfg->rootfs_type) < 0)
    return -1;
  if (strcmp (cfg->rootfs_type, "layers") != 0)
    return json_error_at (c, p, "type", "must be \"layers\", got \"%s\"", cfg->rootfs_type);
  if (required (c, json_get_strv (c, v, p, "diff_ids", &cfg->diff_ids, &cfg->n_diff_ids), p, "diff_ids") < 0)
    return -1;
  for (size_t i = 0; i < cfg->n_diff_ids; i++)
    {
      _cleanup_error_ keel_error *e = NULL;
      struct digest d;
      if (digest_parse (cfg->diff_ids[i], &d, &e) < 0)
        {
          _cleanup_free_ char *pi = json_path_index (".rootfs.diff_ids", i);
          return json_error (c, pi ? pi : p, "%s", e->msg);
        }
    }
  return 0;
}

static int parse_history (const json_ctx *c, yajl_val doc, struct image_config *cfg)
{
  yajl_val a = json_member (doc, "history");

  if (a == NULL || YAJL_IS_NULL (a))
    return 0;
  if (json_expect_array (c, a, ".history") < 0)
    return -1;
  cfg->history = calloc (a->u.array.len + 1, sizeof (*cfg->history));
  if (cfg->history == NULL)
    return OOM (c);
  for (size_t i = 0; i < a->u.array.len; i++)
    {
      _cleanup_free_ char *p = json_path_index (".history", i);
      struct image_history *h = &cfg->history[i];
      yajl_val v = a->u.array.values[i];
      cfg->n_history = i + 1;
      if (p == NULL)
        return OOM (c);
      if (json_expect_object (c, v, p) < 0 || get_time (c, v, p, "created", &h->created) < 0
          || json_get_string (c, v, p, "author", &h->author) < 0
          || json_get_string (c, v, p, "created_by", &h->created_by) < 0
          || json_get_string (c, v, p, "comment", &h->comment) < 0
          || json_get_bool (c, v, p, "empty_layer", &h->empty_layer) < 0)
        return -1;
    }
  return 0;
}

static int parse_config (const json_ctx *c, yajl_val doc, struct image_config *cfg)
{
  /* config.md: architecture and os are REQUIRED. */
  if (get_time (c, doc, "", "created", &cfg->created) < 0 || json_get_string (c, doc, "", "author", &cfg->author) < 0
      || get_required_string (c, doc, "", "architecture", &cfg->architecture) < 0
      || get_required_string (c, doc, "", "os", &cfg->os) < 0
      || json_get_string (c, doc, "", "os.version", &cfg->os_version) < 0
      || json_get_strv (c, doc, "", "os.features", &cfg->os_features, NULL) < 0
      || json_get_string (c, doc, "", "variant", &cfg->variant) < 0
      || parse_exec_config (c, json_member (doc, "config"), &cfg->config) < 0 || parse_rootfs (c, doc, cfg) < 0
      || parse_history (c, doc, cfg) < 0)
    return -1;
  return 0;
}

void image_config_free (struct image_config *cfg)
{
  struct image_exec_config *e;

  if (cfg == NULL)
    return;
  e = &cfg->config;
  free (cfg->created);
  free (cfg->author);
  free (cfg->architecture);
  free (cfg->os);
  free (cfg->os_version);
  keel_strv_freep (&cfg->os_features);
  free (cfg->variant);
  free (e->user);
  keel_strv_freep (&e->exposed_ports);
  keel_strv_freep (&e->env);
  keel_strv_freep (&e->entrypoint);
  keel_strv_freep (&e->cmd);
  keel_strv_freep (&e->volumes);
  free (e->working_dir);
  keel_strv_freep (&e->labels);
  free (e->stop_signal);
  free (cfg->rootfs_type);
  keel_strv_freep (&cfg->diff_ids);
  for (size_t i = 0; cfg->history != NULL && i < cfg->n_history; i++)
    {
      free (cfg->history[i].created);
      free (cfg->history[i].author);
      free (cfg->history[i].created_by);
      free (cfg->history[i].comment);
    }
  free (cfg->history);
  free (cfg);
}

void image_config_freep (struct image_config **cfg)
{
  image_config_free (*cfg);
  *cfg = NULL;
}

int image_config_parse (const char *name, const char *buf, size_t len, struct image_config **out, keel_error **err)
{
  _cleanup_json_ yajl_val doc = NULL;
  _cleanup_image_config_ struct image_config *cfg = NULL;
  json_ctx c = { name, err };

  if (parse_root (name, buf, len, &doc, err) < 0)
    return -1;
  cfg = calloc (1, sizeof (*cfg));
  if (cfg == NULL)
    return OOM (&c);
  if (parse_config (&c, doc, cfg) < 0)
    return -1;
  *out = keel_steal_ptr (cfg);
  return 0;
}

int image_config_platform (const struct image_config *cfg, struct image_platform *out, keel_error **err)
{
  struct image_platform p = {
    .os = cfg->os,
    .architecture = cfg->architecture,
    .variant = cfg->variant,
    .os_version = cfg->os_version,
    .os_features = cfg->os_features,
  };

  if (image_platform_copy (out, &p, err) < 0)
    return -1;
  if (image_platform_normalize (out, err) < 0)
    {
      image_platform_clear (out);
      return -1;
    }
  return 0;
}

static void gen_exec_config (yajl_gen g, const struct image_exec_config *e)
{
  json_gen_key (g, "config");
  yajl_gen_map_open (g);
  json_gen_kv_str (g, "User", e->user);
  gen_set (g, "ExposedPorts", e->exposed_ports);
  json_gen_kv_strv (g, "Env", e->env);
  json_gen_kv_strv (g, "Entrypoint", e->entrypoint);
  json_gen_kv_strv (g, "Cmd", e->cmd);
  gen_set (g, "Volumes", e->volumes);
  json_gen_kv_str (g, "WorkingDir", e->working_dir);
  json_gen_kv_map (g, "Labels", e->labels);
  json_gen_kv_str (g, "StopSignal", e->stop_signal);
  yajl_gen_map_close (g);
}

static void gen_history (yajl_gen g, const struct image_history *h, size_t n)
{
  json_gen_key (g, "history");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      yajl_gen_map_open (g);
      json_gen_kv_str (g, "created", h[i].created);
      json_gen_kv_str (g, "author", h[i].author);
      json_gen_kv_str (g, "created_by", h[i].created_by);
      json_gen_kv_str (g, "comment", h[i].comment);
      if (h[i].empty_layer)
        json_gen_kv_bool (g, "empty_layer", true);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

int image_config_to_json (const struct image_config *cfg, char **out, size_t *len, keel_error **err)
{
  _cleanup_json_gen_ yajl_gen g = json_gen_new (false);

  if (g != NULL)
    {
      yajl_gen_map_open (g);
      json_gen_kv_str (g, "created", cfg->created);
      json_gen_kv_str (g, "author", cfg->author);
      json_gen_kv_str (g, "architecture", cfg->architecture);
      json_gen_kv_str (g, "os", cfg->os);
      json_gen_kv_str (g, "os.version", cfg->os_version);
      json_gen_kv_strv (g, "os.features", cfg->os_features);
      json_gen_kv_str (g, "variant", cfg->variant);
      gen_exec_config (g, &cfg->config);
      json_gen_key (g, "rootfs");
      yajl_gen_map_open (g);
      json_gen_kv_str (g, "type", cfg->rootfs_type);
      json_gen_key (g, "diff_ids");
      json_gen_strv (g, cfg->diff_ids != NULL ? cfg->diff_ids : (char *[]){ NULL });
      yajl_gen_map_close (g);
      if (cfg->history != NULL)
        gen_history (g, cfg->history, cfg->n_history);
      yajl_gen_map_close (g);
    }
  return gen_finish (g, g == NULL ? -1 : 0, "image config", out, len, err);
}

/* ---------------------------------------------------------------- image layout */

int image_layout_check (const char *name, const char *buf, size_t len, keel_error **err)
{
  _cleanup_json_ yajl_val doc = NULL;
  _cleanup_free_ char *version = NULL;
  json_ctx c = { name, err };

  /* image-layout.md "oci-layout file": a JSON object with the REQUIRED imageLayoutVersion. */
  if (parse_root (name, buf, len, &doc, err) < 0
      || get_required_string (&c, doc, "", "imageLayoutVersion", &version) < 0)
    return -1;
  if (strncmp (version, "1.", 2) != 0)
    return json_error_at (&c, "", "imageLayoutVersion", "unsupported version \"%s\" (expected 1.x)", version);
  return 0;
}

int image_layout_blob_path (const char *digest, char **out, keel_error **err)
{
  struct digest d;

  /* image-layout.md "Blobs": blobs/<alg>/<encoded>. */
  if (digest_parse (digest, &d, err) < 0)
    return -1;
  if (asprintf (out, "blobs/%s/%s", digest_algorithm_name (d.algorithm), d.hex) < 0)
    return keel_err (err, ENOMEM, "blob path");
  return 0;
}

static int each_index_child (const struct image_descriptor *desc, const char *buf, size_t len, image_child_fn fn,
                             void *arg, keel_error **err)
{
  _cleanup_image_index_ struct image_index *idx = NULL;

  if (image_index_parse (desc->digest, buf, len, &idx, err) < 0)
    return -1;
  /* image-layout.md "Blobs": a layout MAY lack referenced blobs; a pull keeps only the platforms asked for */
  for (size_t i = 0; i < idx->n_manifests; i++)
    if (fn (arg, &idx->manifests[i], true, err) < 0)
      return -1;
  return 0;
}

int image_each_child (const struct image_descriptor *desc, const char *buf, size_t len, image_child_fn fn, void *arg,
                      keel_error **err)
{
  _cleanup_image_manifest_ struct image_manifest *m = NULL;
  enum image_kind kind = image_document_kind (desc->media_type, buf, len);

  if (kind == IMAGE_KIND_INDEX)
    return each_index_child (desc, buf, len, fn, arg, err);
  if (kind != IMAGE_KIND_MANIFEST)
    return 0;
  if (image_manifest_parse (desc->digest, buf, len, &m, err) < 0 || fn (arg, &m->config, false, err) < 0)
    return -1;
  for (size_t i = 0; i < m->n_layers; i++)
    {
      struct image_layer_type t = { 0 };
      /* layer.md "Non-Distributable Layers": fetched from their urls, not necessarily held */
      bool nd = image_layer_media_type (m->layers[i].media_type, &t, NULL) == 0 && t.non_distributable;
      if (fn (arg, &m->layers[i], nd, err) < 0)
        return -1;
    }
  return 0;
}
