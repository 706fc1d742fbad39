/* imagetool pull: reference → manifest (index → platform) → verified blobs in the store → ref in index.json. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "commands.h"
#include "digest.h"
#include "image.h"
#include "progress.h"
#include "reference.h"
#include "registries_conf.h"
#include "registry.h"
#include "store.h"
#include "unpack.h"
#include "util.h"

struct pull
{
  struct reference ref;
  struct registry *reg;
  struct store *store;
  struct progress *progress;
  struct image_platform platform; /* what to select from an index */
  bool all_platforms;
  bool quiet;
};

/* A fetched manifest-ish document and its verified digest. */
struct document
{
  char *body;
  size_t len;
  char *content_type;
  char *digest;
};

static void document_clear (struct document *d)
{
  free (d->body);
  free (d->content_type);
  free (d->digest);
  memset (d, 0, sizeof *d);
}

/* Fetch OBJECT; with EXPECT (a digest), the content must hash to it (distribution-spec: pulling by
 * digest, the client verifies the manifest). Otherwise its digest is computed, never taken on trust. */
static int fetch_document (struct pull *pl, const char *object, const char *expect, struct document *out,
                           keel_error **err)
{
  struct digest want;

  if (registry_get_manifest (pl->reg, object, &out->body, &out->len, &out->content_type, err) < 0)
    return -1;
  if (expect == NULL)
    return digest_compute (DIGEST_SHA256, out->body, out->len, &out->digest, err);
  if (digest_parse (expect, &want, err) < 0
      || digest_compute (want.algorithm, out->body, out->len, &out->digest, err) < 0)
    return -1;
  if (strcmp (out->digest, expect) != 0)
    return keel_err (err, 0, "manifest %s: digest mismatch: the registry sent content with digest %s", expect,
                     out->digest);
  return 0;
}

static int check_kind (const char *name, enum image_kind kind, keel_error **err)
{
  if (kind == IMAGE_KIND_SCHEMA1)
    return keel_err (err, 0,
                     "%s: Docker schema1 manifests are not supported (deprecated by Docker; the image must be "
                     "pushed again with schema2 or OCI)",
                     name);
  if (kind != IMAGE_KIND_INDEX && kind != IMAGE_KIND_MANIFEST)
    return keel_err (err, 0, "%s: not an image manifest or index", name);
  return 0;
}

/* The OCI media type for a Docker schema2 one (same bytes: Docker configs and layers are what
 * image-spec standardised), NULL when it is not a Docker type. */
static const char *oci_media_type (const char *docker)
{
  static const char *const map[][2] = {
    { IMAGE_MT_DOCKER_MANIFEST, IMAGE_MT_OCI_MANIFEST },
    { IMAGE_MT_DOCKER_MANIFEST_LIST, IMAGE_MT_OCI_INDEX },
    { IMAGE_MT_DOCKER_CONFIG, IMAGE_MT_OCI_CONFIG },
    { IMAGE_MT_DOCKER_LAYER_GZIP, IMAGE_MT_OCI_LAYER_GZIP },
    { IMAGE_MT_DOCKER_LAYER, IMAGE_MT_OCI_LAYER },
    { IMAGE_MT_DOCKER_LAYER_FOREIGN_GZIP, IMAGE_MT_OCI_LAYER_ND_GZIP },
  };
  for (size_t i = 0; docker != NULL && i < sizeof map / sizeof map[0]; i++)
    if (strcmp (docker, map[i][0]) == 0)
      return map[i][1];
  return NULL;
}

static int replace_media_type (char **slot, keel_error **err)
{
  const char *oci = oci_media_type (*slot);
  char *copy;

  if (oci == NULL)
    return 0;
  copy = strdup (oci);
  if (copy == NULL)
    return keel_err (err, ENOMEM, "convert");
  free (*slot);
  *slot = copy;
  return 1;
}

/* The store is an OCI layout that skopeo and umoci read, and they only follow OCI media types, so a
 * Docker schema2 manifest is stored converted (as `skopeo copy docker://… oci:…` does): the same
 * config and layer blobs under OCI media types. DOC then holds the new bytes and digest. */
static int convert_manifest (struct image_manifest *m, struct document *doc, keel_error **err)
{
  int changed = 0, r;

  if ((r = replace_media_type (&m->media_type, err)) < 0)
    return -1;
  changed |= r;
  if ((r = replace_media_type (&m->config.media_type, err)) < 0)
    return -1;
  changed |= r;
  for (size_t i = 0; i < m->n_layers; i++)
    {
      if ((r = replace_media_type (&m->layers[i].media_type, err)) < 0)
        return -1;
      changed |= r;
    }
  if (!changed)
    return 0;
  free (doc->body);
  free (doc->digest);
  doc->body = doc->digest = NULL;
  if (image_manifest_to_json (m, &doc->body, &doc->len, err) < 0)
    return -1;
  return digest_compute (DIGEST_SHA256, doc->body, doc->len, &doc->digest, err);
}

/* Download the config and layers of a manifest, then store the manifest itself (last, so a stored
 * manifest always has its blobs). DESC gets its descriptor. */
static int pull_manifest (struct pull *pl, const char *name, struct document *doc, struct image_descriptor *desc,
                          keel_error **err)
{
  _cleanup_image_manifest_ struct image_manifest *m = NULL;
  _cleanup_free_ const struct image_descriptor **blobs = NULL;

  if (image_manifest_parse (name, doc->body, doc->len, &m, err) < 0)
    return -1;
  if (strcmp (m->config.media_type, IMAGE_MT_OCI_CONFIG) != 0
      && strcmp (m->config.media_type, IMAGE_MT_DOCKER_CONFIG) != 0)
    return keel_err (err, 0, "%s: not a container image (config media type \"%s\")", name, m->config.media_type);
  blobs = calloc (m->n_layers + 1, sizeof *blobs);
  if (blobs == NULL)
    return keel_err (err, ENOMEM, "pull");
  blobs[0] = &m->config;
  for (size_t i = 0; i < m->n_layers; i++)
    {
      struct image_layer_type lt;
      if (image_layer_media_type (m->layers[i].media_type, &lt, err) < 0)
        return keel_err_prefix (err, "%s: layer %zu", name, i);
      blobs[i + 1] = &m->layers[i];
    }
  if (registry_fetch_blobs (pl->reg, pl->store, blobs, m->n_layers + 1, pl->progress, err) < 0)
    return -1; /* the error names the blob */
  if (convert_manifest (m, doc, err) < 0)
    return keel_err_prefix (err, "%s", name);
  if (store_put_blob (pl->store, doc->digest, doc->body, doc->len, NULL, err) < 0)
    return -1;
  memset (desc, 0, sizeof *desc);
  desc->media_type = strdup (IMAGE_MT_OCI_MANIFEST);
  desc->digest = strdup (doc->digest);
  desc->size = (int64_t)doc->len;
  if (desc->media_type == NULL || desc->digest == NULL || digest_parse (desc->digest, &desc->dgst, err) < 0)
    return desc->digest ? -1 : keel_err (err, ENOMEM, "pull");
  /* the platform, from the config we just stored, for `images` */
  _cleanup_free_ char *cbuf = NULL;
  _cleanup_image_config_ struct image_config *cfg = NULL;
  size_t clen;
  desc->platform = calloc (1, sizeof *desc->platform);
  if (desc->platform == NULL)
    return keel_err (err, ENOMEM, "pull");
  if (store_read_blob (pl->store, m->config.digest, &cbuf, &clen, err) < 0
      || image_config_parse (m->config.digest, cbuf, clen, &cfg, err) < 0
      || image_config_platform (cfg, desc->platform, err) < 0)
    return keel_err_prefix (err, "%s: config", name);
  return 0;
}

/* Fetch and pull the manifest E of an index; *cd gets the stored (possibly converted) descriptor. */
static int pull_child (struct pull *pl, const struct image_descriptor *e, struct image_descriptor *cd, keel_error **err)
{
  struct document child = { 0 };
  int r;

  r = fetch_document (pl, e->digest, e->digest, &child, err);
  if (r == 0)
    r = check_kind (e->digest, image_document_kind (child.content_type, child.body, child.len), err);
  if (r == 0)
    r = pull_manifest (pl, e->digest, &child, cd, err);
  document_clear (&child);
  return r;
}

static int set_descriptor (struct image_descriptor *desc, const char *media_type, const struct document *doc,
                           keel_error **err)
{
  memset (desc, 0, sizeof *desc);
  desc->media_type = strdup (media_type);
  desc->digest = strdup (doc->digest);
  desc->size = (int64_t)doc->len;
  if (desc->media_type == NULL || desc->digest == NULL)
    return keel_err (err, ENOMEM, "pull");
  return digest_parse (desc->digest, &desc->dgst, err);
}

/* One platform of an index: the descriptor of its manifest, with the index entry's platform
 * (it may carry a variant the config lacks). */
static int pull_one_platform (struct pull *pl, const struct image_index *idx, struct image_descriptor *desc,
                              keel_error **err)
{
  const struct image_descriptor *e;
  size_t chosen;

  if (image_index_select (idx, "index", &pl->platform, &chosen, err) < 0)
    return -1;
  e = &idx->manifests[chosen];
  if (pull_child (pl, e, desc, err) < 0)
    return -1;
  if (e->platform == NULL)
    return 0;
  image_platform_free (desc->platform);
  desc->platform = calloc (1, sizeof *desc->platform);
  if (desc->platform == NULL)
    return keel_err (err, ENOMEM, "pull");
  return image_platform_copy (desc->platform, e->platform, err);
}

/* --all-platforms: every manifest, then the index itself, rewritten when a child was converted
 * from Docker media types or an entry (nested index, artifact) was left out. */
static int pull_all_platforms (struct pull *pl, struct image_index *idx, struct document *doc,
                               struct image_descriptor *desc, keel_error **err)
{
  bool changed = false;

  for (size_t i = idx->n_manifests; i-- > 0;)
    {
      struct image_descriptor *e = &idx->manifests[i], cd = { 0 };
      if (image_media_type_kind (e->media_type) != IMAGE_KIND_MANIFEST)
        {
          image_index_remove (idx, i);
          changed = true;
          continue;
        }
      if (pull_child (pl, e, &cd, err) < 0)
        {
          image_descriptor_clear (&cd);
          return -1;
        }
      if (strcmp (cd.digest, e->digest) != 0)
        {
          free (e->digest);
          free (e->media_type);
          e->digest = keel_steal_ptr (cd.digest);
          e->media_type = keel_steal_ptr (cd.media_type);
          e->dgst = cd.dgst;
          e->size = cd.size;
          changed = true;
        }
      image_descriptor_clear (&cd);
    }
  if (replace_media_type (&idx->media_type, err) < 0)
    return -1;
  if (changed || strcmp (idx->media_type ? idx->media_type : "", IMAGE_MT_OCI_INDEX) != 0)
    {
      free (idx->media_type);
      idx->media_type = strdup (IMAGE_MT_OCI_INDEX);
      free (doc->body);
      free (doc->digest);
      doc->body = doc->digest = NULL;
      if (idx->media_type == NULL || image_index_to_json (idx, &doc->body, &doc->len, err) < 0
          || digest_compute (DIGEST_SHA256, doc->body, doc->len, &doc->digest, err) < 0)
        return idx->media_type ? -1 : keel_err (err, ENOMEM, "pull");
    }
  if (store_put_blob (pl->store, doc->digest, doc->body, doc->len, NULL, err) < 0)
    return -1;
  return set_descriptor (desc, IMAGE_MT_OCI_INDEX, doc, err);
}

static int pull_index (struct pull *pl, struct document *doc, struct image_descriptor *desc, keel_error **err)
{
  _cleanup_image_index_ struct image_index *idx = NULL;

  if (image_index_parse ("index", doc->body, doc->len, &idx, err) < 0)
    return -1;
  if (!pl->all_platforms)
    return pull_one_platform (pl, idx, desc, err);
  return pull_all_platforms (pl, idx, doc, desc, err);
}

/* The registry's digest for what a ref was pulled from (differs from the stored digest when the
 * manifest was converted to OCI or an index was narrowed to one platform). */
#define SOURCE_DIGEST_ANNOTATION "dev.keel.image.source-digest"

/* Is NAME already in the store as what the registry now serves? A HEAD (which registries such as
 * Docker Hub do not count against pull limits) gives the digest; the stored ref must come from it
 * and have been pulled for the same platform choice. Stored manifests always have their blobs. */
static bool up_to_date (struct pull *pl, const char *name, struct image_descriptor *stored)
{
  _cleanup_free_ char *remote = NULL;
  keel_error *err = NULL;
  const char *source;
  bool is_index;

  if (pl->ref.digest != NULL || store_find_ref (pl->store, name, stored, &err) != 1)
    goto no;
  source = image_map_get (stored->annotations, SOURCE_DIGEST_ANNOTATION);
  if (source == NULL || registry_head_manifest (pl->reg, pl->ref.tag, &remote, &err) < 0 || remote == NULL
      || strcmp (remote, source) != 0 || !store_has_blob (pl->store, stored->digest, stored->size))
    goto no;
  is_index = image_media_type_kind (stored->media_type) == IMAGE_KIND_INDEX;
  if (is_index != pl->all_platforms
      || (!is_index && (stored->platform == NULL || image_platform_match (&pl->platform, stored->platform) == 0)))
    goto no;
  return true;
no:
  keel_error_free (err);
  return false;
}

static int pull (struct pull *pl, const char *name, keel_error **err)
{
  struct document doc = { 0 };
  struct image_descriptor desc = { 0 };
  _cleanup_free_ char *source = NULL;
  enum image_kind kind;
  int r;

  if (up_to_date (pl, name, &desc))
    {
      if (!pl->quiet)
        fprintf (stderr, "%s: image is up to date\n", name);
      printf ("%s\n", desc.digest);
      image_descriptor_clear (&desc);
      return 0;
    }
  image_descriptor_clear (&desc);
  r = fetch_document (pl, reference_object (&pl->ref), pl->ref.digest, &doc, err);
  if (r == 0)
    {
      kind = image_document_kind (doc.content_type, doc.body, doc.len);
      r = check_kind ("manifest", kind, err);
    }
  if (r == 0 && (source = strdup (doc.digest)) == NULL)
    r = keel_err (err, ENOMEM, "pull");
  if (r == 0)
    r = kind == IMAGE_KIND_INDEX ? pull_index (pl, &doc, &desc, err) : pull_manifest (pl, "manifest", &doc, &desc, err);
  if (r == 0)
    r = image_map_set (&desc.annotations, SOURCE_DIGEST_ANNOTATION, source, err);
  if (r == 0)
    r = store_set_ref (pl->store, name, &desc, err);
  if (r == 0)
    printf ("%s\n", desc.digest);
  document_clear (&doc);
  image_descriptor_clear (&desc);
  return r;
}

enum
{
  OPT_TLS = 256,
  OPT_CREDS,
  OPT_AUTHFILE,
  OPT_CERTDIR,
  OPT_ALL,
  OPT_RETRIES,
  OPT_RATE,
  OPT_REGCONF,
};
static const struct option pull_opts[] = { { "platform", required_argument, NULL, 'p' },
                                           { "all-platforms", no_argument, NULL, OPT_ALL },
                                           { "jobs", required_argument, NULL, 'j' },
                                           { "quiet", no_argument, NULL, 'q' },
                                           { "tls-verify", required_argument, NULL, OPT_TLS },
                                           { "creds", required_argument, NULL, OPT_CREDS },
                                           { "authfile", required_argument, NULL, OPT_AUTHFILE },
                                           { "cert-dir", required_argument, NULL, OPT_CERTDIR },
                                           { "retries", required_argument, NULL, OPT_RETRIES },
                                           { "limit-rate", required_argument, NULL, OPT_RATE },
                                           { "registries-conf", required_argument, NULL, OPT_REGCONF },
                                           { NULL, 0, NULL, 0 } };

struct pull_flags
{
  struct registry_options ropts;
  const char *platform;
  bool all_platforms;
  bool quiet;
  const char *registries_conf; /* --registries-conf */
};

static int parse_flags (int argc, char **argv, struct pull_flags *f, keel_error **err)
{
  int c;

  f->ropts.tls_verify = true;
  f->ropts.jobs = 3;
  f->ropts.retries = 5;
  optind = 0;
  while ((c = getopt_long (argc, argv, "p:j:q", pull_opts, NULL)) != -1)
    switch (c)
      {
      case 'p':
        f->platform = optarg;
        break;
      case OPT_ALL:
        f->all_platforms = true;
        break;
      case 'j':
        if (util_parse_int ("--jobs", optarg, 1, 64, &f->ropts.jobs, err) < 0)
          return -1;
        break;
      case 'q':
        f->quiet = true;
        break;
      case OPT_TLS:
        if (util_parse_bool ("--tls-verify", optarg, &f->ropts.tls_verify, err) < 0)
          return -1;
        break;
      case OPT_CREDS:
        f->ropts.creds = optarg;
        break;
      case OPT_AUTHFILE:
        f->ropts.authfile = optarg;
        break;
      case OPT_CERTDIR:
        f->ropts.cert_dir = optarg;
        break;
      case OPT_RETRIES:
        if (util_parse_int ("--retries", optarg, 1, 20, &f->ropts.retries, err) < 0)
          return -1;
        break;
      case OPT_REGCONF:
        f->registries_conf = optarg;
        break;
      case OPT_RATE:
        {
          int rate;
          if (util_parse_int ("--limit-rate", optarg, 1, 1 << 30, &rate, err) < 0)
            return -1;
          f->ropts.limit_rate = rate;
        }
        break;
      default:
        return keel_err (err, 0, "invalid option");
      }
  return 0;
}

/* Is ARG one of pull's own options? *VALUE: its value is the next argument. */
static bool pull_option (const char *arg, bool *value)
{
  size_t n;

  *value = false;
  if (arg[0] != '-')
    return false;
  if (arg[1] != '-')
    {
      *value = (arg[1] == 'p' || arg[1] == 'j') && arg[2] == '\0';
      return arg[1] != '\0' && strchr ("pjq", arg[1]) != NULL;
    }
  n = strcspn (arg + 2, "=");
  for (const struct option *o = pull_opts; o->name; o++)
    if (strlen (o->name) == n && strncmp (o->name, arg + 2, n) == 0)
      {
        *value = o->has_arg == required_argument && arg[2 + n] == '\0';
        return true;
      }
  return false;
}

/* Take the bundle flags (and "-- ARGS") out of ARGV into UF; KEPT (argc + 2 slots) gets the rest for
 * getopt: pull's options, "--", the operands. --platform is pull's: it chooses what is both pulled and
 * unpacked. A "--" before REF ends the options as usual ("pull -- -odd/ref"); after an operand (or a
 * first "--"), ARGS follow. *BUNDLE_FLAGS counts what went to UF, which only makes sense with a BUNDLE operand. */
static int split_flags (int argc, char **argv, struct unpack_flags *uf, char **kept, int *n_kept, int *bundle_flags,
                        keel_error **err)
{
  _cleanup_free_ char **ops = calloc ((size_t)argc, sizeof *ops);
  int n = 0, n_ops = 0, r;
  bool value, options = true;

  if (ops == NULL)
    return keel_err (err, ENOMEM, "pull");
  kept[n++] = argv[0];
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0 && (n_ops > 0 || !options))
        {
          unpack_flags_set_args (uf, argv + i + 1);
          ++*bundle_flags;
          break;
        }
      if (strcmp (argv[i], "--") == 0)
        options = false;
      else if (!options || argv[i][0] != '-' || argv[i][1] == '\0')
        ops[n_ops++] = argv[i];
      else if (pull_option (argv[i], &value))
        {
          kept[n++] = argv[i];
          if (value && i + 1 < argc)
            kept[n++] = argv[++i];
        }
      else if ((r = unpack_flags_parse (uf, argc, argv, &i, err)) < 0)
        return -1;
      else if (r == 0)
        kept[n++] = argv[i]; /* unknown: getopt says so */
      else
        ++*bundle_flags;
    }
  kept[n++] = (char *)"--";
  memcpy (kept + n, ops, (size_t)n_ops * sizeof *ops);
  n += n_ops;
  kept[n] = NULL;
  *n_kept = n;
  return 0;
}

/* After the pull: NAME's stored image (narrowed to the pulled platform) into BUNDLE. */
static int unpack_pulled (struct imagetool_ctx *ctx, struct pull *pl, const char *name, const char *bundle,
                          struct unpack_flags *uf, keel_error **err)
{
  struct image_descriptor desc = { 0 };
  int r;

  if ((r = store_find_ref (pl->store, name, &desc, err)) <= 0)
    return r < 0 ? -1 : keel_err (err, 0, "no image \"%s\" in the store after the pull", name);
  r = cmd_unpack_desc (ctx, pl->store, &desc, &pl->platform, bundle, uf, err);
  image_descriptor_clear (&desc);
  return r;
}

/* Pull NAME (normalised) through its endpoints: registries.conf mirrors in order, then the origin
 * (the [[registry]] location, which may differ from its prefix). The ref recorded is NAME. */
static int pull_candidate (struct pull *pl, const struct pull_flags *f, const struct registries_conf *conf,
                           const char *name, struct imagetool_ctx *ctx, keel_error **err)
{
  const struct registries_entry *e = registries_conf_find (conf, name);
  size_t n = e ? e->n_mirrors + 1 : 1;

  if (e != NULL && e->blocked)
    return keel_err (err, 0, "registry \"%s\" is blocked in registries.conf", e->prefix);
  for (size_t i = 0; i < n; i++)
    {
      const char *loc = e == NULL ? NULL : i < e->n_mirrors ? e->mirrors[i].location : e->location;
      bool insecure = e != NULL && (i < e->n_mirrors ? e->mirrors[i].insecure : e->insecure);
      struct registry_options o = f->ropts;
      _cleanup_free_ char *endpoint = NULL;
      keel_error *e2 = NULL;

      if (asprintf (&endpoint, "%s%s", loc ? loc : name, loc ? name + strlen (e->prefix) : "") < 0)
        return keel_err (err, ENOMEM, "pull");
      if (insecure)
        o.tls_verify = false;
      reference_clear (&pl->ref);
      registry_free (pl->reg);
      pl->reg = NULL;
      if (reference_parse (endpoint, &pl->ref, &e2) == 0 && registry_open (&pl->ref, &o, &pl->reg, &e2) == 0
          && pull (pl, name, &e2) == 0)
        return 0;
      if (i + 1 < n)
        log_msg (&ctx->log, LOG_LEVEL_WARNING, "pull %s from %s: %s; trying the next source", name, endpoint, e2->msg);
      keel_error_move (err, &e2);
    }
  return -1;
}

/* The names to try for what the user typed: itself when qualified (or no search list is
 * configured), else one per unqualified-search-registries entry, in order. */
static int candidates (const struct reference *ref, const struct registries_conf *conf, char ***out, keel_error **err)
{
  size_t n = 0;
  char **v;

  if (ref->qualified || conf->search == NULL || conf->search[0] == NULL)
    {
      v = calloc (2, sizeof *v);
      if (v == NULL || (v[0] = reference_string (ref)) == NULL)
        return free (v), keel_err (err, ENOMEM, "pull");
      *out = v;
      return 0;
    }
  while (conf->search[n])
    n++;
  v = calloc (n + 1, sizeof *v);
  if (v == NULL)
    return keel_err (err, ENOMEM, "pull");
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *domain = reference_normalize_domain (conf->search[i]), *s = NULL;
      struct reference r;
      /* "alpine" is library/alpine on docker.io only */
      const char *path = ref->library && strcmp (domain ? domain : "", REFERENCE_DEFAULT_DOMAIN) != 0
                             ? ref->path + strlen ("library/")
                             : ref->path;
      if (asprintf (&s, "%s/%s%s%s", domain ? domain : "", path, ref->digest ? "@" : ":",
                    ref->digest ? ref->digest : ref->tag)
          < 0)
        s = NULL;
      if (s == NULL || reference_parse (s, &r, err) < 0)
        {
          keel_strv_freep (&v);
          return s ? keel_err_prefix (err, "unqualified-search-registries") : keel_err (err, ENOMEM, "pull");
        }
      v[i] = reference_string (&r);
      reference_clear (&r);
    }
  *out = v;
  return 0;
}

/* Pull REF (as typed) and, with BUNDLE, unpack it there. */
static int pull_main (struct imagetool_ctx *ctx, struct pull_flags *f, const char *ref, const char *bundle,
                      struct unpack_flags *uf)
{
  struct pull pl = { 0 };
  struct reference input = { 0 };
  _cleanup_registries_conf_ struct registries_conf *conf = NULL;
  _cleanup_strv_ char **names = NULL;
  const char *name = NULL;
  keel_error *err = NULL;
  int ret = 1;

  f->ropts.log = &ctx->log;
  pl.all_platforms = f->all_platforms;
  pl.quiet = f->quiet;
  /* the error already quotes the reference */
  if (reference_parse (ref, &input, &err) < 0)
    return cmd_fail (ctx, "pull", err);
  if (registries_conf_load (f->registries_conf, &conf, &err) < 0 || candidates (&input, conf, &names, &err) < 0)
    goto out;
  if ((f->platform ? image_platform_parse (f->platform, &pl.platform, &err) : image_platform_host (&pl.platform, &err))
      < 0)
    goto out;
  if (store_open (ctx->store_dir, true, &pl.store, &err) < 0)
    goto out;
  pl.progress = progress_new (progress_mode_for (stderr, f->quiet), stderr);
  if (pl.progress == NULL)
    {
      keel_err (&err, ENOMEM, "pull");
      goto out;
    }
  for (char **n = names; *n; n++)
    {
      name = *n;
      if (pull_candidate (&pl, f, conf, name, ctx, &err) == 0)
        {
          ret = 0;
          break;
        }
      if (n[1] != NULL)
        log_msg (&ctx->log, LOG_LEVEL_WARNING, "%s: %s; trying the next search registry", name, err->msg);
    }
  if (ret == 0 && bundle != NULL)
    {
      keel_error_free (err);
      err = NULL;
      if (unpack_pulled (ctx, &pl, name, bundle, uf, &err) < 0)
        ret = 1;
    }
out:
  if (ret != 0 && err != NULL)
    {
      keel_err_prefix (&err, "%s", name ? name : ref);
      ret = cmd_fail (ctx, "pull", err);
    }
  keel_error_free (ret == 0 ? err : NULL);
  registry_free (pl.reg);
  progress_free (pl.progress);
  store_close (pl.store);
  image_platform_clear (&pl.platform);
  reference_clear (&pl.ref);
  reference_clear (&input);
  return ret;
}

int cmd_pull (struct imagetool_ctx *ctx, int argc, char **argv)
{
  struct pull_flags f = { 0 };
  struct unpack_flags uf;
  _cleanup_free_ char **kept = calloc ((size_t)argc + 2, sizeof *kept);
  keel_error *err = NULL;
  int ret, n_kept = 0, bundle_flags = 0, n_ops;

  if (kept == NULL)
    return keel_err (&err, ENOMEM, "pull"), cmd_fail (ctx, "pull", err);
  unpack_flags_init (&uf);
  if (split_flags (argc, argv, &uf, kept, &n_kept, &bundle_flags, &err) < 0 || parse_flags (n_kept, kept, &f, &err) < 0)
    ret = cmd_fail (ctx, "pull", err);
  else if ((n_ops = n_kept - optind) != 1 && n_ops != 2)
    ret = cmd_usage (ctx, "pull", "expected REF [BUNDLE]");
  else if (n_ops == 1 && bundle_flags > 0)
    ret = cmd_usage (ctx, "pull", "bundle options and -- ARGS need a BUNDLE operand");
  else
    {
      uf.platform = f.platform;
      ret = pull_main (ctx, &f, kept[optind], n_ops == 2 ? kept[optind + 1] : NULL, &uf);
    }
  unpack_flags_clear (&uf);
  return ret;
}
