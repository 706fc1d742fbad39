/* Unit tests for imagetool/registries_conf.c: the registries.conf v2 subset. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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
  return tap_done ();
}
