/* image-spec descriptors, index, manifest, image config, platform; Docker schema2 equivalents. */
#ifndef KEEL_IMAGE_H
#define KEEL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"

/* ---- Media types (image-spec media-types.md; Docker image manifest v2 schema 2) ---- */
#define IMAGE_MT_OCI_DESCRIPTOR "application/vnd.oci.descriptor.v1+json"
#define IMAGE_MT_OCI_LAYOUT_HEADER "application/vnd.oci.layout.header.v1+json"
#define IMAGE_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define IMAGE_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IMAGE_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define IMAGE_MT_OCI_EMPTY "application/vnd.oci.empty.v1+json"
#define IMAGE_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define IMAGE_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMAGE_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define IMAGE_MT_OCI_LAYER_ND "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define IMAGE_MT_OCI_LAYER_ND_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define IMAGE_MT_OCI_LAYER_ND_ZSTD "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
#define IMAGE_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMAGE_MT_DOCKER_MANIFEST_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMAGE_MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define IMAGE_MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define IMAGE_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define IMAGE_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define IMAGE_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define IMAGE_MT_DOCKER_LAYER_FOREIGN_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define IMAGE_MT_DOCKER_PLUGIN_CONFIG "application/vnd.docker.plugin.v1+json"

/* The Accept header value a registry client sends for manifests: OCI and Docker,
 * index/list and manifest (schema1 deliberately absent). */
#define IMAGE_MANIFEST_ACCEPT                                                                                          \
  IMAGE_MT_OCI_INDEX ", " IMAGE_MT_OCI_MANIFEST ", " IMAGE_MT_DOCKER_MANIFEST_LIST ", " IMAGE_MT_DOCKER_MANIFEST

/* Pre-defined annotation keys (image-spec annotations.md). */
#define IMAGE_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"
#define IMAGE_ANNOTATION_CREATED "org.opencontainers.image.created"
#define IMAGE_ANNOTATION_BASE_NAME "org.opencontainers.image.base.name"
#define IMAGE_ANNOTATION_BASE_DIGEST "org.opencontainers.image.base.digest"
/* Docker/containerd write the full reference here in layouts (skopeo reads it too). */
#define IMAGE_ANNOTATION_CONTAINERD_NAME "io.containerd.image.name"

/* What a manifest-ish document is. */
enum image_kind
{
  IMAGE_KIND_UNKNOWN = 0,
  IMAGE_KIND_INDEX,    /* OCI image index or Docker manifest list */
  IMAGE_KIND_MANIFEST, /* OCI image manifest or Docker schema2 manifest */
  IMAGE_KIND_SCHEMA1,  /* Docker schema1: recognised only so callers can refuse it by name */
};

/* The kind of a media type; parameters are ignored ("…+json; charset=utf-8" works, so a Content-Type may be passed). */
enum image_kind image_media_type_kind (const char *media_type);
/* The kind of a fetched document: from CONTENT_TYPE when it names a known kind (NULL allowed),
 * else from the document's own "mediaType", else from its shape ("manifests" → index, "config"
 * → manifest, "schemaVersion": 1 → schema1). Never fails; IMAGE_KIND_UNKNOWN when nothing fits. */
enum image_kind image_document_kind (const char *content_type, const char *buf, size_t len);
/* "image index" / "image manifest" / "Docker schema1 manifest" / "unknown document". */
const char *image_kind_name (enum image_kind k);

/* A layer media type, understood (image-spec layer.md, media-types.md; Docker). */
enum image_compression
{
  IMAGE_COMPRESSION_NONE,
  IMAGE_COMPRESSION_GZIP,
  IMAGE_COMPRESSION_ZSTD,
};
struct image_layer_type
{
  enum image_compression compression;
  bool non_distributable; /* OCI nondistributable or Docker foreign layer */
};
/* 0 and *out set for every OCI and Docker layer media type; -1 with
 * `unsupported layer media type "x"` otherwise. */
int image_layer_media_type (const char *media_type, struct image_layer_type *out, keel_error **err);

/* Annotations and string maps: NULL-terminated vectors of alternating keys and values
 * (as json_get_string_map returns them); NULL when absent. */
/* The value for KEY, or NULL. */
const char *image_map_get (char *const *map, const char *key);
/* Set or replace KEY (copies both). */
int image_map_set (char ***map, const char *key, const char *value, keel_error **err);
/* Remove KEY if present. */
void image_map_remove (char **map, const char *key);

/* ---- Platform ---- */
struct image_platform
{
  char *os;
  char *architecture;
  char *variant;      /* NULL when absent */
  char *os_version;   /* NULL when absent */
  char **os_features; /* NULL when absent */
  char **features;    /* Docker manifest lists' "features"; NULL when absent */
};

/* "os/arch[/variant]", normalised (see image_platform_normalize). Errors name the string:
 * `invalid platform "linux": expected os/arch[/variant]`. */
int image_platform_parse (const char *s, struct image_platform *out, keel_error **err);
/* Normalise in place: os lowercased; x86_64/x86-64 → amd64 (variant "v1" dropped),
 * aarch64/arm64 → arm64 with variant v8 by default ("8" → "v8"), armhf → arm v7, armel → arm v6,
 * arm → arm with variant v7 by default ("7" → "v7"; v5, v6, v8 kept), i386/i486/i586/i686/x86 → 386. */
int image_platform_normalize (struct image_platform *p, keel_error **err);
/* The running host (uname), normalised: linux/amd64, linux/arm64/v8, linux/arm/v7 (from armv7l)... */
int image_platform_host (struct image_platform *out, keel_error **err);
/* "os/arch[/variant]" malloc'd (NULL on ENOMEM). */
char *image_platform_format (const struct image_platform *p);
/* Can an image built for HAVE run where WANT is asked for? Both are normalised first (copies).
 * Same os and architecture; for arm, arm64 and amd64 a lower variant also runs
 * (arm v7 runs v6 and v5 images). Returns a score: 0 = no match, higher = better
 * (exact variant beats a lower one). */
int image_platform_match (const struct image_platform *want, const struct image_platform *have);
int image_platform_copy (struct image_platform *dst, const struct image_platform *src, keel_error **err);
/* Free the members (the struct itself is the caller's). */
void image_platform_clear (struct image_platform *p);
void image_platform_free (struct image_platform *p);

/* ---- Descriptor (image-spec descriptor.md) ---- */
struct image_descriptor
{
  char *media_type;
  char *digest;       /* validated "algorithm:hex" string as found */
  struct digest dgst; /* the same, parsed */
  int64_t size;       /* >= 0 */
  char **urls;        /* NULL when absent */
  char **annotations;
  struct image_platform *platform; /* NULL when absent */
  char *artifact_type;
  unsigned char *data; /* base64-decoded "data", verified against digest and size; NULL when absent */
  size_t data_len;
};

int image_descriptor_copy (struct image_descriptor *dst, const struct image_descriptor *src, keel_error **err);
void image_descriptor_clear (struct image_descriptor *d);

/* ---- Image index (image-index.md) / Docker manifest list; also the layout's index.json ---- */
struct image_index
{
  int schema_version; /* 2 */
  char *media_type;   /* NULL when absent (allowed in index.json) */
  char *artifact_type;
  struct image_descriptor *manifests;
  size_t n_manifests;
  struct image_descriptor *subject; /* NULL when absent */
  char **annotations;
};

/* NAME is used in errors: "NAME: .manifests[1].digest: invalid digest ...". */
int image_index_parse (const char *name, const char *buf, size_t len, struct image_index **out, keel_error **err);
/* A new empty index (schemaVersion 2, OCI media type), e.g. for a fresh layout. */
struct image_index *image_index_new (keel_error **err);
/* Append DESC, taking over its members (DESC is left cleared). */
int image_index_append (struct image_index *idx, struct image_descriptor *desc, keel_error **err);
/* Remove entry I (0 <= I < n_manifests), freeing it. */
void image_index_remove (struct image_index *idx, size_t i);
/* The entry best matching WANT (image_platform_match), skipping entries that are not manifests.
 * -1 with "NAME: no manifest for linux/arm64/v8 (available: linux/amd64, linux/arm/v7)" when none. */
int image_index_select (const struct image_index *idx, const char *name, const struct image_platform *want,
                        size_t *chosen, keel_error **err);
/* Compact JSON (canonical key order as written, unknown fields dropped); *len may be NULL. */
int image_index_to_json (const struct image_index *idx, char **out, size_t *len, keel_error **err);
void image_index_free (struct image_index *idx);
void image_index_freep (struct image_index **idx);
#define _cleanup_image_index_ __attribute__ ((cleanup (image_index_freep)))

/* ---- Image manifest (manifest.md) / Docker schema2 manifest ---- */
struct image_manifest
{
  int schema_version; /* 2 */
  char *media_type;   /* NULL when absent */
  char *artifact_type;
  struct image_descriptor config;
  struct image_descriptor *layers;
  size_t n_layers;
  struct image_descriptor *subject;
  char **annotations;
};

int image_manifest_parse (const char *name, const char *buf, size_t len, struct image_manifest **out, keel_error **err);
int image_manifest_to_json (const struct image_manifest *m, char **out, size_t *len, keel_error **err);
void image_manifest_free (struct image_manifest *m);
void image_manifest_freep (struct image_manifest **m);
#define _cleanup_image_manifest_ __attribute__ ((cleanup (image_manifest_freep)))

/* ---- Image configuration (config.md) / Docker image config ---- */
struct image_history
{
  char *created;
  char *author;
  char *created_by;
  char *comment;
  bool empty_layer;
};

/* config.config: the execution parameters; every member NULL when absent. */
struct image_exec_config
{
  char *user;
  char **exposed_ports; /* the keys of ExposedPorts ("80/tcp"), in document order */
  char **env;           /* "NAME=value" */
  char **entrypoint;
  char **cmd;
  char **volumes; /* the keys of Volumes */
  char *working_dir;
  char **labels; /* alternating keys and values */
  char *stop_signal;
};

struct image_config
{
  char *created; /* RFC 3339 */
  char *author;
  char *architecture;
  char *os;
  char *os_version;
  char **os_features;
  char *variant;
  struct image_exec_config config;
  char *rootfs_type; /* "layers" */
  char **diff_ids;   /* validated digests */
  size_t n_diff_ids;
  struct image_history *history;
  size_t n_history;
};

int image_config_parse (const char *name, const char *buf, size_t len, struct image_config **out, keel_error **err);
/* The platform the config declares (os, architecture, variant, os.version, os.features), normalised. */
int image_config_platform (const struct image_config *c, struct image_platform *out, keel_error **err);
int image_config_to_json (const struct image_config *c, char **out, size_t *len, keel_error **err);
void image_config_free (struct image_config *c);
void image_config_freep (struct image_config **c);
#define _cleanup_image_config_ __attribute__ ((cleanup (image_config_freep)))

/* ---- Image layout (image-layout.md) ---- */
#define IMAGE_LAYOUT_VERSION "1.0.0"
/* The whole oci-layout file keel writes. */
#define IMAGE_LAYOUT_OCI_LAYOUT_JSON "{\"imageLayoutVersion\":\"" IMAGE_LAYOUT_VERSION "\"}"
/* Validate an oci-layout file's contents (NAME for errors): an object with imageLayoutVersion "1.x.y". */
int image_layout_check (const char *name, const char *buf, size_t len, keel_error **err);
/* "blobs/<alg>/<hex>" for a digest string (validated with digest_parse), relative to the layout root. */
int image_layout_blob_path (const char *digest, char **out, keel_error **err);

/* Walking an image graph: FN gets each descriptor a manifest or index refers to, with OPTIONAL set where
 * the blob may be absent (an index's manifests: a layout MAY hold only some; non-distributable layers). */
typedef int (*image_child_fn) (void *arg, const struct image_descriptor *child, bool optional, keel_error **err);
/* BUF, LEN: DESC's content (verified by the caller). A document that is neither a manifest nor an index
 * has no children. Stops at FN's first error. */
int image_each_child (const struct image_descriptor *desc, const char *buf, size_t len, image_child_fn fn, void *arg,
                      keel_error **err);

#endif
