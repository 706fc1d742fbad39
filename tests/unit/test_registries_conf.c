/* Unit tests for imagetool/registries_conf.c: the registries.conf v2 subset. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"
#include "registries_conf.h"
#include "tap.h"

static const char conf_text[] = "# a comment with \"quotes\" and 'more'\n"
                                "short-name-mode = \"enforcing\"\n"
                                "unqualified-search-registries = [\"registry.example\",\n"
                                "   'docker.io' ]   \n"
                                "\n"
                                "[aliases]\n"
                                "  \"podman\" = \"quay.io/podman/stable\"\n"
                                "[[registry]]\n"
                                "location = \"127.0.0.1:5000\" # where \"it\" is\n"
                                "insecure = true\n"
                                "[[registry.mirror]]\n"
                                "location = \"mirror.example/cache\"\n"
                                "[[registry.mirror]]\n"
                                "location = \"127.0.0.1:6000\"\n"
                                "insecure = true\n"
                                "[[registry]]\n"
                                "prefix = \"evil.example\"\n"
                                "blocked = true\n"
                                "[[registry]]\n"
                                "prefix = \"docker.io/library\"\n"
                                "location = \"local.example/dockerhub\"\n";

static void put (const char *dir, const char *name, const char *text)
{
  _cleanup_free_ char *p = NULL;
  if (asprintf (&p, "%s/%s", dir, name) < 0 || write_file_atomic (p, text, strlen (text), 0644, 0, NULL) < 0)
    abort ();
}

/* registries.conf.d drop-ins: lexical order, search list replaced, [[registry]] merged by prefix */
static void dropins (struct registries_conf **c, keel_error **err)
{
  char tmpl[] = "/tmp/keel-regconf.XXXXXX";
  _cleanup_free_ char *main_conf = NULL, *dir = NULL, *home = NULL, *home_dir = NULL, *cmd = NULL;
  const struct registries_entry *e;

  if (mkdtemp (tmpl) == NULL || asprintf (&main_conf, "%s/r.conf", tmpl) < 0 || asprintf (&dir, "%s/r.conf.d", tmpl) < 0
      || asprintf (&home, "%s/home", tmpl) < 0
      || asprintf (&home_dir, "%s/.config/containers/registries.conf.d", home) < 0)
    abort ();
  put (tmpl, "r.conf",
       "unqualified-search-registries = [\"main.example\"]\n"
       "[[registry]]\nlocation = \"a.example\"\n[[registry]]\nlocation = \"b.example\"\n");
  if (mkdir_p (dir, 0755, NULL) < 0 || mkdir_p (home_dir, 0755, NULL) < 0)
    abort ();
  /* 20 after 10 (lexical order): its search list wins, it replaces a.example's entry */
  put (dir, "20-late.conf",
       "unqualified-search-registries = [\"late.example\"]\n"
       "[[registry]]\nlocation = \"a.example\"\ninsecure = true\n");
  put (dir, "10-early.conf",
       "unqualified-search-registries = [\"early.example\"]\n"
       "[[registry]]\nprefix = \"c.example\"\nlocation = \"mirror.example/c\"\n");
  put (dir, "99-ignored.txt", "this is not TOML [\n");
  setenv ("HOME", home, 1);
  put (home_dir, "00.conf", "[[registry]]\nlocation = \"b.example\"\nblocked = true\n");
  tap_ok (registries_conf_load (main_conf, c, err) == 0, "load with drop-ins (%s)", *err ? (*err)->msg : "ok");
  if (*c == NULL)
    return;
  tap_is ((*c)->search ? (*c)->search[0] : NULL, "late.example", "the last drop-in's search list wins");
  tap_ok ((*c)->search && (*c)->search[1] == NULL, "search list replaced, not appended");
  tap_ok ((*c)->n_entries == 3, "same prefix replaced, new prefix added (%zu entries)", (*c)->n_entries);
  e = registries_conf_find (*c, "a.example/x");
  tap_ok (e != NULL && e->insecure, "a.example replaced by the drop-in");
  e = registries_conf_find (*c, "c.example/x");
  tap_is (e ? e->location : NULL, "mirror.example/c", "c.example added by the drop-in");
  e = registries_conf_find (*c, "b.example/x");
  tap_ok (e != NULL && !e->blocked, "an explicit file ignores the user's drop-ins");
  registries_conf_free (*c);
  *c = NULL;
  /* a broken drop-in is an error naming it */
  put (dir, "30-bad.conf", "[[registry]]\ninsecure = maybe\n");
  tap_ok (registries_conf_load (main_conf, c, err) < 0, "a bad drop-in is refused");
  tap_like (*err ? (*err)->msg : NULL, "r.conf.d/30-bad.conf: line 2", "error names the drop-in and line");
  keel_error_free (*err);
  *err = NULL;
  /* the user's registries.conf: only the user's drop-ins apply */
  put (home_dir, "../registries.conf", "[[registry]]\nlocation = \"b.example\"\n");
  unsetenv ("CONTAINERS_REGISTRIES_CONF");
  tap_ok (registries_conf_load (NULL, c, err) == 0, "user file (%s)", *err ? (*err)->msg : "ok");
  e = *c ? registries_conf_find (*c, "b.example/x") : NULL;
  tap_ok (e != NULL && e->blocked, "the user's drop-in applies to the user's file");
  registries_conf_free (*c);
  *c = NULL;
  if (asprintf (&cmd, "rm -rf '%s'", tmpl) < 0 || system (cmd) != 0)
    abort ();
}

int main (void)
{
  struct registries_conf *c = NULL;
  const struct registries_entry *e;
  keel_error *err = NULL;

  tap_ok (registries_conf_parse ("t.conf", conf_text, &c, &err) == 0, "parse (%s)", err ? err->msg : "ok");
  if (c == NULL)
    return tap_done ();
  tap_is (c->search[0], "registry.example", "search[0] (multi-line array)");
  tap_is (c->search[1], "docker.io", "search[1] (literal string)");
  tap_ok (c->search[2] == NULL, "two search registries");
  tap_ok (c->n_entries == 3, "three registries");
  e = registries_conf_find (c, "127.0.0.1:5000/busybox");
  tap_ok (e != NULL && e->insecure && !e->blocked, "insecure entry found by location");
  tap_ok (e != NULL && e->n_mirrors == 2, "two mirrors");
  tap_is (e ? e->mirrors[0].location : NULL, "mirror.example/cache", "mirror order kept");
  tap_ok (e != NULL && !e->mirrors[0].insecure && e->mirrors[1].insecure, "per-mirror insecure");
  tap_is (e ? e->prefix : NULL, "127.0.0.1:5000", "prefix defaults to location");
  tap_ok (registries_conf_find (c, "127.0.0.1:50000/busybox") == NULL, "prefix matches whole components");
  e = registries_conf_find (c, "evil.example/x/y");
  tap_ok (e != NULL && e->blocked, "blocked entry");
  e = registries_conf_find (c, "docker.io/library/alpine");
  tap_is (e ? e->location : NULL, "local.example/dockerhub", "prefix with a path, longest match");
  tap_ok (registries_conf_find (c, "docker.io/bitnami/redis") == NULL, "other docker.io namespaces unmatched");
  registries_conf_free (c);

  tap_ok (registries_conf_parse ("t.conf", "[[registry]]\ninsecure = maybe\n", &c, &err) < 0, "bad bool refused");
  tap_like (err ? err->msg : NULL, "t.conf: line 2: expected true or false", "error names file and line");
  keel_error_freep (&err);
  tap_ok (registries_conf_parse ("t.conf", "[[registry]]\ninsecure = true\n", &c, &err) < 0,
          "registry without location");
  tap_like (err ? err->msg : NULL, "needs a location or a prefix", "error says why");
  keel_error_freep (&err);
  tap_ok (registries_conf_parse ("t.conf", "[[registry.mirror]]\nlocation = \"x\"\n", &c, &err) < 0,
          "mirror before registry");
  keel_error_freep (&err);
  tap_ok (registries_conf_parse ("t.conf", "unqualified-search-registries = [\"a\",\n", &c, &err) < 0,
          "unterminated array");
  keel_error_freep (&err);
  tap_ok (registries_conf_parse ("t.conf", "location = \"unterminated\n", &c, &err) == 0,
          "top-level unknown key ignored");
  registries_conf_free (c);
  tap_ok (registries_conf_parse ("t.conf", "", &c, &err) == 0 && c->search == NULL && c->n_entries == 0, "empty");
  registries_conf_free (c);
  tap_ok (registries_conf_parse ("t.conf", "[[registry]]\nlocation = \"a#b\"\n", &c, &err) == 0
              && strcmp (c->entries[0].location, "a#b") == 0,
          "# inside a string is not a comment");
  registries_conf_free (c);
  c = NULL;
  /* the distribution's own file (all comments and examples) must load */
  tap_ok (registries_conf_load ("/etc/containers/registries.conf", &c, &err) == 0, "the system registries.conf (%s)",
          err ? err->msg : "ok");
  registries_conf_free (c);
  c = NULL;
  dropins (&c, &err);
  return tap_done ();
}
