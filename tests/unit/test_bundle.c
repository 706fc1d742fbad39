/* Unit tests for imagetool/bundle.c: Config.User resolution against passwd/group text and the conversion rules. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cleanup.h"
#include "tap.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "# a comment\n"
                             "\n"
                             "malformed\n"
                             "daemon:x:1:notanumber::/:/bin/false\n"
                             "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
                             "bob:x:1001:100::/home/bob:/bin/sh";
static const char group[] = "root:x:0:\n"
                            "users:x:100:\n"
                            "wheel:x:10:alice,bob\n"
                            "audio:x:29:bob,alice\n"
                            "alicelike:x:30:alice2,xalice\n"
                            "wheel2:x:10:alice\n"
                            "staff:x:50:";

static char *user_str (const char *spec, const char *pw, const char *gr)
{
  struct bundle_user u;
  keel_error *err = NULL;
  char *s = NULL;

  if (bundle_user_resolve (spec, pw, gr, &u, &err) < 0)
    {
      s = strdup (err->msg);
      keel_error_free (err);
      return s;
    }
  if (asprintf (&s, "%u:%u", u.uid, u.gid) < 0)
    abort ();
  for (size_t i = 0; i < u.additional_gids_len; i++)
    {
      char *t = NULL;
      if (asprintf (&t, "%s%s%u", s, i ? "," : " +", u.additional_gids[i]) < 0)
        abort ();
      free (s);
      s = t;
    }
  if (u.home != NULL)
    {
      char *t = NULL;
      if (asprintf (&t, "%s home=%s", s, u.home) < 0)
        abort ();
      free (s);
      s = t;
    }
  bundle_user_clear (&u);
  return s;
}

#define USER_IS(spec, pw, gr, want)                                                                                    \
  do                                                                                                                   \
    {                                                                                                                  \
      _cleanup_free_ char *_s = user_str (spec, pw, gr);                                                               \
      tap_is (_s, want, "user \"%s\"", spec ? spec : "(null)");                                                        \
    }                                                                                                                  \
  while (0)

static void test_users (void)
{
  USER_IS (NULL, passwd, group, "0:0 home=/root");
  USER_IS ("", NULL, NULL, "0:0");
  USER_IS ("alice", passwd, group, "1000:1000 +10,29 home=/home/alice");
  /* membership is by whole name, duplicates of a gid collapse */
  USER_IS ("bob", passwd, group, "1001:100 +10,29 home=/home/bob");
  USER_IS ("1000", passwd, group, "1000:1000 home=/home/alice");
  USER_IS ("4242", passwd, group, "4242:0");
  USER_IS ("4242", NULL, NULL, "4242:0");
  USER_IS ("alice:staff", passwd, group, "1000:50 home=/home/alice");
  USER_IS ("alice:77", passwd, group, "1000:77 home=/home/alice");
  USER_IS ("7:8", NULL, NULL, "7:8");
  USER_IS (":8", NULL, NULL, "0:8");
  USER_IS ("alice", passwd, NULL, "1000:1000 home=/home/alice");
  USER_IS ("nobody", passwd, group, "user \"nobody\" not found in /etc/passwd");
  USER_IS ("daemon", passwd, group, "user \"daemon\" not found in /etc/passwd");
  USER_IS ("alice", NULL, group, "user \"alice\": the rootfs has no /etc/passwd");
  USER_IS ("alice:nogroup", passwd, group, "group \"nogroup\" not found in /etc/group");
  USER_IS ("1:wheel", passwd, NULL, "group \"wheel\" not found in /etc/group");
  USER_IS ("99999999999", passwd, group, "user \"99999999999\" not found in /etc/passwd");
}

static struct image_config *image (const char *json)
{
  struct image_config *c = NULL;
  keel_error *err = NULL;
  if (image_config_parse ("test", json, strlen (json), &c, &err) < 0)
    {
      printf ("# %s\n", err->msg);
      abort ();
    }
  return c;
}

static char *join (char *const *v)
{
  size_t n = 1;
  for (size_t i = 0; v && v[i]; i++)
    n += strlen (v[i]) + 1;
  char *s = calloc (1, n);
  for (size_t i = 0; v && v[i]; i++)
    {
      if (i)
        strcat (s, " ");
      strcat (s, v[i]);
    }
  return s;
}

static void test_conversion (void)
{
  _cleanup_image_config_ struct image_config *img
      = image ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"a\"],"
               "\"Env\":[\"A=1\"],\"User\":\"5:6\",\"Labels\":{\"org.opencontainers.image.os\":\"label\"}},"
               "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
  struct bundle_options o = { 0 };
  _cleanup_runtime_config_ struct runtime_config *c = NULL;
  keel_error *err = NULL;
  char *env[] = { "A=2", "B=3", NULL };

  tap_ok (bundle_make_config (img, -1, &o, &c, &err) == 0, "numeric user needs no rootfs");
  if (c == NULL)
    return;
  {
    _cleanup_free_ char *a = join (c->process->args), *e = join (c->process->env);
    tap_is (a, "/ep a", "Entrypoint + Cmd");
    tap_ok (c->process->args_len == 2, "args_len");
    tap_is (e, "A=1 " BUNDLE_DEFAULT_PATH " HOME=/", "env with default PATH and HOME");
  }
  tap_is (c->process->cwd, "/", "cwd defaults to /");
  tap_ok (c->process->user.uid == 5 && c->process->user.gid == 6, "uid:gid verbatim");
  tap_is (image_map_get (c->annotations, "org.opencontainers.image.os"), "label", "Labels take precedence");
  tap_is (image_map_get (c->annotations, "org.opencontainers.image.architecture"), "amd64", "architecture");
  tap_ok (image_map_get (c->annotations, "org.opencontainers.image.author") == NULL, "absent fields not annotated");
  tap_ok (!c->process->terminal && !c->root->readonly, "no terminal, writable root by default");
  runtime_config_free (c);
  c = NULL;

  o.env = env;
  o.tty = true;
  o.read_only = true;
  o.hostname = "h";
  tap_ok (bundle_make_config (img, -1, &o, &c, &err) == 0, "with options");
  if (c == NULL)
    return;
  {
    _cleanup_free_ char *e = join (c->process->env);
    tap_is (e, "A=2 " BUNDLE_DEFAULT_PATH " TERM=xterm HOME=/ B=3", "-e replaces and appends, TERM for a tty");
  }
  tap_ok (c->process->terminal && c->root->readonly, "--tty --read-only");
  tap_is (c->hostname, "h", "--hostname");
  runtime_config_free (c);
  c = NULL;

  {
    _cleanup_image_config_ struct image_config *named
        = image ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"x\"],\"User\":\"alice\"},"
                 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
    struct bundle_options none = { 0 };
    tap_ok (bundle_make_config (named, -1, &none, &c, &err) < 0, "a user name without a rootfs fails");
    tap_like (err ? err->msg : NULL, "Config.User: user \"alice\": the rootfs has no /etc/passwd", "error names it");
    keel_error_free (err);
    err = NULL;
  }
  {
    struct bundle_options v = { 0 };
    tap_ok (bundle_volumes_parse ("bind:/x", &v, &err) == 0 && v.volumes == BUNDLE_VOLUMES_BIND
                && strcmp (v.volumes_dir, "/x") == 0,
            "--volumes bind:/x");
    tap_ok (bundle_volumes_parse ("bind:rel", &v, &err) < 0, "--volumes bind needs an absolute dir");
    keel_error_free (err);
    err = NULL;
  }
}

int main (void)
{
  test_users ();
  test_conversion ();
  return tap_done ();
}
