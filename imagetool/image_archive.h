/* Offline images: import `docker save` / oci-archive tarballs into the store, export stored images as either. */
#ifndef KEEL_IMAGE_ARCHIVE_H
#define KEEL_IMAGE_ARCHIVE_H

#include <stddef.h>

#include "error.h"
#include "image.h"

struct store;

/* Import the archive at PATH ("-": standard input; plain or compressed tar): an OCI image layout (oci-layout +
 * index.json, names from io.containerd.image.name or org.opencontainers.image.ref.name) or a
 * `docker save` archive (manifest.json; legacy <id>/layer.tar or blobs/sha256/<hex> entries).
 * Every blob is verified (digest, size, diff_ids) before anything reaches the store, so a bad
 * archive leaves it unchanged. REF (may be NULL) names the image instead of the archive's own
 * names; it requires an archive holding one image. *names gets the stored names (NULL-terminated). */
int image_archive_import (struct store *s, const char *path, const char *ref, char ***names, keel_error **err);

enum image_archive_format
{
  IMAGE_ARCHIVE_OCI,    /* oci-archive: an OCI image layout in a tar */
  IMAGE_ARCHIVE_DOCKER, /* docker-archive: what `docker load` reads */
};
/* "oci-archive" / "docker-archive" → *out; -1 naming S otherwise. */
int image_archive_format_parse (const char *s, enum image_archive_format *out, keel_error **err);

/* Write the stored image NAME (DESC) to PATH, atomically (PATH.tmp-XXXXXX renamed at the end).
 * oci-archive keeps DESC as is (an index keeps the platforms present in the store);
 * docker-archive holds one image: an index is narrowed to WANT (the host's when NULL) and
 * layers are written uncompressed, checked against the config's diff_ids. */
int image_archive_export (struct store *s, const char *name, const struct image_descriptor *desc,
                          const struct image_platform *want, enum image_archive_format fmt, const char *path,
                          keel_error **err);

/* Feed SINK the decompressed bytes of FD (gzip, zstd, xz... whatever libarchive recognises; other bytes as
 * they are): layers' diff_ids and docker-archive layers, which must be plain tar. */
typedef int (*image_archive_sink) (void *arg, const void *buf, size_t len, keel_error **err);
int image_archive_inflate (int fd, image_archive_sink sink, void *arg, keel_error **err);

#endif
