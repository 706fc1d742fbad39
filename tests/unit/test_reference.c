/* Unit tests for imagetool/reference.c: the distribution reference grammar and docker.io normalisation. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "reference.h"
#include "tap.h"

#define D64 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

/* Parse IN and compare the normalised string and the API host. */
static void ok_ref (const char *in, const char *want, const char *want_host)
{
  struct reference r;
  keel_error *err = NULL;
  _cleanup_free_ char *s = NULL;

  if (reference_parse (in, &r, &err) < 0)
    {
      tap_ok (0, "parse %s (%s)", in, err->msg);
      keel_error_free (err);
      return;
    }
  s = reference_string (&r);
  tap_is (s, want, "%s normalises", in);
  if (want_host)
    tap_is (reference_api_host (&r), want_host, "%s API host", in);
  reference_clear (&r);
}

/* Parse IN, expect failure with a message containing PART. */
static void bad_ref (const char *in, const char *part)
{
  struct reference r;
  keel_error *err = NULL;

  if (reference_parse (in, &r, &err) == 0)
    {
      tap_ok (0, "\"%s\" refused", in);
      reference_clear (&r);
      return;
    }
  tap_like (err->msg, part, "\"%s\" refused naming %s", in, part);
  keel_error_free (err);
}

static void test_normalisation (void)
{
  ok_ref ("alpine", "docker.io/library/alpine:latest", "registry-1.docker.io");
  ok_ref ("alpine:3.19", "docker.io/library/alpine:3.19", NULL);
  ok_ref ("library/alpine", "docker.io/library/alpine:latest", NULL);
  ok_ref ("docker.io/alpine", "docker.io/library/alpine:latest", NULL);
  ok_ref ("index.docker.io/library/alpine", "docker.io/library/alpine:latest", "registry-1.docker.io");
  ok_ref ("bitnami/redis:7", "docker.io/bitnami/redis:7", NULL);
  ok_ref ("quay.io/podman/stable", "quay.io/podman/stable:latest", "quay.io");
  ok_ref ("ghcr.io/a/b/c:v1.2-rc_3", "ghcr.io/a/b/c:v1.2-rc_3", NULL);
  ok_ref ("localhost/foo", "localhost/foo:latest", "localhost");
  ok_ref ("localhost:5000/foo:t", "localhost:5000/foo:t", "localhost:5000");
  ok_ref ("127.0.0.1:5000/ns/name:tag", "127.0.0.1:5000/ns/name:tag", "127.0.0.1:5000");
  ok_ref ("[::1]:5000/name", "[::1]:5000/name:latest", NULL);
  ok_ref ("Example.COM/name", "Example.COM/name:latest", NULL);
  ok_ref ("a/b__c.d-e---f", "docker.io/a/b__c.d-e---f:latest", NULL);
  ok_ref ("alpine@" D64, "docker.io/library/alpine@" D64, NULL);
  /* name:tag@digest: the digest wins */
  ok_ref ("alpine:3.19@" D64, "docker.io/library/alpine@" D64, NULL);
  ok_ref ("host:5000/x:tag@" D64, "host:5000/x@" D64, NULL);
}

static void test_parts (void)
{
  struct reference r, c;
  keel_error *err = NULL;
  _cleanup_free_ char *name = NULL;

  tap_ok (reference_parse ("registry.example:443/team/app:v2@" D64, &r, &err) == 0, "parse full reference");
  tap_is (r.domain, "registry.example:443", "domain");
  tap_ok (r.qualified && !r.library, "qualified");
  tap_is (r.path, "team/app", "path");
  tap_is (r.tag, "v2", "tag kept");
  tap_is (r.digest, D64, "digest");
  tap_is (reference_object (&r), D64, "the digest is what is fetched");
  name = reference_name (&r);
  tap_is (name, "registry.example:443/team/app", "name without tag or digest");
  tap_ok (reference_copy (&c, &r, &err) == 0 && strcmp (c.path, r.path) == 0 && c.path != r.path, "deep copy");
  reference_clear (&c);
  reference_clear (&r);
  tap_ok (reference_parse ("alpine", &r, &err) == 0 && r.digest == NULL, "no digest");
  tap_ok (!r.qualified && r.library, "alpine: unqualified, library/ added");
  tap_is (reference_object (&r), "latest", "the tag is fetched");
  reference_clear (&r);
}

static void test_qualified (void)
{
  struct reference r;
  keel_error *err = NULL;

  tap_ok (reference_parse ("docker.io/alpine", &r, &err) == 0 && r.qualified && r.library, "docker.io/alpine");
  reference_clear (&r);
  tap_ok (reference_parse ("bitnami/redis", &r, &err) == 0 && !r.qualified && !r.library, "bitnami/redis");
  reference_clear (&r);
}

static void test_domains (void)
{
  static const char *const in[]
      = { "docker.io", "index.docker.io",  "registry-1.docker.io", "https://index.docker.io/v1/",
          "quay.io",   "https://quay.io/", "127.0.0.1:5000" };
  static const char *const want[]
      = { "docker.io", "docker.io", "docker.io", "docker.io", "quay.io", "quay.io", "127.0.0.1:5000" };
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
    {
      _cleanup_free_ char *d = reference_normalize_domain (in[i]);
      tap_is (d, want[i], "login domain %s", in[i]);
    }
}

static void test_errors (void)
{
  char long_name[300];

  bad_ref ("", "empty reference");
  bad_ref ("Alpine", "must be lowercase");
  bad_ref ("docker.io/Library/alpine", "repository name \"Library/alpine\" must be lowercase");
  bad_ref ("quay.io/Foo/bar", "repository name \"Foo/bar\" must be lowercase");
  bad_ref ("alpine:", "invalid tag \"\"");
  bad_ref ("alpine:-x", "invalid tag \"-x\"");
  bad_ref ("alpine:a+b", "invalid tag \"a+b\"");
  bad_ref ("alpine@sha256:abc", "invalid digest");
  bad_ref ("alpine@md5:0123456789abcdef0123456789abcdef", "md5");
  bad_ref ("alpine@", "invalid reference \"alpine@\"");
  bad_ref ("a//b", "invalid repository path component \"\"");
  bad_ref ("a/b_", "invalid repository path component \"b_\"");
  bad_ref ("a/.b", "invalid repository path component \".b\"");
  bad_ref ("a/b___c", "invalid repository path component \"b___c\"");
  bad_ref ("-host.com/x", "invalid registry domain \"-host.com\"");
  bad_ref ("host.com:/x", "invalid registry domain \"host.com:\"");
  bad_ref ("host.com:50a/x", "invalid registry domain \"host.com:50a\"");
  bad_ref (":tag", "empty repository name");
  bad_ref ("al pine", "whitespace");
  bad_ref ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "image ID");
  memset (long_name, 'a', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  bad_ref (long_name, "longer than 255");
  /* a tag of 129 characters */
  memcpy (long_name, "a:", 2);
  long_name[131] = '\0';
  bad_ref (long_name, "invalid tag");
}

int main (void)
{
  test_normalisation ();
  test_parts ();
  test_qualified ();
  test_domains ();
  test_errors ();
  return tap_done ();
}
