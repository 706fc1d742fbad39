/* Registry credentials (auth.json, ~/.docker/config.json, --creds) and WWW-Authenticate challenges. */
#ifndef KEEL_AUTH_H
#define KEEL_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* What a 401 asks for (RFC 7235; the distribution token flow). */
enum auth_scheme
{
  AUTH_SCHEME_NONE = 0,
  AUTH_SCHEME_BASIC,
  AUTH_SCHEME_BEARER,
};

struct auth_challenge
{
  enum auth_scheme scheme;
  char *realm;   /* the token endpoint for Bearer; informative for Basic */
  char *service; /* NULL when absent */
  char *scope;   /* NULL when absent */
};

/* Parse one WWW-Authenticate value: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`.
 * Schemes are case-insensitive; quoted values may hold commas and \-escapes. Errors name the header. */
int auth_parse_challenge (const char *header, struct auth_challenge *out, keel_error **err);
void auth_challenge_clear (struct auth_challenge *c);

/* Credentials for one registry. Secrets: never logged, never written outside auth files. */
struct auth_creds
{
  char *username;
  char *password;
  char *identity_token; /* OAuth2 refresh token (docker login with an identity provider) */
};

/* "user:pass" as given to --creds; a missing ":" is an error (the password is never echoed). */
int auth_creds_parse (const char *s, struct auth_creds *out, keel_error **err);
void auth_creds_clear (struct auth_creds *c);

/* The file login writes: $REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR}/containers/auth.json,
 * else /run/containers/<uid>/auth.json. AUTHFILE (--authfile) wins when not NULL. Malloc'd. */
char *auth_default_file (const char *authfile);

/* Find credentials for DOMAIN (normalised, e.g. "docker.io", "127.0.0.1:5000") and REPO (path,
 * may be NULL): AUTHFILE if given, else auth.json (runtime dir, then ~/.config/containers), then
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json. Keys may be a domain, a URL
 * ("https://index.docker.io/v1/") or a domain/repository prefix (the longest match wins).
 * Returns 1 and fills OUT when found, 0 when not, -1 on a malformed file (named in the error). */
int auth_lookup (const char *authfile, const char *domain, const char *repo, struct auth_creds *out, keel_error **err);

/* Record USERNAME:PASSWORD for DOMAIN in FILE (created 0600, other entries kept, atomic rewrite). */
int auth_store (const char *file, const char *domain, const char *username, const char *password, keel_error **err);
/* Remove DOMAIN from FILE (ALL: every entry). Returns 1 when something was removed, 0 when not logged in. */
int auth_remove (const char *file, const char *domain, bool all, keel_error **err);

/* Base64 helpers (libcrypto); malloc'd NUL-terminated results. decode fails on invalid input. */
char *auth_base64_encode (const void *buf, size_t len);
int auth_base64_decode (const char *s, char **out, size_t *len, keel_error **err);

#endif
