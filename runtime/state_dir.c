/* <root>/<id>/: the per-container state directory, its lock, state.json and exec fifo. */
#include "config.h"
#include "state_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

int state_dir_default_root (char **out, keel_error **err)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  char *s = NULL;

  if (geteuid () == 0 || xdg == NULL || *xdg == '\0')
    s = strdup (geteuid () == 0 ? "/run/keel" : "/tmp/keel");
  else if (asprintf (&s, "%s/keel", xdg) < 0)
    s = NULL;
  if (s == NULL)
    return keel_err (err, ENOMEM, "state root");
  *out = s;
  return 0;
}

int state_dir_check_id (const char *id, keel_error **err)
{
  if (*id == '\0' || strcmp (id, ".") == 0 || strcmp (id, "..") == 0 || strlen (id) > 1024)
    return keel_err (err, 0, "invalid container id `%s`", id);
  for (const char *p = id; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr ("_+.-", *p)))
      return keel_err (err, 0, "invalid container id `%s`: only letters, digits and _+.- are allowed", id);
  return 0;
}

static int init_sd (const char *root, const char *id, state_dir *sd, keel_error **err)
{
  memset (sd, 0, sizeof (*sd));
  sd->dirfd = -1;
  if (state_dir_check_id (id, err) < 0)
    return -1;
  sd->root = strdup (root);
  sd->id = strdup (id);
  if (sd->root == NULL || sd->id == NULL || asprintf (&sd->path, "%s/%s", root, id) < 0)
    {
      sd->path = NULL;
      state_dir_close (sd);
      return keel_err (err, ENOMEM, "state dir");
    }
  return 0;
}

static int lock_dir (state_dir *sd, keel_error **err)
{
  struct stat st;

  sd->dirfd = open (sd->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (sd->dirfd < 0)
    {
      if (errno == ENOENT)
        return keel_err (err, 0, "container `%s` does not exist", sd->id);
      return keel_err_errno (err, "open `%s`", sd->path);
    }
  if (flock (sd->dirfd, LOCK_EX) < 0)
    return keel_err_errno (err, "lock `%s`", sd->path);
  /* A concurrent delete may have removed it while we waited for the lock. */
  if (fstat (sd->dirfd, &st) < 0)
    return keel_err_errno (err, "stat `%s`", sd->path);
  if (st.st_nlink == 0)
    return keel_err (err, 0, "container `%s` does not exist", sd->id);
  return 0;
}

int state_dir_create (const char *root, const char *id, state_dir *sd, keel_error **err)
{
  if (init_sd (root, id, sd, err) < 0)
    return -1;
  if (mkdir_p (root, 0711, err) < 0)
    goto fail;
  if (mkdir (sd->path, 0711) < 0)
    {
      if (errno == EEXIST)
        keel_err (err, 0, "container `%s` already exists", id);
      else
        keel_err_errno (err, "mkdir `%s`", sd->path);
      goto fail;
    }
  if (lock_dir (sd, err) < 0)
    {
      rmdir (sd->path);
      goto fail;
    }
  return 0;
fail:
  state_dir_close (sd);
  return -1;
}

int state_dir_open (const char *root, const char *id, state_dir *sd, keel_error **err)
{
  if (init_sd (root, id, sd, err) < 0)
    return -1;
  if (lock_dir (sd, err) < 0)
    {
      state_dir_close (sd);
      return -1;
    }
  if (faccessat (sd->dirfd, "state.json", F_OK, 0) < 0)
    {
      keel_err (err, 0, "container `%s` does not exist (no state.json: it is being created or was not cleaned up)", id);
      state_dir_close (sd);
      return -1;
    }
  return 0;
}

int state_dir_remove (state_dir *sd, keel_error **err)
{
  _cleanup_closedir_ DIR *d = NULL;
  struct dirent *e;
  int fd = dup (sd->dirfd);

  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return keel_err_errno (err, "open `%s`", sd->path);
    }
  while ((e = readdir (d)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      if (unlinkat (sd->dirfd, e->d_name, 0) < 0 && errno != ENOENT)
        return keel_err_errno (err, "remove `%s/%s`", sd->path, e->d_name);
    }
  if (rmdir (sd->path) < 0 && errno != ENOENT)
    return keel_err_errno (err, "remove `%s`", sd->path);
  return 0;
}

void state_dir_close (state_dir *sd)
{
  if (sd->dirfd >= 0)
    close (sd->dirfd);
  sd->dirfd = -1;
  free (sd->root);
  free (sd->id);
  free (sd->path);
  sd->root = sd->id = sd->path = NULL;
}

char *state_dir_file (const state_dir *sd, const char *name)
{
  char *s = NULL;
  if (asprintf (&s, "%s/%s", sd->path, name) < 0)
    return NULL;
  return s;
}

int state_dir_write_state (state_dir *sd, const runtime_state *st, keel_error **err)
{
  _cleanup_free_ char *json = NULL, *path = state_dir_file (sd, "state.json");
  size_t len = 0;

  if (path == NULL)
    return keel_err (err, ENOMEM, "state.json");
  if (runtime_state_emit (st, RUNTIME_STATE_INTERNAL | RUNTIME_STATE_PRETTY, &json, &len, err) < 0)
    return -1;
  return write_file_atomic (path, json, len, 0600, 0, err);
}

int state_dir_read_state (state_dir *sd, runtime_state **out, keel_error **err)
{
  _cleanup_free_ char *buf = NULL, *path = state_dir_file (sd, "state.json");
  size_t len = 0;

  if (path == NULL)
    return keel_err (err, ENOMEM, "state.json");
  if (read_file (path, &buf, &len, err) < 0)
    return -1;
  return runtime_state_parse (path, buf, len, out, err);
}
