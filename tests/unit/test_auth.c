/* Unit tests for imagetool/auth.c: WWW-Authenticate challenges, credential files, base64. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "cleanup.h"
#include "fsutil.h"
#include "tap.h"

static void test_challenges (void)
{
  struct auth_challenge c;
  keel_error *err = NULL;

  tap_ok (auth_parse_challenge ("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                                "scope=\"repository:library/alpine:pull\"",
                                &c, &err)
              == 0,
          "parse a Docker Hub challenge");
  tap_ok (c.scheme == AUTH_SCHEME_BEARER, "bearer scheme");
  tap_is (c.realm, "https://auth.docker.io/token", "realm");
  tap_is (c.service, "registry.docker.io", "service");
  tap_is (c.scope, "repository:library/alpine:pull", "scope");
  auth_challenge_clear (&c);

  tap_ok (
      auth_parse_challenge (
          "bearer  realm=\"https://x/t\" , scope=\"repository:a/b:pull,push\", error=\"insufficient_scope\"", &c, &err)
              == 0
          && c.scheme == AUTH_SCHEME_BEARER,
      "case-insensitive scheme, spaces, extra params");
  tap_is (c.scope, "repository:a/b:pull,push", "a comma inside a quoted value");
  tap_ok (c.service == NULL, "no service");
  auth_challenge_clear (&c);

  tap_ok (auth_parse_challenge ("Basic realm=\"Registry Realm\"", &c, &err) == 0 && c.scheme == AUTH_SCHEME_BASIC,
          "basic");
  tap_is (c.realm, "Registry Realm", "basic realm");
  auth_challenge_clear (&c);

  tap_ok (auth_parse_challenge ("Bearer realm=tok\\en,service=svc", &c, &err) == 0, "token values");
  tap_is (c.service, "svc", "unquoted value");
  auth_challenge_clear (&c);

  tap_ok (auth_parse_challenge ("Bearer realm=\"a\\\"b\"", &c, &err) == 0, "escaped quote");
  tap_is (c.realm, "a\"b", "escape removed");
  auth_challenge_clear (&c);

  tap_ok (auth_parse_challenge ("Negotiate abc", &c, &err) < 0, "unknown scheme refused");
  tap_like (err->msg, "unsupported scheme \"Negotiate\"", "error names the scheme");
  keel_error_freep (&err);
  tap_ok (auth_parse_challenge ("Bearer service=\"x\"", &c, &err) < 0, "bearer without realm refused");
  tap_like (err->msg, "without realm", "error says why");
  keel_error_freep (&err);
  tap_ok (auth_parse_challenge ("Bearer realm=\"unterminated", &c, &err) < 0, "unterminated quote refused");
  keel_error_freep (&err);
  tap_ok (auth_parse_challenge ("Bearer realm", &c, &err) < 0, "missing = refused");
  keel_error_freep (&err);
}

static void test_base64 (void)
{
  _cleanup_free_ char *e = auth_base64_encode ("user:pa55", 9), *d = NULL;
  keel_error *err = NULL;
  size_t len = 0;

  tap_is (e, "dXNlcjpwYTU1", "encode");
  tap_ok (auth_base64_decode ("dXNlcjpwYTU1", &d, &len, &err) == 0 && len == 9, "decode length");
  tap_is (d, "user:pa55", "decode");
  free (d);
  d = NULL;
  tap_ok (auth_base64_decode ("YQ==", &d, &len, &err) == 0 && len == 1 && strcmp (d, "a") == 0, "padding");
  tap_ok (auth_base64_decode ("abc", &d, &len, &err) < 0, "bad length refused");
  keel_error_freep (&err);
  tap_ok (auth_base64_decode ("ab!?", &d, &len, &err) < 0, "bad characters refused");
  keel_error_freep (&err);
}

static void write_text (const char *path, const char *text)
{
  keel_error *err = NULL;
  if (write_file_atomic (path, text, strlen (text), 0600, 0, &err) < 0)
    keel_error_freep (&err);
}

static void test_files (void)
{
  char dir[] = "/tmp/keel-auth-XXXXXX";
  _cleanup_free_ char *authfile = NULL, *docker = NULL, *home = NULL, *text = NULL;
  struct auth_creds c = { 0 };
  keel_error *err = NULL;

  if (mkdtemp (dir) == NULL)
    {
      tap_ok (0, "mkdtemp");
      return;
    }
  asprintf (&authfile, "%s/auth.json", dir);
  asprintf (&home, "%s/home", dir);
  asprintf (&docker, "%s/home/.docker", dir);
  mkdir_p (docker, 0700, &err);
  free (docker);
  asprintf (&docker, "%s/home/.docker/config.json", dir);
  setenv ("HOME", home, 1);
  setenv ("XDG_RUNTIME_DIR", dir, 1); /* its containers/auth.json does not exist */
  unsetenv ("REGISTRY_AUTH_FILE");
  unsetenv ("DOCKER_CONFIG");

  tap_ok (auth_lookup (NULL, "docker.io", "library/alpine", &c, &err) == 0, "nothing configured");
  /* user:secret, and an identity token for quay.io */
  write_text (docker, "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"dXNlcjpzZWNyZXQ=\"},"
                      "\"quay.io\":{\"auth\":\"\",\"identitytoken\":\"refresh-me\"},"
                      "\"ghcr.io/team\":{\"auth\":\"dGVhbTp0\"},\"ghcr.io\":{\"auth\":\"YW55Om8=\"}}}");
  tap_ok (auth_lookup (NULL, "docker.io", "library/alpine", &c, &err) == 1, "docker config.json, URL key");
  tap_is (c.username, "user", "username from base64 auth");
  tap_is (c.password, "secret", "password from base64 auth");
  auth_creds_clear (&c);
  tap_ok (auth_lookup (NULL, "quay.io", "x/y", &c, &err) == 1, "identitytoken entry");
  tap_is (c.identity_token, "refresh-me", "identity token");
  tap_ok (c.username == NULL, "no username with an empty auth");
  auth_creds_clear (&c);
  tap_ok (auth_lookup (NULL, "ghcr.io", "team/app", &c, &err) == 1, "repository-scoped key");
  tap_is (c.username, "team", "the longest matching key wins");
  auth_creds_clear (&c);
  tap_ok (auth_lookup (NULL, "ghcr.io", "teammate/app", &c, &err) == 1, "prefix matches whole components only");
  tap_is (c.username, "any", "falls back to the domain key");
  auth_creds_clear (&c);

  /* login into --authfile, then lookups use it first */
  tap_ok (auth_store (authfile, "docker.io", "me", "pw:with:colons", &err) == 0, "store");
  tap_ok (auth_lookup (authfile, "docker.io", NULL, &c, &err) == 1, "read back");
  tap_is (c.password, "pw:with:colons", "password with colons");
  auth_creds_clear (&c);
  tap_ok (auth_store (authfile, "127.0.0.1:5000", "u2", "p2", &err) == 0, "a second registry");
  tap_ok (read_file (authfile, &text, NULL, &err) == 0 && strstr (text, "\"docker.io\"")
              && strstr (text, "127.0.0.1:5000"),
          "both entries kept");
  tap_ok (access (authfile, F_OK) == 0 && (free (text), text = NULL, 1), "file exists");
  tap_ok (auth_remove (authfile, "docker.io", false, &err) == 1, "logout");
  tap_ok (auth_lookup (authfile, "docker.io", NULL, &c, &err) == 0, "gone after logout");
  tap_ok (auth_remove (authfile, "docker.io", false, &err) == 0, "second logout: not logged in");
  tap_ok (auth_lookup (authfile, "127.0.0.1:5000", NULL, &c, &err) == 1, "other entry kept");
  auth_creds_clear (&c);
  tap_ok (auth_remove (authfile, NULL, true, &err) == 1, "logout --all");

  write_text (authfile, "{\"auths\":{\"docker.io\":{\"auth\":\"bm9jb2xvbg==\"}}}");
  tap_ok (auth_lookup (authfile, "docker.io", NULL, &c, &err) < 0, "auth without a colon refused");
  tap_like (err ? err->msg : NULL, "USERNAME:PASSWORD", "error explains");
  keel_error_freep (&err);
  write_text (authfile, "{\"auths\":{\"docker.io\":{\"auth\":\"!!!!\"}}}");
  tap_ok (auth_lookup (authfile, "docker.io", NULL, &c, &err) < 0, "bad base64 refused");
  tap_like (err ? err->msg : NULL, "auth.json", "error names the file");
  keel_error_freep (&err);

  tap_ok (auth_creds_parse ("a:b:c", &c, &err) == 0, "--creds");
  tap_is (c.username, "a", "--creds user");
  tap_is (c.password, "b:c", "--creds password keeps colons");
  auth_creds_clear (&c);
  tap_ok (auth_creds_parse ("nopass", &c, &err) < 0, "--creds without colon refused");
  tap_ok (strstr (err->msg, "nopass") == NULL, "the error does not echo the argument");
  keel_error_freep (&err);

  {
    _cleanup_free_ char *cmd = NULL;
    asprintf (&cmd, "rm -rf %s", dir);
    tap_ok (system (cmd) == 0, "cleanup");
  }
}

int main (void)
{
  test_challenges ();
  test_base64 ();
  test_files ();
  return tap_done ();
}
