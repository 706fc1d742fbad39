/* runtime-spec state.json and the features document. */
#include "config.h"
#include "runtime_state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"

int runtime_state_emit (const runtime_state *s, int flags, char **out, size_t *len, keel_error **err)
{
  _cleanup_json_gen_ yajl_gen g = json_gen_new ((flags & RUNTIME_STATE_PRETTY) != 0);
  bool internal = (flags & RUNTIME_STATE_INTERNAL) != 0;

  if (g == NULL)
    return keel_err (err, ENOMEM, "state.json");
  yajl_gen_map_open (g);
  json_gen_kv_str (g, "ociVersion", s->oci_version != NULL ? s->oci_version : KEEL_OCI_VERSION);
  json_gen_kv_str (g, "id", s->id);
  json_gen_kv_str (g, "status", s->status);
  /* runtime.md: pid is REQUIRED when status is created or running. */
  if (s->pid > 0)
    json_gen_kv_int (g, "pid", s->pid);
  json_gen_kv_str (g, "bundle", s->bundle);
  if (s->annotations != NULL && s->annotations[0] != NULL)
    {
      json_gen_key (g, "annotations");
      yajl_gen_map_open (g);
      for (char **a = s->annotations; a[0] != NULL && a[1] != NULL; a += 2)
        json_gen_kv_str (g, a[0], a[1]);
      yajl_gen_map_close (g);
    }
  json_gen_kv_str (g, "rootfs", s->rootfs);
  json_gen_kv_str (g, "created", s->created);
  json_gen_kv_str (g, "owner", s->owner != NULL ? s->owner : "");
  if (internal)
    {
      json_gen_kv_uint (g, "keel.starttime", s->starttime);
      json_gen_key (g, "keel.cgroupPaths");
      json_gen_strv (g, s->cgroup_paths);
      json_gen_kv_bool (g, "keel.systemd", s->systemd);
    }
  yajl_gen_map_close (g);
  return json_gen_take (g, out, len, err);
}

static int parse_state (const json_ctx *c, yajl_val root, runtime_state *s)
{
  int64_t pid = 0;
  uint64_t start = 0;

  if (json_expect_object (c, root, "") < 0)
    return -1;
  if (json_get_string (c, root, "", "ociVersion", &s->oci_version) < 0
      || json_get_string (c, root, "", "id", &s->id) < 0 || json_get_string (c, root, "", "status", &s->status) < 0
      || json_get_int64 (c, root, "", "pid", &pid) < 0 || json_get_string (c, root, "", "bundle", &s->bundle) < 0
      || json_get_string_map (c, root, "", "annotations", &s->annotations) < 0
      || json_get_string (c, root, "", "rootfs", &s->rootfs) < 0
      || json_get_string (c, root, "", "created", &s->created) < 0
      || json_get_string (c, root, "", "owner", &s->owner) < 0
      || json_get_uint64 (c, root, "", "keel.starttime", &start) < 0
      || json_get_strv (c, root, "", "keel.cgroupPaths", &s->cgroup_paths, NULL) < 0
      || json_get_bool (c, root, "", "keel.systemd", &s->systemd) < 0)
    return -1;
  if (s->id == NULL || s->status == NULL || s->bundle == NULL)
    return json_error (c, "", "missing one of the required keys id, status, bundle");
  if (pid < 0 || pid > (1 << 30))
    return json_error_at (c, "", "pid", "out of range");
  s->pid = (int)pid;
  s->starttime = start;
  return 0;
}

int runtime_state_parse (const char *name, const char *buf, size_t len, runtime_state **out, keel_error **err)
{
  _cleanup_json_ yajl_val root = NULL;
  json_ctx c = { name, err };
  runtime_state *s;

  if (json_parse (name, buf, len, &root, err) < 0)
    return -1;
  s = calloc (1, sizeof (*s));
  if (s == NULL)
    return keel_err (err, ENOMEM, "%s", name);
  if (parse_state (&c, root, s) < 0)
    {
      runtime_state_free (s);
      return -1;
    }
  *out = s;
  return 0;
}

void runtime_state_free (runtime_state *s)
{
  if (s == NULL)
    return;
  free (s->oci_version);
  free (s->id);
  free (s->status);
  free (s->bundle);
  keel_strv_freep (&s->annotations);
  free (s->rootfs);
  free (s->created);
  free (s->owner);
  keel_strv_freep (&s->cgroup_paths);
  free (s);
}

void runtime_state_freep (runtime_state **s)
{
  runtime_state_free (*s);
  *s = NULL;
}

static void gen_list (yajl_gen g, const char *key, const char *const *v)
{
  json_gen_key (g, key);
  json_gen_strv (g, (char *const *)v);
}

static void gen_linux (yajl_gen g, const runtime_features *f)
{
  json_gen_key (g, "linux");
  yajl_gen_map_open (g);
  gen_list (g, "namespaces", f->namespaces);
  json_gen_key (g, "capabilities");
  json_gen_strv (g, f->capabilities);
  json_gen_key (g, "cgroup");
  yajl_gen_map_open (g);
  json_gen_kv_bool (g, "v1", f->cgroup_v1);
  json_gen_kv_bool (g, "v2", f->cgroup_v2);
  json_gen_kv_bool (g, "systemd", f->cgroup_systemd);
  json_gen_kv_bool (g, "systemdUser", f->cgroup_systemd_user);
  json_gen_kv_bool (g, "rdma", f->cgroup_rdma);
  yajl_gen_map_close (g);
  json_gen_key (g, "seccomp");
  yajl_gen_map_open (g);
  json_gen_kv_bool (g, "enabled", f->seccomp_enabled);
  if (f->seccomp_enabled)
    {
      gen_list (g, "actions", f->seccomp_actions);
      gen_list (g, "operators", f->seccomp_operators);
      gen_list (g, "archs", f->seccomp_archs);
    }
  yajl_gen_map_close (g);
  json_gen_key (g, "apparmor");
  yajl_gen_map_open (g);
  json_gen_kv_bool (g, "enabled", f->apparmor);
  yajl_gen_map_close (g);
  json_gen_key (g, "selinux");
  yajl_gen_map_open (g);
  json_gen_kv_bool (g, "enabled", f->selinux);
  yajl_gen_map_close (g);
  json_gen_key (g, "intelRdt");
  yajl_gen_map_open (g);
  json_gen_kv_bool (g, "enabled", f->intel_rdt);
  yajl_gen_map_close (g);
  json_gen_key (g, "mountExtensions");
  yajl_gen_map_open (g);
  json_gen_key (g, "idmap");
  yajl_gen_map_open (g);
  json_gen_kv_bool (g, "enabled", f->mount_idmap);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

int runtime_features_emit (const runtime_features *f, char **out, size_t *len, keel_error **err)
{
  _cleanup_json_gen_ yajl_gen g = json_gen_new (true);

  if (g == NULL)
    return keel_err (err, ENOMEM, "features");
  yajl_gen_map_open (g);
  json_gen_kv_str (g, "ociVersionMin", f->oci_version_min);
  json_gen_kv_str (g, "ociVersionMax", f->oci_version_max);
  gen_list (g, "hooks", f->hooks);
  gen_list (g, "mountOptions", f->mount_options);
  gen_linux (g, f);
  if (f->annotations != NULL)
    {
      json_gen_key (g, "annotations");
      yajl_gen_map_open (g);
      for (const char *const *a = f->annotations; a[0] != NULL && a[1] != NULL; a += 2)
        json_gen_kv_str (g, a[0], a[1]);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  return json_gen_take (g, out, len, err);
}
