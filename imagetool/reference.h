/* Image references (the distribution project's grammar): parse, normalise, format. */
#ifndef KEEL_REFERENCE_H
#define KEEL_REFERENCE_H

#include <stdbool.h>

#include "error.h"

#define REFERENCE_DEFAULT_DOMAIN "docker.io"
#define REFERENCE_DEFAULT_TAG "latest"
/* docker.io is a name, not a host: its API lives here. */
#define REFERENCE_DOCKER_API_HOST "registry-1.docker.io"

/* A normalised reference: docker.io/library/alpine:latest. */
struct reference
{
  char *domain;   /* "docker.io", "quay.io", "127.0.0.1:5000", "localhost" */
  char *path;     /* "library/alpine" */
  char *tag;      /* NULL when only a digest was given; "latest" when neither */
  char *digest;   /* "sha256:…" or NULL; when set it decides what is pulled */
  bool qualified; /* the domain was written, not defaulted (registries.conf search applies otherwise) */
  bool library;   /* "library/" was added to a single-component docker.io name */
};

/* Parse S as `docker pull` and `skopeo docker://` do: a name without a domain gets
 * docker.io, a single docker.io component gets library/, no tag and no digest gets
 * :latest. Errors read `invalid reference "S": <the bad part and why>`. */
int reference_parse (const char *s, struct reference *out, keel_error **err);

/* Only the name (domain/path), without tag or digest. Malloc'd, NULL on ENOMEM. */
char *reference_name (const struct reference *r);
/* The full normalised form: name@digest when a digest is set (it wins over the tag),
 * else name:tag. Malloc'd, NULL on ENOMEM. */
char *reference_string (const struct reference *r);
/* What to ask the registry for: the digest when set, else the tag. */
const char *reference_object (const struct reference *r);
/* The host[:port] to talk to (docker.io → registry-1.docker.io). */
const char *reference_api_host (const struct reference *r);
/* Normalise a registry name as typed by `login`: docker.io aliases → docker.io. Malloc'd. */
char *reference_normalize_domain (const char *domain);

/* A deep copy. */
int reference_copy (struct reference *dst, const struct reference *src, keel_error **err);
void reference_clear (struct reference *r);

#endif
