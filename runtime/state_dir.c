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

  char run_user[64];
  int n = 0;

  /* Rootless, like runc: $XDG_RUNTIME_DIR, else the login's /run/user/UID,
   * else a per-user directory (never one shared with other users). */
  snprintf (run_user, sizeof (run_user), "/run/user/%u", (unsigned)geteuid ());
  if (geteuid () == 0)
    s = strdup ("/run/keel");
  else if (xdg != NULL && *xdg != '\0')
    n = asprintf (&s, "%s/keel", xdg);
  else if (access (run_user, W_OK | X_OK) == 0)
    n = asprintf (&s, "%s/keel", run_user);
  else
    n = asprintf (&s, "/tmp/keel-%u", (unsigned)geteuid ());
  if (n < 0)
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

static int open_dir (state_dir *sd, keel_error **err)
{
  sd->dirfd = open (sd->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (sd->dirfd >= 0)
    return 0;
  if (errno == ENOENT)
    return keel_err (err, 0, "container `%s` does not exist", sd->id);
  return keel_err_errno (err, "open `%s`", sd->path);
}

static int lock_dir (state_dir *sd, keel_error **err)
{
  struct stat st;

  if (flock (sd->dirfd, LOCK_EX) < 0)
    return keel_err_errno (err, "lock `%s`", sd->path);
  sd->locked = true;
  /* A concurrent delete may have removed it while we waited for the lock. */
  if (fstat (sd->dirfd, &st) < 0)
    return keel_err_errno (err, "stat `%s`", sd->path);
  if (st.st_nlink == 0)
    return keel_err (err, 0, "container `%s` does not exist", sd->id);
  return 0;
}

bool state_dir_busy (const state_dir *sd)
{
  /* A second open file description: flock() conflicts with the holder's. */
  _cleanup_close_ int fd = open (sd->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || flock (fd, LOCK_SH | LOCK_NB) == 0)
    return false;
  return errno == EWOULDBLOCK;
}

static int write_state_in (const char *dir, const runtime_state *st, keel_error **err)
{
  _cleanup_free_ char *json = NULL, *path = NULL;
  size_t len = 0;

  if (asprintf (&path, "%s/state.json", dir) < 0)
    return keel_err (err, ENOMEM, "state.json");
  if (runtime_state_emit (st, RUNTIME_STATE_INTERNAL | RUNTIME_STATE_PRETTY, &json, &len, err) < 0)
    return -1;
  return write_file_atomic (path, json, len, 0600, 0, err);
}

static void remove_tmp_dir (const char *tmp)
{
  _cleanup_free_ char *p = NULL;
  if (asprintf (&p, "%s/state.json", tmp) >= 0)
    unlink (p);
  rmdir (tmp);
}

/* Remove every file in DIRFD's directory (state.json, its temp files, the fifo). */
static int empty_dir (int dirfd, const char *path, keel_error **err)
{
  _cleanup_closedir_ DIR *d = NULL;
  struct dirent *e;
  int fd = dup (dirfd);

  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return keel_err_errno (err, "open `%s`", path);
    }
  while ((e = readdir (d)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      if (unlinkat (dirfd, e->d_name, 0) < 0 && errno != ENOENT)
        return keel_err_errno (err, "remove `%s/%s`", path, e->d_name);
    }
  return 0;
}

/* A create killed between mkdtemp and the rename leaves <root>/.ID~XXXXXX.
 * Its creator held the directory's flock from just after mkdtemp: one we can
 * lock has no live creator, so it is litter and goes. (A create still before
 * its lock call loses its directory and fails, as one of two racing creates
 * of the same id would anyway.) */
void state_dir_sweep_stale (const char *root, const char *id)
{
  _cleanup_closedir_ DIR *d = opendir (root);
  struct dirent *e;
  keel_error *ignored = NULL;
  size_t n = strlen (id);

  if (d == NULL)
    return;
  while ((e = readdir (d)) != NULL)
    {
      _cleanup_close_ int fd = -1;
      const char *name = e->d_name;

      if (name[0] != '.' || strncmp (name + 1, id, n) != 0 || name[n + 1] != '~' || strlen (name + n + 2) != 6)
        continue;
      fd = openat (dirfd (d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 || flock (fd, LOCK_EX | LOCK_NB) < 0)
        continue;
      if (empty_dir (fd, name, &ignored) == 0)
        unlinkat (dirfd (d), name, AT_REMOVEDIR);
      keel_error_freep (&ignored);
    }
}

/* Build the directory under a name no id can have ('~' is not allowed, and
 * list skips dot names), lock it, write the state, then rename it into
 * place; RENAME_NOREPLACE makes "already exists" race-free. */
static int create_dir (state_dir *sd, const runtime_state *initial, keel_error **err)
{
  _cleanup_free_ char *tmp = NULL;
  char *final;

  if (asprintf (&tmp, "%s/.%s~XXXXXX", sd->root, sd->id) < 0)
    return keel_err (err, ENOMEM, "state dir");
  if (faccessat (AT_FDCWD, sd->path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return keel_err (err, 0, "container `%s` already exists", sd->id);
  state_dir_sweep_stale (sd->root, sd->id);
  if (mkdtemp (tmp) == NULL)
    return keel_err_errno (err, "mkdir `%s`", tmp);
  /* mkdtemp's 0700: the process may run as another user and open exec.fifo. */
  if (chmod (tmp, 0711) < 0)
    {
      keel_err_errno (err, "chmod `%s`", tmp);
      remove_tmp_dir (tmp);
      return -1;
    }
  final = sd->path;
  sd->path = tmp;
  if (open_dir (sd, err) < 0 || lock_dir (sd, err) < 0 || write_state_in (tmp, initial, err) < 0)
    goto fail;
  if (renameat2 (AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) < 0)
    {
      if (errno == EEXIST)
        keel_err (err, 0, "container `%s` already exists", sd->id);
      else
        keel_err_errno (err, "rename `%s` to `%s`", tmp, final);
      goto fail;
    }
  sd->path = final;
  return 0;
fail:
  remove_tmp_dir (tmp);
  sd->path = final;
  return -1;
}

int state_dir_create (const char *root, const char *id, const runtime_state *initial, state_dir *sd, keel_error **err)
{
  if (init_sd (root, id, sd, err) < 0)
    return -1;
  if (mkdir_p (root, 0711, err) < 0 || create_dir (sd, initial, err) < 0)
    {
      state_dir_close (sd);
      return -1;
    }
  return 0;
}

static int open_existing (const char *root, const char *id, bool lock, state_dir *sd, keel_error **err)
{
  if (init_sd (root, id, sd, err) < 0)
    return -1;
  if (open_dir (sd, err) < 0 || (lock && lock_dir (sd, err) < 0))
    {
      state_dir_close (sd);
      return -1;
    }
  if (faccessat (sd->dirfd, "state.json", F_OK, 0) < 0)
    {
      keel_err (err, 0, "container `%s` does not exist (no state.json: it was not cleaned up)", id);
      state_dir_close (sd);
      return -1;
    }
  return 0;
}

int state_dir_open (const char *root, const char *id, state_dir *sd, keel_error **err)
{
  return open_existing (root, id, true, sd, err);
}

int state_dir_open_unlocked (const char *root, const char *id, state_dir *sd, keel_error **err)
{
  return open_existing (root, id, false, sd, err);
}

int state_dir_remove (state_dir *sd, keel_error **err)
{
  if (empty_dir (sd->dirfd, sd->path, err) < 0)
    return -1;
  if (rmdir (sd->path) < 0 && errno != ENOENT)
    return keel_err_errno (err, "remove `%s`", sd->path);
  return 0;
}

void state_dir_close (state_dir *sd)
{
  if (sd->dirfd >= 0)
    close (sd->dirfd);
  sd->dirfd = -1;
  sd->locked = false;
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
  return write_state_in (sd->path, st, err);
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
