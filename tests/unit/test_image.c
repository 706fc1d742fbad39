/* Unit tests for spec/image.c and spec/platform.c: real-world-shaped documents, invalid ones, platforms. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "image.h"
#include "tap.h"

#define DATA KEEL_TEST_DATADIR "/data/image/"
#define D1 "sha256:6457d53fb065d6f250e1504b9bc42d5b6c65941d57532c072d929dd0628977d0"
#define DESC(mt) "{\"mediaType\":\"" mt "\",\"digest\":\"" D1 "\",\"size\":1}"
#define CFG DESC ("application/vnd.oci.image.config.v1+json")
#define LAYER DESC ("application/vnd.oci.image.layer.v1.tar+gzip")
#define MANIFEST_PLAT(p)                                                                                               \
  "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\",\"size\":1,\"platform\":" p "}"

static char *slurp (const char *name, size_t *len)
{
  _cleanup_free_ char *path = NULL;
  _cleanup_error_ keel_error *err = NULL;
  char *buf = NULL;

  if (asprintf (&path, DATA "%s", name) < 0 || read_file (path, &buf, len, &err) < 0)
    {
      printf ("# cannot read %s: %s\n", name, err ? err->msg : "?");
      exit (1);
    }
  return buf;
}

static struct image_manifest *load_manifest (const char *name)
{
  size_t len;
  _cleanup_free_ char *buf = slurp (name, &len);
  _cleanup_error_ keel_error *err = NULL;
  struct image_manifest *m = NULL;

  if (!tap_ok (image_manifest_parse (name, buf, len, &m, &err) == 0, "parse %s", name))
    printf ("#   %s\n", err->msg);
  return m;
}

static struct image_index *load_index (const char *name)
{
  size_t len;
  _cleanup_free_ char *buf = slurp (name, &len);
  _cleanup_error_ keel_error *err = NULL;
  struct image_index *idx = NULL;

  if (!tap_ok (image_index_parse (name, buf, len, &idx, &err) == 0, "parse %s", name))
    printf ("#   %s\n", err->msg);
  return idx;
}

static struct image_config *load_config (const char *name)
{
  size_t len;
  _cleanup_free_ char *buf = slurp (name, &len);
  _cleanup_error_ keel_error *err = NULL;
  struct image_config *c = NULL;

  if (!tap_ok (image_config_parse (name, buf, len, &c, &err) == 0, "parse %s", name))
    printf ("#   %s\n", err->msg);
  return c;
}

static void test_oci_manifest (void)
{
  _cleanup_image_manifest_ struct image_manifest *m = load_manifest ("oci-manifest.json");
  struct image_layer_type lt;
  _cleanup_error_ keel_error *err = NULL;

  if (m == NULL)
    return;
  tap_ok (m->schema_version == 2 && m->n_layers == 2, "oci manifest: schemaVersion 2, two layers");
  tap_is (m->media_type, IMAGE_MT_OCI_MANIFEST, "oci manifest: mediaType");
  tap_is (m->config.digest, "sha256:b2aa39c304c27b96c1fef0c06bee651ac9241d49c4fe34381cab8453f9a89c7d",
          "oci manifest: config digest");
  tap_ok (m->config.size == 1471 && m->config.dgst.algorithm == DIGEST_SHA256, "oci manifest: config size, algo");
  tap_ok (m->layers[0].size == 3642247, "oci manifest: layer size");
  tap_ok (image_layer_media_type (m->layers[0].media_type, &lt, &err) == 0 && lt.compression == IMAGE_COMPRESSION_GZIP
              && !lt.non_distributable,
          "oci manifest: layer 0 is tar+gzip");
  tap_ok (image_layer_media_type (m->layers[1].media_type, &lt, &err) == 0 && lt.compression == IMAGE_COMPRESSION_ZSTD,
          "oci manifest: layer 1 is tar+zstd");
  tap_is (image_map_get (m->layers[1].annotations, "org.opencontainers.image.title"), "extra", "layer annotation");
  tap_is (image_map_get (m->annotations, IMAGE_ANNOTATION_BASE_NAME), "docker.io/library/alpine:3.19",
          "manifest annotation");
  tap_ok (m->subject == NULL && m->artifact_type == NULL, "oci manifest: no subject, no artifactType");
}

static void test_docker_manifest (void)
{
  _cleanup_image_manifest_ struct image_manifest *m = load_manifest ("docker-manifest.json");
  struct image_layer_type lt;
  _cleanup_error_ keel_error *err = NULL;

  if (m == NULL)
    return;
  tap_is (m->media_type, IMAGE_MT_DOCKER_MANIFEST, "docker manifest: mediaType");
  tap_is (m->config.media_type, IMAGE_MT_DOCKER_CONFIG, "docker manifest: config type");
  tap_ok (m->n_layers == 3, "docker manifest: three layers");
  tap_ok (image_layer_media_type (m->layers[2].media_type, &lt, &err) == 0 && lt.non_distributable
              && lt.compression == IMAGE_COMPRESSION_GZIP,
          "docker foreign layer is non-distributable gzip");
  tap_ok (m->layers[2].urls != NULL && m->layers[2].urls[1] == NULL, "foreign layer has one URL");
  tap_like (m->layers[2].urls ? m->layers[2].urls[0] : NULL, "https://mcr.microsoft.com/", "foreign layer URL");
  tap_ok (image_layer_media_type ("application/vnd.docker.image.rootfs.diff.tar", &lt, &err) == 0
              && lt.compression == IMAGE_COMPRESSION_NONE,
          "docker uncompressed layer");
  tap_ok (image_layer_media_type (IMAGE_MT_OCI_LAYER_ND_ZSTD, &lt, &err) == 0 && lt.non_distributable
              && lt.compression == IMAGE_COMPRESSION_ZSTD,
          "oci nondistributable zstd layer");
  tap_ok (image_layer_media_type ("application/vnd.oci.image.layer.v1.tar+bzip2", &lt, &err) == -1,
          "unknown layer type refused");
  tap_is (err ? err->msg : NULL, "unsupported layer media type \"application/vnd.oci.image.layer.v1.tar+bzip2\"",
          "unknown layer type message");
}

static void test_artifact_manifest (void)
{
  _cleanup_image_manifest_ struct image_manifest *m = load_manifest ("artifact-manifest.json");

  if (m == NULL)
    return;
  tap_is (m->artifact_type, "application/vnd.example.sbom.v1", "artifact: artifactType");
  tap_ok (m->config.data != NULL && m->config.data_len == 2 && memcmp (m->config.data, "{}", 2) == 0,
          "artifact: embedded data decoded and verified");
  tap_ok (m->subject != NULL && m->subject->size == 1022, "artifact: subject");
  tap_is (m->subject ? m->subject->digest : NULL, D1, "artifact: subject digest");
}

static void test_index (void)
{
  _cleanup_image_index_ struct image_index *idx = load_index ("oci-index.json");

  if (idx == NULL)
    return;
  tap_ok (idx->n_manifests == 7, "oci index: 7 entries");
  tap_is (idx->manifests[2].platform->variant, "v7", "oci index: arm variant");
  tap_is (image_map_get (idx->manifests[6].annotations, "vnd.docker.reference.type"), "attestation-manifest",
          "oci index: attestation annotation");
}

static void test_docker_list (void)
{
  _cleanup_image_index_ struct image_index *idx = load_index ("docker-list.json");
  struct image_platform want = { 0 };
  _cleanup_error_ keel_error *err = NULL;
  size_t chosen = 99;

  if (idx == NULL)
    return;
  tap_is (idx->media_type, IMAGE_MT_DOCKER_MANIFEST_LIST, "docker list: mediaType");
  tap_is (idx->manifests[1].platform->features ? idx->manifests[1].platform->features[0] : NULL, "sse4",
          "docker list: features");
  tap_is (idx->manifests[2].platform->os_version, "10.0.17763.5329", "docker list: os.version");
  tap_is (idx->manifests[2].platform->os_features ? idx->manifests[2].platform->os_features[0] : NULL, "win32k",
          "docker list: os.features");
  image_platform_parse ("linux/x86_64", &want, &err);
  tap_ok (image_index_select (idx, "docker-list.json", &want, &chosen, &err) == 0 && chosen == 1,
          "docker list: linux/x86_64 picks the linux amd64 entry, not windows");
  image_platform_clear (&want);
  image_platform_parse ("windows/amd64", &want, &err);
  tap_ok (image_index_select (idx, "docker-list.json", &want, &chosen, &err) == 0 && chosen == 2,
          "docker list: windows/amd64");
  image_platform_clear (&want);
}

struct select_case
{
  const char *want;
  int chosen; /* -1: none */
};

static void test_select (void)
{
  _cleanup_image_index_ struct image_index *idx = load_index ("oci-index.json");
  static const struct select_case cases[] = {
    { "linux/amd64", 0 },    { "linux/x86_64", 0 },   { "linux/arm64", 3 },   { "linux/aarch64", 3 },
    { "linux/arm64/v8", 3 }, { "linux/arm", 2 },      { "linux/armhf", 2 },   { "linux/arm/v7", 2 },
    { "linux/arm/v6", 1 },   { "linux/armel", 1 },    { "linux/arm/v8", 2 },  { "linux/arm/v5", -1 },
    { "linux/i386", 4 },     { "linux/386", 4 },      { "Linux/PPC64LE", 5 }, { "linux/s390x", -1 },
    { "linux/arm64/v9", 3 }, { "linux/amd64/v3", 0 }, { "darwin/arm64", -1 },
  };

  if (idx == NULL)
    return;
  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      struct image_platform want = { 0 };
      _cleanup_error_ keel_error *err = NULL;
      size_t chosen = 99;
      int r = image_platform_parse (cases[i].want, &want, &err);
      if (r == 0)
        r = image_index_select (idx, "oci-index.json", &want, &chosen, &err);
      if (cases[i].chosen < 0)
        tap_ok (r == -1, "select %s: none", cases[i].want);
      else if (!tap_ok (r == 0 && chosen == (size_t)cases[i].chosen, "select %s: entry %d", cases[i].want,
                        cases[i].chosen))
        printf ("#   got %d, entry %zu %s\n", r, chosen, err ? err->msg : "");
      image_platform_clear (&want);
    }

  struct image_platform want = { 0 };
  _cleanup_error_ keel_error *err = NULL;
  size_t chosen;
  image_platform_parse ("linux/s390x", &want, &err);
  image_index_select (idx, "oci-index.json", &want, &chosen, &err);
  tap_is (err ? err->msg : NULL,
          "oci-index.json: no manifest for linux/s390x (available: linux/amd64, linux/arm/v6, linux/arm/v7, "
          "linux/arm64/v8, linux/386, linux/ppc64le, unknown/unknown)",
          "no match names the wanted and the available platforms");
  image_platform_clear (&want);
}

static void test_config (void)
{
  _cleanup_image_config_ struct image_config *c = load_config ("oci-config.json");
  struct image_platform p = { 0 };
  _cleanup_error_ keel_error *err = NULL;

  if (c == NULL)
    return;
  tap_is (c->created, "2024-01-27T00:38:16.123456789Z", "config: created");
  tap_is (c->author, "NGINX Docker Maintainers <docker-maint@nginx.com>", "config: author");
  tap_is (c->config.user, "nginx:nginx", "config: User");
  tap_ok (c->config.exposed_ports && strcmp (c->config.exposed_ports[0], "80/tcp") == 0
              && strcmp (c->config.exposed_ports[1], "443") == 0 && strcmp (c->config.exposed_ports[2], "53/udp") == 0
              && c->config.exposed_ports[3] == NULL,
          "config: ExposedPorts keys in order");
  tap_is (c->config.env ? c->config.env[1] : NULL, "NGINX_VERSION=1.25.3", "config: Env");
  tap_is (c->config.entrypoint ? c->config.entrypoint[0] : NULL, "/docker-entrypoint.sh", "config: Entrypoint");
  tap_is (c->config.cmd ? c->config.cmd[2] : NULL, "daemon off;", "config: Cmd");
  tap_is (c->config.volumes ? c->config.volumes[0] : NULL, "/var/cache/nginx", "config: Volumes");
  tap_is (c->config.working_dir, "/srv", "config: WorkingDir");
  tap_is (image_map_get (c->config.labels, "org.example.empty"), "", "config: empty label value");
  tap_is (c->config.stop_signal, "SIGQUIT", "config: StopSignal");
  tap_ok (c->n_diff_ids == 2 && strncmp (c->diff_ids[0], "sha256:d4fc", 11) == 0, "config: diff_ids");
  tap_ok (c->n_history == 3 && c->history[1].empty_layer && !c->history[0].empty_layer, "config: history empty_layer");
  tap_is (c->history[2].comment, "buildkit.dockerfile.v0", "config: history comment");
  tap_ok (image_config_platform (c, &p, &err) == 0, "config: platform");
  _cleanup_free_ char *ps = image_platform_format (&p);
  tap_is (ps, "linux/arm/v7", "config: platform is linux/arm/v7");
  image_platform_clear (&p);
}

static void test_docker_config (void)
{
  _cleanup_image_config_ struct image_config *c = load_config ("docker-config.json");

  if (c == NULL)
    return;
  tap_ok (c->config.entrypoint == NULL && c->config.volumes == NULL && c->config.labels == NULL,
          "docker config: null Entrypoint, Volumes, Labels are absent");
  tap_is (c->config.cmd ? c->config.cmd[0] : NULL, "/bin/sh", "docker config: Cmd");
  tap_is (c->config.user, "", "docker config: empty User kept");
  tap_ok (c->n_diff_ids == 1 && c->n_history == 2, "docker config: diff_ids, history");
  tap_is (c->architecture, "amd64", "docker config: architecture");
}

static void test_layout (void)
{
  static const char V2[] = "{\"imageLayoutVersion\":\"2.0.0\"}";
  _cleanup_image_index_ struct image_index *idx = load_index ("layout-index.json");
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_free_ char *path = NULL;
  size_t len;
  _cleanup_free_ char *layout = slurp ("oci-layout", &len);

  tap_ok (image_layout_check ("oci-layout", layout, len, &err) == 0, "oci-layout accepted");
  tap_ok (image_layout_check ("oci-layout", IMAGE_LAYOUT_OCI_LAYOUT_JSON, strlen (IMAGE_LAYOUT_OCI_LAYOUT_JSON), &err)
              == 0,
          "the oci-layout keel writes is accepted");
  tap_ok (image_layout_check ("oci-layout", V2, strlen (V2), &err) == -1, "layout version 2 refused");
  tap_is (err ? err->msg : NULL, "oci-layout: .imageLayoutVersion: unsupported version \"2.0.0\" (expected 1.x)",
          "layout version message");
  tap_ok (image_layout_check ("oci-layout", "{}", 2, &err) == -1, "empty oci-layout refused");
  tap_is (err ? err->msg : NULL, "oci-layout: .imageLayoutVersion: required property missing",
          "missing layout version message");
  tap_ok (image_layout_blob_path (D1, &path, &err) == 0, "blob path");
  tap_is (path, "blobs/sha256/6457d53fb065d6f250e1504b9bc42d5b6c65941d57532c072d929dd0628977d0", "blob path value");
  tap_ok (image_layout_blob_path ("sha256:../../etc", &path, &err) == -1, "blob path refuses a bad digest");
  if (idx == NULL)
    return;
  tap_ok (idx->media_type == NULL && idx->n_manifests == 2, "layout index.json without mediaType");
  tap_is (image_map_get (idx->manifests[1].annotations, IMAGE_ANNOTATION_REF_NAME), "127.0.0.1:5000/busybox:1",
          "layout ref name");
}

/* parse → emit → parse → emit gives the same text both times, and fields survive. */
static void roundtrip (const char *name, int kind)
{
  size_t len, len1 = 0, len2 = 0;
  _cleanup_free_ char *buf = slurp (name, &len);
  _cleanup_free_ char *out1 = NULL, *out2 = NULL;
  _cleanup_error_ keel_error *err = NULL;
  int r = -1;

  if (kind == 0)
    {
      _cleanup_image_manifest_ struct image_manifest *a = NULL, *b = NULL;
      r = image_manifest_parse (name, buf, len, &a, &err) == 0 && image_manifest_to_json (a, &out1, &len1, &err) == 0
                  && image_manifest_parse (name, out1, len1, &b, &err) == 0
                  && image_manifest_to_json (b, &out2, &len2, &err) == 0
              ? 0
              : -1;
    }
  else if (kind == 1)
    {
      _cleanup_image_index_ struct image_index *a = NULL, *b = NULL;
      r = image_index_parse (name, buf, len, &a, &err) == 0 && image_index_to_json (a, &out1, &len1, &err) == 0
                  && image_index_parse (name, out1, len1, &b, &err) == 0
                  && image_index_to_json (b, &out2, &len2, &err) == 0
              ? 0
              : -1;
    }
  else
    {
      _cleanup_image_config_ struct image_config *a = NULL, *b = NULL;
      r = image_config_parse (name, buf, len, &a, &err) == 0 && image_config_to_json (a, &out1, &len1, &err) == 0
                  && image_config_parse (name, out1, len1, &b, &err) == 0
                  && image_config_to_json (b, &out2, &len2, &err) == 0
              ? 0
              : -1;
    }
  if (!tap_ok (r == 0 && len1 == len2 && strcmp (out1, out2) == 0, "round trip %s", name))
    printf ("#   %s\n#   %s\n#   %s\n", err ? err->msg : "", out1 ? out1 : "", out2 ? out2 : "");
}

static void test_roundtrip (void)
{
  _cleanup_image_manifest_ struct image_manifest *m = NULL;
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_free_ char *out = NULL;
  size_t len;
  _cleanup_free_ char *buf = slurp ("artifact-manifest.json", &len);

  roundtrip ("oci-manifest.json", 0);
  roundtrip ("docker-manifest.json", 0);
  roundtrip ("artifact-manifest.json", 0);
  roundtrip ("oci-index.json", 1);
  roundtrip ("docker-list.json", 1);
  roundtrip ("layout-index.json", 1);
  roundtrip ("oci-config.json", 2);
  roundtrip ("docker-config.json", 2);

  image_manifest_parse ("a", buf, len, &m, &err);
  image_manifest_to_json (m, &out, NULL, &err);
  tap_like (out, "\"data\":\"e30=\"", "embedded data is emitted as base64");
  tap_like (out, "\"artifactType\":\"application/vnd.example.sbom.v1\"", "artifactType emitted");
}

struct kind_case
{
  const char *content_type;
  const char *doc;
  enum image_kind want;
};

static void test_kind (void)
{
  static const struct kind_case cases[] = {
    { "application/vnd.oci.image.index.v1+json", "", IMAGE_KIND_INDEX },
    { "application/vnd.docker.distribution.manifest.list.v2+json", "", IMAGE_KIND_INDEX },
    { "application/vnd.oci.image.manifest.v1+json; charset=utf-8", "", IMAGE_KIND_MANIFEST },
    { "Application/VND.Docker.Distribution.Manifest.V2+JSON", "", IMAGE_KIND_MANIFEST },
    { "application/vnd.docker.distribution.manifest.v1+prettyjws", "", IMAGE_KIND_SCHEMA1 },
    { "application/vnd.docker.distribution.manifest.v1+json", "", IMAGE_KIND_SCHEMA1 },
    { "application/json", "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}", IMAGE_KIND_INDEX },
    { NULL, "{\"schemaVersion\":2,\"manifests\":[]}", IMAGE_KIND_INDEX },
    { "text/plain", "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}", IMAGE_KIND_MANIFEST },
    { NULL, "{\"schemaVersion\":1,\"fsLayers\":[]}", IMAGE_KIND_SCHEMA1 },
    { NULL, "{\"schemaVersion\":2}", IMAGE_KIND_UNKNOWN },
    { NULL, "[1,2]", IMAGE_KIND_UNKNOWN },
    { NULL, "not json", IMAGE_KIND_UNKNOWN },
  };

  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    tap_ok (image_document_kind (cases[i].content_type, cases[i].doc, strlen (cases[i].doc)) == cases[i].want,
            "kind of %s %s is %s", cases[i].content_type ? cases[i].content_type : "(none)", cases[i].doc,
            image_kind_name (cases[i].want));
}

struct invalid_case
{
  int kind; /* 0 manifest, 1 index, 2 config */
  const char *doc;
  const char *err;
};

static const struct invalid_case invalid_cases[] = {
  { 0, "{\"schemaVersion\":2,", "m.json: line 1: parse error: premature EOF" },
  { 0, "[]", "m.json: .: expected an object, got an array" },
  { 0, "{\"config\":" CFG ",\"layers\":[]}", "m.json: .schemaVersion: required property missing" },
  { 0, "{\"schemaVersion\":3,\"config\":" CFG ",\"layers\":[]}", "m.json: .schemaVersion: must be 2, got 3" },
  { 0, "{\"schemaVersion\":\"2\",\"config\":" CFG ",\"layers\":[]}",
    "m.json: .schemaVersion: expected an integer, got a string" },
  { 0, "{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}",
    "m.json: .schemaVersion: Docker schema1 manifests (schemaVersion 1) are not supported" },
  { 0, "{\"schemaVersion\":2,\"layers\":[]}", "m.json: .config: required property missing" },
  { 0, "{\"schemaVersion\":2,\"config\":" CFG "}", "m.json: .layers: required property missing" },
  { 0, "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":{}}", "m.json: .layers: expected an array, got an object" },
  { 0,
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"config\":" CFG ",\"layers\":[]}",
    "m.json: .mediaType: expected application/vnd.oci.image.manifest.v1+json or "
    "application/vnd.docker.distribution.manifest.v2+json, got \"application/vnd.oci.image.index.v1+json\"" },
  { 0, "{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}",
    "m.json: .config.mediaType: required property missing" },
  { 0, "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[" LAYER ",{\"mediaType\":\"a/b\",\"size\":1}]}",
    "m.json: .layers[1].digest: required property missing" },
  { 0, "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\"}]}",
    "m.json: .layers[0].size: required property missing" },
  { 0,
    "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\",\"size\":-1}]}",
    "m.json: .layers[0].size: must not be negative, got -1" },
  { 0,
    "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\",\"size\":1.5}]}",
    "m.json: .layers[0].size: expected an integer, got 1.5" },
  { 0,
    "{\"schemaVersion\":2,\"config\":" CFG
    ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"sha256:abc\",\"size\":1}]}",
    "m.json: .layers[0].digest: invalid digest \"sha256:abc\": sha256 needs 64 hex digits, got 3" },
  { 0,
    "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"md5:abc\",\"size\":1}]}",
    "m.json: .layers[0].digest: unsupported digest algorithm \"md5\" in \"md5:abc\" (supported: sha256, sha512)" },
  { 0, "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"tar\",\"digest\":\"" D1 "\",\"size\":1}]}",
    "m.json: .layers[0].mediaType: invalid media type \"tar\" (RFC 6838 type/subtype)" },
  { 0,
    "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[{\"mediaType\":\"a/b\",\"digest\":\"" D1
    "\",\"size\":1,\"urls\":[\"https://x/y\",\"not a url\"]}]}",
    "m.json: .layers[0].urls[1]: invalid URL \"not a url\" (RFC 3986)" },
  { 0, "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[],\"annotations\":{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"}}",
    "m.json: .annotations.a: duplicate key" },
  { 0, "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[],\"annotations\":{\"a\":1}}",
    "m.json: .annotations.a: expected a string, got a number" },
  { 0,
    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" D1
    "\",\"size\":2},\"layers\":[]}",
    "m.json: .artifactType: required when .config.mediaType is application/vnd.oci.empty.v1+json" },
  { 0,
    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1
    "\",\"size\":2,\"data\":\"e30\"},\"layers\":[]}",
    "m.json: .config.data: invalid base64" },
  { 0,
    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1
    "\",\"size\":3,\"data\":\"e30=\"},\"layers\":[]}",
    "m.json: .config.data: 2 bytes, but size is 3" },
  { 0,
    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1
    "\",\"size\":2,\"data\":\"e30=\"},\"layers\":[]}",
    "m.json: .config.data: content is sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a, but "
    "digest is " D1 },
  { 0, "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[],\"subject\":{\"mediaType\":\"a/b\"}}",
    "m.json: .subject.digest: required property missing" },
  { 1, "{\"schemaVersion\":2}", "i.json: .manifests: required property missing" },
  { 1, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"manifests\":[]}",
    "i.json: .mediaType: expected application/vnd.oci.image.index.v1+json or "
    "application/vnd.docker.distribution.manifest.list.v2+json, got \"application/vnd.oci.image.manifest.v1+json\"" },
  { 1, "{\"schemaVersion\":2,\"manifests\":[" MANIFEST_PLAT ("{\"os\":\"linux\"}") "]}",
    "i.json: .manifests[0].platform.architecture: required property missing" },
  { 1, "{\"schemaVersion\":2,\"manifests\":[" MANIFEST_PLAT ("{\"architecture\":\"amd64\"}") "]}",
    "i.json: .manifests[0].platform.os: required property missing" },
  { 1, "{\"schemaVersion\":2,\"manifests\":[" MANIFEST_PLAT ("[]") "]}",
    "i.json: .manifests[0].platform: expected an object, got an array" },
  { 1,
    "{\"schemaVersion\":2,\"manifests\":[" MANIFEST_PLAT (
        "{\"os\":\"linux\",\"architecture\":\"arm\",\"os.features\":\"x\"}") "]}",
    "i.json: .manifests[0].platform.os.features: expected an array, got a string" },
  { 1, "{\"schemaVersion\":2,\"manifests\":[3]}", "i.json: .manifests[0]: expected an object, got a number" },
  { 2, "{\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
    "c.json: .architecture: required property missing" },
  { 2, "{\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
    "c.json: .os: required property missing" },
  { 2, "{\"architecture\":\"amd64\",\"os\":\"linux\"}", "c.json: .rootfs: required property missing" },
  { 2, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}",
    "c.json: .rootfs.diff_ids: required property missing" },
  { 2, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"tarballs\",\"diff_ids\":[]}}",
    "c.json: .rootfs.type: must be \"layers\", got \"tarballs\"" },
  { 2,
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1
    "\",\"sha256:x\"]}}",
    "c.json: .rootfs.diff_ids[1]: invalid digest \"sha256:x\": sha256 needs 64 hex digits, got 1" },
  { 2,
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"yesterday\",\"rootfs\":{\"type\":\"layers\",\"diff_"
    "ids\":[]}}",
    "c.json: .created: expected an RFC 3339 date-time, got \"yesterday\"" },
  { 2,
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"history\":[{},"
    "{\"created\":\"2024-01-01 10:00:00\"}]}",
    "c.json: .history[1].created: expected an RFC 3339 date-time, got \"2024-01-01 10:00:00\"" },
  { 2,
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"history\":[{"
    "\"empty_layer\":\"yes\"}]}",
    "c.json: .history[0].empty_layer: expected a boolean, got a string" },
  { 2,
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"config\":{"
    "\"ExposedPorts\":{\"80/tcp\":{},\"http\":{}}}}",
    "c.json: .config.ExposedPorts.http: expected port, port/tcp, port/udp or port/sctp" },
  { 2,
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"config\":{"
    "\"ExposedPorts\":{\"70000\":{}}}}",
    "c.json: .config.ExposedPorts.70000: expected port, port/tcp, port/udp or port/sctp" },
  { 2,
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"config\":{"
    "\"Env\":[\"A=1\",\"NOVALUE\"]}}",
    "c.json: .config.Env[1]: expected NAME=value, got \"NOVALUE\"" },
  { 2,
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"config\":{"
    "\"Cmd\":\"/bin/sh\"}}",
    "c.json: .config.Cmd: expected an array, got a string" },
  { 2,
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"config\":{"
    "\"Labels\":{\"a\":null}}}",
    "c.json: .config.Labels.a: expected a string, got null" },
  { 2,
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"config\":{"
    "\"Volumes\":[\"/data\"]}}",
    "c.json: .config.Volumes: expected an object, got an array" },
};

static void test_invalid (void)
{
  static const char *names[] = { "m.json", "i.json", "c.json" };

  for (size_t i = 0; i < sizeof (invalid_cases) / sizeof (invalid_cases[0]); i++)
    {
      const struct invalid_case *t = &invalid_cases[i];
      _cleanup_error_ keel_error *err = NULL;
      struct image_manifest *m = NULL;
      struct image_index *idx = NULL;
      struct image_config *c = NULL;
      int r;
      if (t->kind == 0)
        r = image_manifest_parse (names[0], t->doc, strlen (t->doc), &m, &err);
      else if (t->kind == 1)
        r = image_index_parse (names[1], t->doc, strlen (t->doc), &idx, &err);
      else
        r = image_config_parse (names[2], t->doc, strlen (t->doc), &c, &err);
      tap_ok (r == -1 && m == NULL && idx == NULL && c == NULL, "invalid #%zu refused", i);
      tap_is (err ? err->msg : NULL, t->err, "invalid #%zu message", i);
      image_manifest_free (m);
      image_index_free (idx);
      image_config_free (c);
    }
}

struct norm_case
{
  const char *in;
  const char *out; /* NULL: parse error */
};

static void test_platform_parse (void)
{
  static const struct norm_case cases[] = {
    { "linux/amd64", "linux/amd64" },
    { "linux/x86_64", "linux/amd64" },
    { "linux/x86-64", "linux/amd64" },
    { "linux/amd64/v1", "linux/amd64" },
    { "linux/amd64/v3", "linux/amd64/v3" },
    { "linux/aarch64", "linux/arm64/v8" },
    { "linux/arm64", "linux/arm64/v8" },
    { "linux/arm64/8", "linux/arm64/v8" },
    { "linux/arm64/v9", "linux/arm64/v9" },
    { "linux/arm", "linux/arm/v7" },
    { "linux/armhf", "linux/arm/v7" },
    { "linux/armel", "linux/arm/v6" },
    { "linux/arm/6", "linux/arm/v6" },
    { "linux/arm/v5", "linux/arm/v5" },
    { "linux/armv7l", "linux/arm/v7" },
    { "linux/i386", "linux/386" },
    { "linux/i686", "linux/386" },
    { "LINUX/AMD64", "linux/amd64" },
    { "linux/riscv64", "linux/riscv64" },
    { "windows/amd64", "windows/amd64" },
    { "linux", NULL },
    { "linux/", NULL },
    { "/amd64", NULL },
    { "linux/arm/v7/x", NULL },
    { "linux/arm/", NULL },
    { "", NULL },
    { "linux/amd 64", NULL },
  };

  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      struct image_platform p = { 0 };
      _cleanup_error_ keel_error *err = NULL;
      int r = image_platform_parse (cases[i].in, &p, &err);
      if (cases[i].out == NULL)
        {
          _cleanup_free_ char *want = NULL;
          tap_ok (r == -1, "platform \"%s\" refused", cases[i].in);
          if (asprintf (&want, "invalid platform \"%s\": expected os/arch[/variant]", cases[i].in) > 0)
            tap_is (err ? err->msg : NULL, want, "platform \"%s\" message", cases[i].in);
          continue;
        }
      _cleanup_free_ char *s = r == 0 ? image_platform_format (&p) : NULL;
      tap_is (s, cases[i].out, "platform \"%s\" normalises", cases[i].in);
      image_platform_clear (&p);
    }
}

struct match_case
{
  const char *want, *have;
  int match; /* 0 none, 1 exact, 2 compatible but not exact */
};

static void test_platform_match (void)
{
  static const struct match_case cases[] = {
    { "linux/amd64", "linux/x86_64", 1 },     { "linux/arm64", "linux/arm64/v8", 1 },
    { "linux/arm64", "linux/aarch64", 1 },    { "linux/arm/v7", "linux/arm", 1 },
    { "linux/arm/v7", "linux/arm/v6", 2 },    { "linux/arm/v7", "linux/arm/v5", 2 },
    { "linux/arm/v6", "linux/arm/v7", 0 },    { "linux/arm/v8", "linux/arm/v7", 2 },
    { "linux/arm64", "linux/arm", 0 },        { "linux/amd64", "linux/386", 0 },
    { "linux/amd64", "windows/amd64", 0 },    { "linux/amd64/v3", "linux/amd64", 2 },
    { "linux/amd64", "linux/amd64/v2", 0 },   { "linux/arm64/v9", "linux/arm64", 2 },
    { "linux/riscv64", "linux/riscv64", 1 },  { "linux/mips64", "linux/mips64/r6", 2 },
    { "linux/mips64/r6", "linux/mips64", 0 },
  };

  for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++)
    {
      struct image_platform w = { 0 }, h = { 0 };
      _cleanup_error_ keel_error *err = NULL;
      /* "have" as an index entry has it: raw, not normalised. */
      image_platform_parse (cases[i].want, &w, &err);
      char *copy = strdup (cases[i].have), *slash = strchr (copy, '/'), *v;
      *slash = '\0';
      h.os = strdup (copy);
      v = strchr (slash + 1, '/');
      if (v != NULL)
        {
          *v = '\0';
          h.variant = strdup (v + 1);
        }
      h.architecture = strdup (slash + 1);
      free (copy);
      int score = image_platform_match (&w, &h);
      int got = score == 0 ? 0 : score == 1000 ? 1 : 2;
      if (!tap_ok (got == cases[i].match, "match want %s have %s: %d", cases[i].want, cases[i].have, cases[i].match))
        printf ("#   score %d\n", score);
      image_platform_clear (&w);
      image_platform_clear (&h);
    }
}

static void test_host (void)
{
  struct image_platform p = { 0 }, amd = { 0 };
  _cleanup_error_ keel_error *err = NULL;

  tap_ok (image_platform_host (&p, &err) == 0 && strcmp (p.os, "linux") == 0, "host platform is linux");
  image_platform_parse ("linux/amd64", &amd, &err);
  /* The test machines are x86_64; elsewhere only check that the host matches itself. */
  tap_ok (image_platform_match (&p, &p) == 1000, "host matches itself");
#if defined(__x86_64__)
  _cleanup_free_ char *s = image_platform_format (&p);
  tap_is (s, "linux/amd64", "x86_64 host is linux/amd64");
#endif
  image_platform_clear (&p);
  image_platform_clear (&amd);
}

static void test_index_edit (void)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_image_index_ struct image_index *idx = image_index_new (&err);
  _cleanup_image_index_ struct image_index *back = NULL;
  _cleanup_image_manifest_ struct image_manifest *m = load_manifest ("oci-manifest.json");
  _cleanup_free_ char *json = NULL;
  struct image_descriptor d;
  size_t len;

  if (idx == NULL || m == NULL)
    return;
  for (int i = 0; i < 3; i++)
    {
      char ref[32];
      snprintf (ref, sizeof (ref), "r%d", i);
      tap_ok (image_descriptor_copy (&d, &m->layers[1], &err) == 0, "descriptor copy %d", i);
      image_map_set (&d.annotations, IMAGE_ANNOTATION_REF_NAME, ref, &err);
      tap_ok (image_index_append (idx, &d, &err) == 0 && d.digest == NULL, "append %d moves the descriptor", i);
    }
  image_index_remove (idx, 1);
  tap_ok (idx->n_manifests == 2, "remove leaves two");
  tap_is (image_map_get (idx->manifests[1].annotations, IMAGE_ANNOTATION_REF_NAME), "r2", "remove kept order");
  tap_is (image_map_get (idx->manifests[1].annotations, "org.opencontainers.image.title"), "extra",
          "copied annotations kept");
  image_map_set (&idx->manifests[0].annotations, "org.opencontainers.image.title", "renamed", &err);
  tap_is (image_map_get (idx->manifests[0].annotations, "org.opencontainers.image.title"), "renamed",
          "map_set replaces");
  image_map_remove (idx->manifests[0].annotations, "org.opencontainers.image.title");
  tap_ok (image_map_get (idx->manifests[0].annotations, "org.opencontainers.image.title") == NULL
              && image_map_get (idx->manifests[0].annotations, IMAGE_ANNOTATION_REF_NAME) != NULL,
          "map_remove removes only that key");
  tap_ok (image_index_to_json (idx, &json, &len, &err) == 0, "new index emits");
  tap_ok (image_index_parse ("index.json", json, len, &back, &err) == 0 && back->n_manifests == 2
              && strcmp (back->media_type, IMAGE_MT_OCI_INDEX) == 0,
          "emitted index parses back");
}

/* Read a blob of the layout at DIR, checking it against the descriptor with the streaming verifier. */
static char *read_verified_blob (const char *dir, const struct image_descriptor *d, size_t *len)
{
  _cleanup_free_ char *rel = NULL, *path = NULL, *actual = NULL;
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_digest_verifier_ struct digest_verifier *v = NULL;
  char *buf = NULL;

  if (image_layout_blob_path (d->digest, &rel, &err) < 0 || asprintf (&path, "%s/%s", dir, rel) < 0
      || read_file (path, &buf, len, &err) < 0 || (v = digest_verifier_new (d->digest, &err)) == NULL)
    {
      printf ("#   %s\n", err ? err->msg : "out of memory");
      free (buf);
      return NULL;
    }
  digest_verifier_expect_size (v, (uint64_t)d->size);
  if (digest_verifier_update (v, buf, *len, &err) < 0 || digest_verifier_finish (v, &actual, &err) < 0)
    {
      printf ("#   %s\n", err->msg);
      free (buf);
      return NULL;
    }
  return buf;
}

/* Documents written by the installed peers (umoci builds an OCI layout, skopeo converts it to
 * Docker schema2) parse, and their blobs verify. */
static void test_peer_tools (void)
{
  char dir[] = "/tmp/keel-test-image-XXXXXX";
  _cleanup_free_ char *cmd = NULL, *layout = NULL, *index_path = NULL, *ibuf = NULL, *mbuf = NULL, *cbuf = NULL;
  _cleanup_free_ char *lbuf = NULL, *dbuf = NULL, *dpath = NULL, *dcbuf = NULL, *dcpath = NULL;
  _cleanup_image_index_ struct image_index *idx = NULL;
  _cleanup_image_manifest_ struct image_manifest *m = NULL, *dm = NULL;
  _cleanup_image_config_ struct image_config *c = NULL, *dc = NULL;
  _cleanup_error_ keel_error *err = NULL;
  struct image_layer_type lt;
  size_t len = 0;

  if (system ("command -v umoci >/dev/null && command -v skopeo >/dev/null") != 0)
    {
      tap_skip ("umoci or skopeo not installed (contrib/setup.sh installs them)");
      return;
    }
  if (mkdtemp (dir) == NULL || asprintf (&layout, "%s/img", dir) < 0
      || asprintf (&cmd,
                   "set -e; cd %s; umoci init --layout img; umoci new --image img:t;"
                   " umoci unpack --rootless --image img:t b; echo hi > b/rootfs/hello; umoci repack --image img:t b;"
                   " umoci config --image img:t --config.cmd /hello --config.env A=1 --config.exposedports 80/tcp"
                   " --config.volume /data --config.workingdir /srv --config.label a=b --config.user 1000:1000;"
                   " skopeo copy -q --format v2s2 oci:img:t dir:d",
                   dir)
             < 0)
    return;
  if (!tap_ok (system (cmd) == 0, "umoci builds an image, skopeo converts it to Docker schema2"))
    goto out;
  if (asprintf (&index_path, "%s/index.json", layout) < 0 || read_file (index_path, &ibuf, &len, &err) < 0)
    goto out;
  tap_ok (image_index_parse ("index.json", ibuf, len, &idx, &err) == 0 && idx->n_manifests == 1,
          "umoci index.json parses");
  tap_is (idx ? image_map_get (idx->manifests[0].annotations, IMAGE_ANNOTATION_REF_NAME) : NULL, "t", "umoci ref name");
  if (idx == NULL || (mbuf = read_verified_blob (layout, &idx->manifests[0], &len)) == NULL)
    goto out;
  tap_ok (image_manifest_parse ("manifest", mbuf, len, &m, &err) == 0 && m->n_layers == 1, "umoci manifest parses");
  if (m == NULL)
    goto out;
  tap_ok ((cbuf = read_verified_blob (layout, &m->config, &len)) != NULL
              && image_config_parse ("config", cbuf, len, &c, &err) == 0,
          "umoci config verifies and parses");
  tap_ok (c != NULL && c->config.cmd && strcmp (c->config.cmd[0], "/hello") == 0 && c->config.exposed_ports
              && strcmp (c->config.exposed_ports[0], "80/tcp") == 0 && c->n_diff_ids == 1,
          "umoci config: Cmd, ExposedPorts, diff_ids");
  tap_ok ((lbuf = read_verified_blob (layout, &m->layers[0], &len)) != NULL
              && image_layer_media_type (m->layers[0].media_type, &lt, &err) == 0
              && lt.compression == IMAGE_COMPRESSION_GZIP,
          "umoci layer verifies (digest and size), gzip");
  if (asprintf (&dpath, "%s/d/manifest.json", dir) < 0 || read_file (dpath, &dbuf, &len, &err) < 0)
    goto out;
  tap_ok (image_document_kind (NULL, dbuf, len) == IMAGE_KIND_MANIFEST
              && image_manifest_parse ("manifest.json", dbuf, len, &dm, &err) == 0
              && strcmp (dm->media_type, IMAGE_MT_DOCKER_MANIFEST) == 0
              && strcmp (dm->layers[0].media_type, IMAGE_MT_DOCKER_LAYER_GZIP) == 0,
          "skopeo Docker schema2 manifest parses");
  if (dm == NULL || asprintf (&dcpath, "%s/d/%s", dir, dm->config.dgst.hex) < 0
      || read_file (dcpath, &dcbuf, &len, &err) < 0)
    goto out;
  tap_ok (image_config_parse ("docker config", dcbuf, len, &dc, &err) == 0 && dc->config.working_dir
              && strcmp (dc->config.working_dir, "/srv") == 0,
          "skopeo Docker image config parses");
out:
  if (err != NULL)
    printf ("#   %s\n", err->msg);
  free (cmd);
  cmd = NULL;
  if (asprintf (&cmd, "rm -rf %s", dir) > 0 && system (cmd) != 0)
    printf ("#   cannot remove %s\n", dir);
}

int main (void)
{
  test_oci_manifest ();
  test_docker_manifest ();
  test_artifact_manifest ();
  test_index ();
  test_docker_list ();
  test_select ();
  test_config ();
  test_docker_config ();
  test_layout ();
  test_roundtrip ();
  test_kind ();
  test_invalid ();
  test_platform_parse ();
  test_platform_match ();
  test_host ();
  test_index_edit ();
  test_peer_tools ();
  return tap_done ();
}
