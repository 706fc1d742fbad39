/* distribution-spec client over libcurl: ping, auth (Basic, Bearer tokens), manifests, parallel verified blob
 * downloads. */
#ifndef KEEL_REGISTRY_H
#define KEEL_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "image.h"
#include "log.h"
#include "progress.h"
#include "reference.h"
#include "store.h"

struct registry_options
{
  const char *authfile; /* --authfile, NULL for the default lookup */
  const char *creds;    /* --creds USER:PASS */
  bool tls_verify;      /* false: accept any certificate and fall back to plain HTTP */
  const char *cert_dir; /* --cert-dir: CA (NAME.crt) and client cert (NAME.cert + NAME.key) instead of certs.d */
  int jobs;             /* parallel blob downloads (>= 1) */
  int retries;          /* attempts per request on 429, 5xx and transport errors (>= 1) */
  long limit_rate;      /* bytes/s per blob transfer, 0 = unlimited (--limit-rate) */
  const log_options *log;
};

struct registry;

/* A client for REF's repository on REF's registry (docker.io → registry-1.docker.io).
 * Pings /v2/ to learn the scheme and the authentication challenge. */
int registry_open (const struct reference *ref, const struct registry_options *o, struct registry **out,
                   keel_error **err);
void registry_free (struct registry *r);
void registry_freep (struct registry **r);
#define _cleanup_registry_ __attribute__ ((cleanup (registry_freep)))

/* The host[:port] talked to and the URL scheme chosen ("https"/"http"). */
const char *registry_host (const struct registry *r);

/* GET manifests/OBJECT (a tag or digest) with the OCI and Docker Accept list. *content_type may be NULL. */
int registry_get_manifest (struct registry *r, const char *object, char **body, size_t *len, char **content_type,
                           keel_error **err);
/* HEAD manifests/OBJECT: the Docker-Content-Digest the registry reports (NULL when it sends none). */
int registry_head_manifest (struct registry *r, const char *object, char **digest, keel_error **err);

/* Download the N BLOBS missing from S, up to jobs at a time, each verified while it streams into
 * the store. Blobs already present are skipped; blobs another process is downloading are waited
 * for. The first failure cancels the rest and is returned naming the digest. */
int registry_fetch_blobs (struct registry *r, struct store *s, const struct image_descriptor *const *blobs, size_t n,
                          struct progress *p, keel_error **err);

/* Check the credentials in O->creds against DOMAIN: /v2/ with Basic, or a token without scope.
 * 0 when they work (or the registry needs none). */
int registry_check_login (const char *domain, const struct registry_options *o, keel_error **err);

#endif
