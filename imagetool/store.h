/* The image store: an OCI image layout (oci-layout, index.json, blobs/<alg>/<hex>) with atomic writes and locks. */
#ifndef KEEL_STORE_H
#define KEEL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "image.h"

/* Private state lives in DIR/.keel/: tmp/ holds partial blobs (each flock'ed by its writer),
 * gc.lock is held shared by every writer and exclusively by gc, index.lock serialises
 * read-modify-write cycles of index.json, import-XXXXXX/ is where an import checks an archive
 * before committing it. Other OCI tools ignore the directory. */
struct store;

/* /var/lib/keel/images for root, $XDG_DATA_HOME/keel/images (~/.local/share/…) otherwise. Malloc'd. */
char *store_default_dir (void);
/* Open DIR, creating the layout when missing; WRITER takes gc.lock shared until store_close. */
int store_open (const char *dir, bool writer, struct store **out, keel_error **err);
void store_close (struct store *s);
void store_closep (struct store **s);
#define _cleanup_store_ __attribute__ ((cleanup (store_closep)))
const char *store_dir (const struct store *s);

/* Is the blob present (and of SIZE bytes when SIZE >= 0)? Presence means verified: blobs only
 * appear by rename after verification. */
bool store_has_blob (struct store *s, const char *digest, int64_t size);
/* Absolute path of a blob (whether present or not). */
int store_blob_path (struct store *s, const char *digest, char **out, keel_error **err);
/* Read a whole blob, verifying it against its digest on the way. */
int store_read_blob (struct store *s, const char *digest, char **buf, size_t *len, keel_error **err);
/* Write a small blob (manifest, index) from memory under its computed sha256 digest (or DIGEST
 * when given, which must match). *out_digest (may be NULL) gets the digest, malloc'd. */
int store_put_blob (struct store *s, const char *digest, const void *buf, size_t len, char **out_digest,
                    keel_error **err);

/* Streaming writes, for downloads. */
struct store_writer;
enum store_begin
{
  STORE_BEGIN_WRITE = 0, /* *w is ready; store_writer_offset bytes of a previous attempt are kept */
  STORE_BEGIN_PRESENT,   /* the blob is already in the store */
  STORE_BEGIN_BUSY,      /* another process is writing it right now: ask again later */
};
/* -1 on error, else one of enum store_begin. */
int store_writer_begin (struct store *s, const char *digest, int64_t size, struct store_writer **w, keel_error **err);
uint64_t store_writer_offset (const struct store_writer *w);
/* Append, verifying on the way (fails as soon as more than SIZE bytes arrive). */
int store_writer_write (struct store_writer *w, const void *buf, size_t len, keel_error **err);
/* Forget what was written (the server answered 200 to a Range request). */
int store_writer_restart (struct store_writer *w, keel_error **err);
/* Verify digest and size, fsync, rename into blobs/. On a mismatch the partial file is deleted
 * and the error names the digest. Frees W in every case. */
int store_writer_commit (struct store_writer *w, keel_error **err);
/* Give up: KEEP_PARTIAL leaves the bytes for a later resume (transport errors), else they are deleted. Frees W. */
void store_writer_abort (struct store_writer *w, bool keep_partial);

/* ---- refs: index.json entries carrying org.opencontainers.image.ref.name ---- */
/* The layout's index.json (empty index when none). */
int store_load_index (struct store *s, struct image_index **out, keel_error **err);
/* Point NAME at DESC (a copy is stored with the ref.name annotation), replacing an older entry for NAME. */
int store_set_ref (struct store *s, const char *name, const struct image_descriptor *desc, keel_error **err);
/* Find NAME: 1 and *out (a copy) when found, 0 when not. */
int store_find_ref (struct store *s, const char *name, struct image_descriptor *out, keel_error **err);
/* Remove NAME: 1 when removed, 0 when not there. */
int store_remove_ref (struct store *s, const char *name, keel_error **err);

/* Every blob reachable from index.json (indexes → manifests → config and layers), as digest strings.
 * Missing blobs are listed too (fsck reports them). */
int store_reachable (struct store *s, char ***out, size_t *n, keel_error **err);
/* Remove unreferenced blobs, stale partial files (those no writer holds) and the staging
 * directories (.keel/import-*) of imports that died. */
int store_gc (struct store *s, size_t *removed, uint64_t *bytes, keel_error **err);
/* Verify every blob (digest of content = its name) and that every reachable blob exists.
 * Problems are appended to *problems (NULL-terminated, malloc'd); returns their count. */
int store_fsck (struct store *s, char ***problems, keel_error **err);

#endif
