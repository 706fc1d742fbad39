/* distribution-spec client: /v2/ ping, Basic and Bearer auth with a token cache, manifests, parallel blob fetch. */
#include "config.h"
#include "registry.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "cleanup.h"
#include "fsutil.h"
#include "json.h"

/* Manifests and token responses are small; refuse anything bigger (image-spec suggests 4 MiB manifests). */
#define MAX_DOCUMENT (8 * 1024 * 1024)
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define BACKOFF_BASE_MS 250
#define BACKOFF_MAX_MS 8000
#define RETRY_AFTER_MAX_S 60

struct token
{
  char *scope;
  char *value;
  time_t expires;
};

struct registry
{
  struct registry_options opts;
  char *host;   /* host[:port] for the API */
  char *domain; /* the reference's domain, for credentials and certs.d */
  char *path;   /* repository */
  const char *scheme;
  struct auth_creds creds;
  bool have_creds;
  struct auth_challenge challenge; /* from the /v2/ ping; scheme NONE when anonymous works */
  struct token *tokens;
  size_t n_tokens;
  char *ca_blob; /* system bundle + per-registry CAs, when certs.d has any */
  size_t ca_blob_len;
  char *client_cert, *client_key;
};

/* One HTTP exchange: the final response's status, headers we care about and (bounded) body. */
struct response
{
  long status;
  char *body;
  size_t len;
  bool too_big;
  char *content_type;
  char *docker_digest;
  char *www_authenticate;
  long retry_after;
};

static void response_clear (struct response *resp)
{
  free (resp->body);
  free (resp->content_type);
  free (resp->docker_digest);
  free (resp->www_authenticate);
  memset (resp, 0, sizeof *resp);
}

static double now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* Bounded exponential back-off: 250 ms, 500 ms, 1 s … capped at 8 s. */
static long backoff_ms (int attempt)
{
  long ms = BACKOFF_BASE_MS;
  for (int i = 0; i < attempt && ms < BACKOFF_MAX_MS; i++)
    ms *= 2;
  return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

static size_t body_cb (char *data, size_t size, size_t nmemb, void *userp)
{
  struct response *resp = userp;
  size_t n = size * nmemb;
  char *nb;

  if (resp->len + n > MAX_DOCUMENT)
    {
      resp->too_big = true;
      return 0;
    }
  nb = realloc (resp->body, resp->len + n + 1);
  if (nb == NULL)
    return 0;
  memcpy (nb + resp->len, data, n);
  resp->body = nb;
  resp->len += n;
  nb[resp->len] = '\0';
  return n;
}

/* "Name: value\r\n" → value (malloc'd) when NAME matches. */
static char *header_value (const char *line, size_t len, const char *name)
{
  size_t nl = strlen (name);
  const char *v, *end = line + len;

  if (len <= nl || strncasecmp (line, name, nl) != 0 || line[nl] != ':')
    return NULL;
  for (v = line + nl + 1; v < end && (*v == ' ' || *v == '\t'); v++)
    ;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
    end--;
  return strndup (v, (size_t)(end - v));
}

static void set_header (char **slot, char *value)
{
  if (value == NULL)
    return;
  free (*slot);
  *slot = value;
}

static size_t header_cb (char *data, size_t size, size_t nmemb, void *userp)
{
  struct response *resp = userp;
  size_t n = size * nmemb;
  char *v;

  /* a new status line: forget the headers of a redirect or a 100 Continue */
  if (n >= 5 && strncmp (data, "HTTP/", 5) == 0)
    {
      free (resp->content_type);
      free (resp->docker_digest);
      free (resp->www_authenticate);
      resp->content_type = resp->docker_digest = resp->www_authenticate = NULL;
      resp->retry_after = 0;
      return n;
    }
  set_header (&resp->content_type, header_value (data, n, "Content-Type"));
  set_header (&resp->docker_digest, header_value (data, n, "Docker-Content-Digest"));
  set_header (&resp->www_authenticate, header_value (data, n, "WWW-Authenticate"));
  if ((v = header_value (data, n, "Retry-After")) != NULL)
    {
      /* delta-seconds only; an HTTP-date falls back to the exponential back-off */
      char *end;
      long s = strtol (v, &end, 10);
      resp->retry_after = (*end == '\0' && s >= 0) ? (s < RETRY_AFTER_MAX_S ? s : RETRY_AFTER_MAX_S) : 0;
      free (v);
    }
  return n;
}

/* TLS settings shared by every handle. */
static void setup_tls (struct registry *r, CURL *h)
{
  if (!r->opts.tls_verify)
    {
      curl_easy_setopt (h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  if (r->ca_blob != NULL)
    {
      struct curl_blob blob = { r->ca_blob, r->ca_blob_len, CURL_BLOB_COPY };
      curl_easy_setopt (h, CURLOPT_CAINFO_BLOB, &blob);
    }
  if (r->client_cert != NULL && r->client_key != NULL)
    {
      curl_easy_setopt (h, CURLOPT_SSLCERT, r->client_cert);
      curl_easy_setopt (h, CURLOPT_SSLKEY, r->client_key);
    }
}

static CURL *new_handle (struct registry *r, const char *url, struct curl_slist *headers)
{
  CURL *h = curl_easy_init ();
  if (h == NULL)
    return NULL;
  curl_easy_setopt (h, CURLOPT_URL, url);
  curl_easy_setopt (h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (h, CURLOPT_USERAGENT, "keel-imagetool/" PACKAGE_VERSION);
  curl_easy_setopt (h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (h, CURLOPT_CONNECTTIMEOUT, 30L);
  /* abort a stalled transfer: under 1 byte/s for 60 s */
  curl_easy_setopt (h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (h, CURLOPT_LOW_SPEED_TIME, 60L);
  /* Blobs redirect to object storage. libcurl keeps our Authorization header to the
   * original host (it drops custom Authorization headers when the host changes, and
   * UNRESTRICTED_AUTH stays off), so a registry token never leaks to the CDN. */
  curl_easy_setopt (h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (h, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt (h, CURLOPT_UNRESTRICTED_AUTH, 0L);
  curl_easy_setopt (h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  setup_tls (r, h);
  return h;
}

/* A server that requires a client certificate rejects the handshake with a TLS alert (bad_certificate, or
 * certificate_required in TLS 1.3); with TLS 1.3 the alert races with the first request, so curl reports a
 * failed read (the alert) or a failed send (the peer already closed). OpenSSL's text alone does not tell
 * the user what to do, so name the likely cause when no client certificate was offered. */
static const char *client_cert_hint (struct registry *r, const char *url, CURLcode rc)
{
  if (r->client_cert != NULL || strncmp (url, "https://", 8) != 0)
    return "";
  if (rc != CURLE_SSL_CONNECT_ERROR && rc != CURLE_RECV_ERROR && rc != CURLE_SEND_ERROR)
    return "";
  return " (the registry may require a TLS client certificate: NAME.cert with NAME.key in "
         "/etc/containers/certs.d/HOST:PORT/ or --cert-dir)";
}

/* One request, no retries. BASIC_USER/PASS: HTTP Basic credentials for token endpoints. */
static int perform (struct registry *r, const char *method, const char *url, struct curl_slist *headers,
                    const char *post, struct response *resp, keel_error **err)
{
  char errbuf[CURL_ERROR_SIZE] = "";
  CURL *h = new_handle (r, url, headers);
  CURLcode rc;

  if (h == NULL)
    return keel_err (err, ENOMEM, "curl");
  curl_easy_setopt (h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (h, CURLOPT_WRITEFUNCTION, body_cb);
  curl_easy_setopt (h, CURLOPT_WRITEDATA, resp);
  curl_easy_setopt (h, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (h, CURLOPT_HEADERDATA, resp);
  if (strcmp (method, "HEAD") == 0)
    curl_easy_setopt (h, CURLOPT_NOBODY, 1L);
  if (post != NULL)
    curl_easy_setopt (h, CURLOPT_POSTFIELDS, post);
  rc = curl_easy_perform (h);
  curl_easy_getinfo (h, CURLINFO_RESPONSE_CODE, &resp->status);
  curl_easy_cleanup (h);
  if (rc != CURLE_OK)
    {
      if (resp->too_big)
        return keel_err (err, 0, "%s %s: response larger than %d bytes", method, url, MAX_DOCUMENT);
      const char *msg = errbuf[0] ? errbuf : curl_easy_strerror (rc);
      return keel_err (err, 0, "%s %s: %s%s", method, url, msg, client_cert_hint (r, url, rc));
    }
  return 0;
}

/* ---- auth ---- */

static char *scope_for (struct registry *r)
{
  char *s;
  return asprintf (&s, "repository:%s:pull", r->path) < 0 ? NULL : s;
}

static struct token *find_token (struct registry *r, const char *scope)
{
  for (size_t i = 0; i < r->n_tokens; i++)
    if (strcmp (r->tokens[i].scope, scope) == 0)
      return &r->tokens[i];
  return NULL;
}

/* Token endpoint answer: {"token"|"access_token": …, "expires_in": seconds (default 60)}. */
static int parse_token (struct registry *r, const char *realm, struct response *resp, char **value, int64_t *expires_in,
                        keel_error **err)
{
  _cleanup_json_ yajl_val root = NULL;
  json_ctx c = { realm, err };

  if (json_parse (realm, resp->body ? resp->body : "", resp->len, &root, err) < 0)
    return -1;
  *expires_in = 60;
  if (json_get_string (&c, root, "", "token", value) < 0 || json_get_int64 (&c, root, "", "expires_in", expires_in) < 0)
    return -1;
  if (*value == NULL && json_get_string (&c, root, "", "access_token", value) < 0)
    return -1;
  if (*value == NULL || (*value)[0] == '\0')
    return keel_err (err, 0, "%s: the token response has no token", realm);
  return 0;
}

static char *basic_header (const struct auth_creds *c)
{
  _cleanup_free_ char *pair = NULL, *b64 = NULL;
  char *h;

  if (asprintf (&pair, "%s:%s", c->username, c->password) < 0)
    return NULL;
  b64 = auth_base64_encode (pair, strlen (pair));
  explicit_bzero (pair, strlen (pair));
  if (b64 == NULL || asprintf (&h, "Authorization: Basic %s", b64) < 0)
    return NULL;
  return h;
}

static char *url_escape (const char *s)
{
  char *e = curl_easy_escape (NULL, s, 0), *out;
  if (e == NULL)
    return NULL;
  out = strdup (e);
  curl_free (e);
  return out;
}

/* The distribution token flow (docs "Token Authentication Specification"): GET REALM with
 * service and scope, Basic credentials when known; with an identity token, the OAuth2
 * refresh_token grant (POST). */
static int fetch_token (struct registry *r, const char *scope, keel_error **err)
{
  _cleanup_free_ char *url = NULL, *svc = NULL, *sc = NULL, *auth = NULL, *post = NULL, *value = NULL;
  struct curl_slist *headers = NULL;
  struct response resp = { 0 };
  const char *realm = r->challenge.realm;
  int64_t expires_in = 60;
  struct token *t;
  int ret = -1;

  svc = url_escape (r->challenge.service ? r->challenge.service : "");
  sc = url_escape (scope);
  if (svc == NULL || sc == NULL)
    return keel_err (err, ENOMEM, "token");
  if (r->have_creds && r->creds.identity_token != NULL)
    {
      _cleanup_free_ char *tok = url_escape (r->creds.identity_token);
      if (tok == NULL
          || asprintf (&post, "grant_type=refresh_token&client_id=keel&service=%s&scope=%s&refresh_token=%s", svc, sc,
                       tok)
                 < 0)
        return keel_err (err, ENOMEM, "token");
      url = strdup (realm);
    }
  else if (asprintf (&url, "%s%cservice=%s%s%s", realm, strchr (realm, '?') ? '&' : '?', svc, sc[0] ? "&scope=" : "",
                     sc)
           < 0)
    url = NULL;
  if (url == NULL)
    return keel_err (err, ENOMEM, "token");
  if (r->have_creds && post == NULL && r->creds.username != NULL)
    {
      auth = basic_header (&r->creds);
      if (auth == NULL)
        return keel_err (err, ENOMEM, "token");
      headers = curl_slist_append (headers, auth);
    }
  if (perform (r, post ? "POST" : "GET", url, headers, post, &resp, err) < 0)
    goto out;
  if (resp.status == 401 || resp.status == 403)
    {
      /* say what to do next: log in, or log in again with credentials that may pull this repository */
      keel_err (err, 0, "%s: authentication failed for %s (HTTP %ld): %s: run `imagetool login %s`%s", r->domain, scope,
                resp.status, r->have_creds ? "check the credentials" : "credentials needed", r->domain,
                r->have_creds ? " again" : " (or pass --creds USER:PASS)");
      goto out;
    }
  if (resp.status != 200)
    {
      keel_err (err, 0, "token endpoint %s: HTTP %ld", realm, resp.status);
      goto out;
    }
  if (parse_token (r, realm, &resp, &value, &expires_in, err) < 0)
    goto out;
  t = find_token (r, scope);
  if (t == NULL)
    {
      struct token *nt = realloc (r->tokens, (r->n_tokens + 1) * sizeof *nt);
      if (nt == NULL || (nt[r->n_tokens].scope = strdup (scope)) == NULL)
        {
          if (nt)
            r->tokens = nt;
          keel_err (err, ENOMEM, "token");
          goto out;
        }
      r->tokens = nt;
      t = &nt[r->n_tokens++];
      t->value = NULL;
    }
  free (t->value);
  t->value = keel_steal_ptr (value);
  /* renew 10 s early so a token never expires mid-request */
  t->expires = time (NULL) + (time_t)(expires_in > 10 ? expires_in - 10 : expires_in);
  ret = 0;
out:
  if (auth)
    explicit_bzero (auth, strlen (auth));
  curl_slist_free_all (headers);
  response_clear (&resp);
  return ret;
}

/* The Authorization header for our repository, fetching a token when needed (FORCE: a fresh one).
 * *out NULL when anonymous. */
static int auth_header (struct registry *r, bool force, char **out, keel_error **err)
{
  _cleanup_free_ char *scope = NULL;
  struct token *t;

  *out = NULL;
  if (r->challenge.scheme == AUTH_SCHEME_NONE)
    return 0;
  if (r->challenge.scheme == AUTH_SCHEME_BASIC)
    {
      if (!r->have_creds || r->creds.username == NULL)
        return keel_err (err, 0,
                         "%s: the registry requires a login: run `imagetool login %s` (or pass --creds USER:PASS)",
                         r->domain, r->domain);
      *out = basic_header (&r->creds);
      return *out == NULL ? keel_err (err, ENOMEM, "auth") : 0;
    }
  scope = scope_for (r);
  if (scope == NULL)
    return keel_err (err, ENOMEM, "auth");
  t = find_token (r, scope);
  if (force || t == NULL || t->expires <= time (NULL))
    {
      if (fetch_token (r, scope, err) < 0)
        return -1;
      t = find_token (r, scope);
    }
  return asprintf (out, "Authorization: Bearer %s", t->value) < 0 ? keel_err (err, ENOMEM, "auth") : 0;
}

/* A 401 on a request means our challenge knowledge is stale: take the new challenge, fresh credentials. */
static int reauth_from (struct registry *r, const struct response *resp, keel_error **err)
{
  struct auth_challenge c;

  if (resp->www_authenticate == NULL)
    return keel_err (err, 0, "%s: HTTP 401 without a WWW-Authenticate challenge", r->host);
  if (auth_parse_challenge (resp->www_authenticate, &c, err) < 0)
    return keel_err_prefix (err, "%s", r->host);
  auth_challenge_clear (&r->challenge);
  r->challenge = c;
  return 0;
}

/* ---- requests with retries ---- */

static bool retryable_status (long status)
{
  return status == 429 || status == 408 || (status >= 500 && status != 501 && status != 505);
}

/* GET/HEAD PATH (under /v2/<repo>/) with auth, retrying 429/5xx/transport errors with back-off
 * and a 401 once with fresh credentials. */
static int request (struct registry *r, const char *method, const char *what, const char *accept, struct response *resp,
                    keel_error **err)
{
  _cleanup_free_ char *url = NULL, *accept_h = NULL;
  bool reauthed = false;

  if (asprintf (&url, "%s://%s/v2/%s/%s", r->scheme, r->host, r->path, what) < 0
      || (accept && asprintf (&accept_h, "Accept: %s", accept) < 0))
    return keel_err (err, ENOMEM, "request");
  for (int attempt = 0;; attempt++)
    {
      _cleanup_free_ char *auth = NULL;
      struct curl_slist *headers = NULL;
      keel_error *e = NULL;
      long wait;
      int rc;

      if (auth_header (r, reauthed, &auth, err) < 0)
        return -1;
      if (auth)
        headers = curl_slist_append (headers, auth);
      if (accept_h)
        headers = curl_slist_append (headers, accept_h);
      response_clear (resp);
      rc = perform (r, method, url, headers, NULL, resp, &e);
      curl_slist_free_all (headers);
      if (rc == 0 && resp->status == 401 && !reauthed)
        {
          reauthed = true;
          if (reauth_from (r, resp, err) < 0)
            return -1;
          attempt--;
          continue;
        }
      if (rc == 0 && !retryable_status (resp->status))
        return 0;
      if (attempt + 1 >= r->opts.retries)
        {
          if (rc < 0)
            {
              keel_error_move (err, &e);
              return -1;
            }
          return keel_err (err, 0, "%s %s: HTTP %ld after %d attempts", method, url, resp->status, attempt + 1);
        }
      wait
          = (rc == 0 && resp->status == 429 && resp->retry_after > 0) ? resp->retry_after * 1000 : backoff_ms (attempt);
      if (r->opts.log)
        log_msg (r->opts.log, LOG_LEVEL_DEBUG, "%s %s: %s, retrying in %ld ms", method, url,
                 rc < 0 ? e->msg : "server busy", wait);
      keel_error_free (e);
      sleep_ms (wait);
    }
}

/* What the registry says in an error body (distribution-spec "Error Codes"), for messages. */
static const char *error_summary (const struct response *resp, char *buf, size_t len)
{
  _cleanup_json_ yajl_val root = NULL;
  yajl_val errors, first;
  keel_error *e = NULL;

  snprintf (buf, len, "HTTP %ld", resp->status);
  if (resp->body == NULL || json_parse ("error", resp->body, resp->len, &root, &e) < 0)
    {
      keel_error_free (e);
      return buf;
    }
  errors = json_member (root, "errors");
  if (errors && YAJL_IS_ARRAY (errors) && errors->u.array.len > 0)
    {
      first = errors->u.array.values[0];
      yajl_val code = json_member (first, "code"), msg = json_member (first, "message");
      snprintf (buf, len, "HTTP %ld %s: %s", resp->status, YAJL_IS_STRING (code) ? code->u.string : "",
                YAJL_IS_STRING (msg) ? msg->u.string : "");
    }
  return buf;
}

int registry_get_manifest (struct registry *r, const char *object, char **body, size_t *len, char **content_type,
                           keel_error **err)
{
  _cleanup_free_ char *what = NULL;
  struct response resp = { 0 };
  char why[512];

  if (asprintf (&what, "manifests/%s", object) < 0)
    return keel_err (err, ENOMEM, "manifest");
  if (request (r, "GET", what, IMAGE_MANIFEST_ACCEPT, &resp, err) < 0)
    return keel_err_prefix (err, "manifest %s", object);
  if (resp.status != 200)
    {
      _cleanup_free_ char *hint = NULL;
      if (resp.status == 401 && !r->have_creds
          && asprintf (&hint, " (credentials needed: run `imagetool login %s` or pass --creds USER:PASS)", r->domain)
                 < 0)
        hint = NULL;
      keel_err (err, 0, "manifest %s: %s%s", object, error_summary (&resp, why, sizeof why), hint ? hint : "");
      response_clear (&resp);
      return -1;
    }
  *body = resp.body ? keel_steal_ptr (resp.body) : strdup ("");
  *len = resp.len;
  if (content_type)
    *content_type = keel_steal_ptr (resp.content_type);
  response_clear (&resp);
  return 0;
}

int registry_head_manifest (struct registry *r, const char *object, char **digest, keel_error **err)
{
  _cleanup_free_ char *what = NULL;
  struct response resp = { 0 };

  if (asprintf (&what, "manifests/%s", object) < 0)
    return keel_err (err, ENOMEM, "manifest");
  if (request (r, "HEAD", what, IMAGE_MANIFEST_ACCEPT, &resp, err) < 0)
    return -1;
  if (resp.status != 200)
    {
      keel_err (err, 0, "manifest %s: HTTP %ld", object, resp.status);
      response_clear (&resp);
      return -1;
    }
  *digest = keel_steal_ptr (resp.docker_digest);
  response_clear (&resp);
  return 0;
}

/* ---- setup ---- */

static int append_file (char **buf, size_t *len, const char *path, keel_error **err)
{
  _cleanup_free_ char *data = NULL;
  size_t n;
  char *nb;

  if (read_file (path, &data, &n, err) < 0)
    return -1;
  nb = realloc (*buf, *len + n + 2);
  if (nb == NULL)
    return keel_err (err, ENOMEM, "%s", path);
  memcpy (nb + *len, data, n);
  nb[*len + n] = '\n';
  *len += n + 1;
  nb[*len] = '\0';
  *buf = nb;
  return 0;
}

static bool has_suffix (const char *s, const char *suffix)
{
  size_t a = strlen (s), b = strlen (suffix);
  return a > b && strcmp (s + a - b, suffix) == 0;
}

/* containers-certs.d(5): *.crt are CAs (added to the system ones), X.cert with X.key is a client certificate. */
static int load_certs_dir (struct registry *r, const char *dir, keel_error **err)
{
  _cleanup_closedir_ DIR *d = opendir (dir);
  struct dirent *e;
  bool any_ca = false;

  if (d == NULL)
    return 0;
  while ((e = readdir (d)) != NULL)
    {
      _cleanup_free_ char *p = NULL;
      if (asprintf (&p, "%s/%s", dir, e->d_name) < 0)
        return keel_err (err, ENOMEM, "certs");
      if (has_suffix (e->d_name, ".crt"))
        {
          if (!any_ca && r->ca_blob == NULL && access (SYSTEM_CA_BUNDLE, R_OK) == 0
              && append_file (&r->ca_blob, &r->ca_blob_len, SYSTEM_CA_BUNDLE, err) < 0)
            return -1;
          if (append_file (&r->ca_blob, &r->ca_blob_len, p, err) < 0)
            return -1;
          any_ca = true;
        }
      else if (has_suffix (e->d_name, ".cert"))
        {
          _cleanup_free_ char *key = strdup (p);
          if (key == NULL)
            return keel_err (err, ENOMEM, "certs");
          strcpy (key + strlen (key) - strlen (".cert"), ".key");
          if (access (key, R_OK) < 0)
            return keel_err (err, 0, "client certificate `%s` has no key `%s`", p, key);
          free (r->client_cert);
          free (r->client_key);
          r->client_cert = keel_steal_ptr (p);
          r->client_key = keel_steal_ptr (key);
        }
    }
  return 0;
}

static int load_certs (struct registry *r, keel_error **err)
{
  static const char *const roots[] = { "/etc/containers/certs.d", "/etc/docker/certs.d" };

  if (r->opts.cert_dir != NULL)
    return load_certs_dir (r, r->opts.cert_dir, err);
  for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
    {
      _cleanup_free_ char *d = NULL;
      if (asprintf (&d, "%s/%s", roots[i], r->domain) < 0)
        return keel_err (err, ENOMEM, "certs");
      if (load_certs_dir (r, d, err) < 0)
        return -1;
    }
  return 0;
}

/* GET /v2/: which scheme works and which challenge the registry sends (distribution-spec
 * "Determining Support"). With --tls-verify=false, a failed HTTPS ping falls back to HTTP. */
static int ping (struct registry *r, keel_error **err)
{
  _cleanup_free_ char *url = NULL;
  struct response resp = { 0 };
  keel_error *e = NULL;
  int rc = -1;

  for (int attempt = 0; attempt < r->opts.retries; attempt++)
    {
      free (url);
      if (asprintf (&url, "%s://%s/v2/", r->scheme, r->host) < 0)
        return keel_err (err, ENOMEM, "ping");
      response_clear (&resp);
      keel_error_free (e);
      e = NULL;
      rc = perform (r, "GET", url, NULL, NULL, &resp, &e);
      if (rc < 0 && !r->opts.tls_verify && strcmp (r->scheme, "https") == 0)
        {
          r->scheme = "http";
          attempt--;
          continue;
        }
      if (rc == 0 && !retryable_status (resp.status))
        break;
      if (attempt + 1 < r->opts.retries)
        sleep_ms (rc == 0 && resp.retry_after > 0 ? resp.retry_after * 1000 : backoff_ms (attempt));
    }
  if (rc < 0)
    {
      keel_error_move (err, &e);
      response_clear (&resp);
      return keel_err_prefix (err, "%s", r->domain);
    }
  keel_error_free (e);
  if (resp.status == 401)
    rc = reauth_from (r, &resp, err);
  else if (retryable_status (resp.status))
    rc = keel_err (err, 0, "%s: GET %s: HTTP %ld after %d attempts", r->domain, url, resp.status, r->opts.retries);
  else if (resp.status != 200)
    rc = keel_err (err, 0, "%s: GET %s: HTTP %ld (not a registry?)", r->domain, url, resp.status);
  response_clear (&resp);
  return rc;
}

int registry_open (const struct reference *ref, const struct registry_options *o, struct registry **out,
                   keel_error **err)
{
  struct registry *r = calloc (1, sizeof *r);
  int found;

  if (r == NULL)
    return keel_err (err, ENOMEM, "registry");
  r->opts = *o;
  if (r->opts.jobs < 1)
    r->opts.jobs = 1;
  if (r->opts.retries < 1)
    r->opts.retries = 1;
  r->scheme = "https";
  r->host = strdup (reference_api_host (ref));
  r->domain = strdup (ref->domain);
  r->path = strdup (ref->path);
  if (r->host == NULL || r->domain == NULL || r->path == NULL)
    {
      registry_free (r);
      return keel_err (err, ENOMEM, "registry");
    }
  if (o->creds != NULL)
    {
      if (auth_creds_parse (o->creds, &r->creds, err) < 0)
        goto fail;
      r->have_creds = true;
    }
  else
    {
      found = auth_lookup (o->authfile, r->domain, r->path, &r->creds, err);
      if (found < 0)
        goto fail;
      r->have_creds = found > 0;
    }
  if (load_certs (r, err) < 0 || ping (r, err) < 0)
    goto fail;
  *out = r;
  return 0;
fail:
  registry_free (r);
  return -1;
}

const char *registry_host (const struct registry *r)
{
  return r->host;
}

void registry_free (struct registry *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->n_tokens; i++)
    {
      free (r->tokens[i].scope);
      free (r->tokens[i].value);
    }
  free (r->tokens);
  auth_creds_clear (&r->creds);
  auth_challenge_clear (&r->challenge);
  free (r->host);
  free (r->domain);
  free (r->path);
  free (r->ca_blob);
  free (r->client_cert);
  free (r->client_key);
  free (r);
}

void registry_freep (struct registry **r)
{
  registry_free (*r);
  *r = NULL;
}

/* ---- parallel blob downloads (curl multi) ---- */

enum job_state
{
  JOB_WAITING,
  JOB_RUNNING,
  JOB_DONE,
};

struct job
{
  const struct image_descriptor *desc;
  enum job_state state;
  int slot; /* progress */
  int attempts;
  bool reauthed;
  double not_before;
  struct store_writer *w;
  CURL *h;
  struct curl_slist *headers;
  bool checked_status;
  long status;
  keel_error *err;      /* a write failure (mismatch, disk): fatal, not retried */
  struct response resp; /* headers, and the body of an error response */
  char errbuf[CURL_ERROR_SIZE];
};

/* Body bytes: verified into the store on 200/206, kept for the message otherwise. */
static size_t blob_write_cb (char *data, size_t size, size_t nmemb, void *userp)
{
  struct job *j = userp;
  size_t n = size * nmemb;

  if (!j->checked_status)
    {
      j->checked_status = true;
      curl_easy_getinfo (j->h, CURLINFO_RESPONSE_CODE, &j->status);
      /* a 200 to our Range request: the server sends everything again */
      if (j->status == 200 && store_writer_offset (j->w) > 0 && store_writer_restart (j->w, &j->err) < 0)
        return 0;
    }
  if (j->status != 200 && j->status != 206)
    return j->resp.len + n < 64 * 1024 ? body_cb (data, size, nmemb, &j->resp) : n;
  if (store_writer_write (j->w, data, n, &j->err) < 0)
    return 0;
  return n;
}

static void job_release (struct job *j, CURLM *multi)
{
  if (j->h)
    {
      curl_multi_remove_handle (multi, j->h);
      curl_easy_cleanup (j->h);
      j->h = NULL;
    }
  curl_slist_free_all (j->headers);
  j->headers = NULL;
  response_clear (&j->resp);
}

/* Start the transfer of J (its writer is open). */
static int job_start (struct registry *r, CURLM *multi, struct job *j, keel_error **err)
{
  _cleanup_free_ char *url = NULL, *auth = NULL, *range = NULL;
  uint64_t offset = store_writer_offset (j->w);

  if (asprintf (&url, "%s://%s/v2/%s/blobs/%s", r->scheme, r->host, r->path, j->desc->digest) < 0)
    return keel_err (err, ENOMEM, "blob");
  if (auth_header (r, false, &auth, err) < 0)
    return -1;
  if (auth)
    j->headers = curl_slist_append (j->headers, auth);
  /* resume what a previous (killed or failed) attempt left */
  if (offset > 0)
    {
      if (asprintf (&range, "Range: bytes=%llu-", (unsigned long long)offset) < 0)
        return keel_err (err, ENOMEM, "blob");
      j->headers = curl_slist_append (j->headers, range);
    }
  j->h = new_handle (r, url, j->headers);
  if (j->h == NULL)
    return keel_err (err, ENOMEM, "curl");
  j->checked_status = false;
  j->status = 0;
  j->errbuf[0] = '\0';
  curl_easy_setopt (j->h, CURLOPT_ERRORBUFFER, j->errbuf);
  curl_easy_setopt (j->h, CURLOPT_WRITEFUNCTION, blob_write_cb);
  curl_easy_setopt (j->h, CURLOPT_WRITEDATA, j);
  curl_easy_setopt (j->h, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (j->h, CURLOPT_HEADERDATA, &j->resp);
  curl_easy_setopt (j->h, CURLOPT_PRIVATE, j);
  if (r->opts.limit_rate > 0)
    curl_easy_setopt (j->h, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)r->opts.limit_rate);
  if (curl_multi_add_handle (multi, j->h) != CURLM_OK)
    return keel_err (err, 0, "curl: cannot add a transfer");
  j->state = JOB_RUNNING;
  return 0;
}

/* Open the store side of J: 1 when it is running now, 0 when it was skipped or must wait. */
static int job_try_begin (struct registry *r, struct store *s, CURLM *multi, struct job *j, struct progress *p,
                          keel_error **err)
{
  int b = store_writer_begin (s, j->desc->digest, j->desc->size, &j->w, err);

  if (b < 0)
    return -1;
  if (b == STORE_BEGIN_PRESENT)
    {
      progress_set_state (p, j->slot, j->attempts == 0 ? PROGRESS_SKIPPED : PROGRESS_DONE);
      j->state = JOB_DONE;
      return 0;
    }
  if (b == STORE_BEGIN_BUSY)
    {
      /* another pull is downloading it: look again soon, do not download it twice */
      j->not_before = now_s () + 0.1;
      return 0;
    }
  progress_set_state (p, j->slot, PROGRESS_RUNNING);
  if (job_start (r, multi, j, err) < 0)
    {
      store_writer_abort (keel_steal_ptr (j->w), true);
      return -1;
    }
  return 1;
}

/* A transfer ended: commit, retry later, or fail. Returns -1 on a fatal error. */
static int job_finish (struct registry *r, CURLM *multi, struct job *j, CURLcode rc, struct progress *p,
                       keel_error **err)
{
  char why[512];
  long wait;

  progress_update (p, j->slot, store_writer_offset (j->w));
  if (j->err != NULL)
    {
      /* digest/size mismatch or a write error: the partial bytes are worthless */
      store_writer_abort (keel_steal_ptr (j->w), false);
      keel_error_move (err, &j->err);
      goto fatal;
    }
  if (rc == CURLE_OK && (j->status == 200 || j->status == 206))
    {
      if (store_writer_commit (keel_steal_ptr (j->w), err) < 0)
        goto fatal;
      progress_set_state (p, j->slot, PROGRESS_DONE);
      j->state = JOB_DONE;
      job_release (j, multi);
      return 0;
    }
  if (rc == CURLE_OK && j->status == 401 && !j->reauthed)
    {
      j->reauthed = true;
      if (reauth_from (r, &j->resp, err) < 0)
        goto fatal_keep;
      _cleanup_free_ char *fresh = NULL;
      if (auth_header (r, true, &fresh, err) < 0)
        goto fatal_keep;
      wait = 0;
    }
  else if (rc == CURLE_OK && j->status == 416)
    {
      /* our Range start is past the end: the partial file is bad */
      store_writer_abort (keel_steal_ptr (j->w), false);
      wait = 0;
      j->attempts++;
    }
  else if (rc != CURLE_OK || retryable_status (j->status))
    {
      if (++j->attempts >= r->opts.retries)
        {
          if (rc != CURLE_OK)
            keel_err (err, 0, "blob %s: %s", j->desc->digest, j->errbuf[0] ? j->errbuf : curl_easy_strerror (rc));
          else
            keel_err (err, 0, "blob %s: HTTP %ld after %d attempts", j->desc->digest, j->status, j->attempts);
          goto fatal_keep;
        }
      wait = (rc == CURLE_OK && j->status == 429 && j->resp.retry_after > 0) ? j->resp.retry_after * 1000
                                                                             : backoff_ms (j->attempts - 1);
    }
  else
    {
      j->resp.status = j->status; /* blob jobs keep the status in the job: the summary reads it from resp */
      keel_err (err, 0, "blob %s: %s", j->desc->digest, error_summary (&j->resp, why, sizeof why));
      goto fatal_keep;
    }
  /* retry: keep the bytes so far for a Range resume */
  if (j->w)
    store_writer_abort (keel_steal_ptr (j->w), true);
  job_release (j, multi);
  j->state = JOB_WAITING;
  j->not_before = now_s () + (double)wait / 1000.0;
  return 0;
fatal_keep:
  store_writer_abort (keel_steal_ptr (j->w), true);
fatal:
  progress_set_state (p, j->slot, PROGRESS_FAILED);
  job_release (j, multi);
  j->state = JOB_DONE;
  return -1;
}

static void drain_messages (struct registry *r, CURLM *multi, struct progress *p, int *running, int *failed,
                            keel_error **err)
{
  CURLMsg *m;
  int left;

  while ((m = curl_multi_info_read (multi, &left)) != NULL)
    {
      struct job *j = NULL;
      if (m->msg != CURLMSG_DONE)
        continue;
      curl_easy_getinfo (m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
      if (j->status == 0)
        curl_easy_getinfo (j->h, CURLINFO_RESPONSE_CODE, &j->status);
      (*running)--;
      if (!*failed && job_finish (r, multi, j, m->data.result, p, err) < 0)
        *failed = 1;
    }
}

static void update_progress (struct job *jobs, size_t n, struct progress *p)
{
  for (size_t i = 0; i < n; i++)
    if (jobs[i].state == JOB_RUNNING && jobs[i].w)
      progress_update (p, jobs[i].slot, store_writer_offset (jobs[i].w));
  progress_draw (p, false);
}

/* Schedule waiting jobs into free slots. */
static int schedule (struct registry *r, struct store *s, CURLM *multi, struct job *jobs, size_t n, int *running,
                     struct progress *p, keel_error **err)
{
  double t = now_s ();
  for (size_t i = 0; i < n && *running < r->opts.jobs; i++)
    {
      int rc;
      if (jobs[i].state != JOB_WAITING || jobs[i].not_before > t)
        continue;
      rc = job_try_begin (r, s, multi, &jobs[i], p, err);
      if (rc < 0)
        return keel_err_prefix (err, "blob %s", jobs[i].desc->digest);
      *running += rc;
    }
  return 0;
}

static bool all_done (const struct job *jobs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (jobs[i].state != JOB_DONE)
      return false;
  return true;
}

int registry_fetch_blobs (struct registry *r, struct store *s, const struct image_descriptor *const *blobs, size_t n,
                          struct progress *p, keel_error **err)
{
  _cleanup_free_ struct job *jobs = calloc (n ? n : 1, sizeof *jobs);
  CURLM *multi = curl_multi_init ();
  int running = 0, failed = 0;

  if (jobs == NULL || multi == NULL)
    {
      curl_multi_cleanup (multi);
      return keel_err (err, ENOMEM, "download");
    }
  for (size_t i = 0; i < n; i++)
    {
      jobs[i].desc = blobs[i];
      jobs[i].slot = progress_add (p, blobs[i]->digest, blobs[i]->size);
    }
  while (!failed && !all_done (jobs, n))
    {
      int still;
      if (schedule (r, s, multi, jobs, n, &running, p, err) < 0)
        {
          failed = 1;
          break;
        }
      curl_multi_perform (multi, &still);
      drain_messages (r, multi, p, &running, &failed, err);
      update_progress (jobs, n, p);
      if (!failed && !all_done (jobs, n))
        curl_multi_poll (multi, NULL, 0, 100, NULL);
    }
  /* cancel the rest, keeping their bytes for a later resume */
  for (size_t i = 0; i < n; i++)
    {
      if (jobs[i].w)
        store_writer_abort (keel_steal_ptr (jobs[i].w), true);
      job_release (&jobs[i], multi);
      keel_error_free (jobs[i].err);
    }
  progress_draw (p, true);
  curl_multi_cleanup (multi);
  return failed ? -1 : 0;
}

int registry_check_login (const char *domain, const struct registry_options *o, keel_error **err)
{
  _cleanup_registry_ struct registry *r = NULL;
  _cleanup_free_ char *url = NULL, *auth = NULL;
  struct curl_slist *headers = NULL;
  struct response resp = { 0 };
  struct reference ref = { .domain = (char *)domain, .path = (char *)"keel/login" };
  int rc;

  if (registry_open (&ref, o, &r, err) < 0)
    return -1;
  if (r->challenge.scheme == AUTH_SCHEME_NONE)
    return 0;
  if (r->challenge.scheme == AUTH_SCHEME_BEARER)
    return fetch_token (r, "", err);
  /* Basic: the credentials must open /v2/ */
  auth = basic_header (&r->creds);
  if (auth == NULL || asprintf (&url, "%s://%s/v2/", r->scheme, r->host) < 0)
    return keel_err (err, ENOMEM, "login");
  headers = curl_slist_append (headers, auth);
  rc = perform (r, "GET", url, headers, NULL, &resp, err);
  explicit_bzero (auth, strlen (auth));
  curl_slist_free_all (headers);
  if (rc == 0 && resp.status != 200)
    rc = keel_err (err, 0, "%s: invalid username or password (HTTP %ld)", domain, resp.status);
  response_clear (&resp);
  return rc;
}
