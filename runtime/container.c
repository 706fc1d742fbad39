/* The lifecycle state machine: creating → created → running → stopped, on top of the locked state dir. */
#include "config.h"
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "fsutil.h"
#include "init.h"
#include "idmap.h"
#include "timefmt.h"
#include "userns.h"

unsigned long long proc_starttime (pid_t pid, bool *zombie)
{
  _cleanup_free_ char *buf = NULL, *path = NULL;
  unsigned long long start = 0;
  char *p;
  char state = 0;

  *zombie = false;
  if (pid <= 0 || asprintf (&path, "/proc/%d/stat", (int)pid) < 0 || read_file (path, &buf, NULL, NULL) < 0)
    return 0;
  /* comm may hold spaces and parentheses: fields resume after the last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL
      || sscanf (p + 2, "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu", &state,
                 &start)
             != 2)
    return 0;
  *zombie = state == 'Z' || state == 'X';
  return start;
}

static const char *live_status (const state_dir *sd, const runtime_state *st)
{
  bool zombie;
  unsigned long long start;

  /* The creator holds the lock until it writes "created": a "creating"
   * nobody holds is what a killed create left behind. */
  if (strcmp (st->status, "creating") == 0)
    return !sd->locked && state_dir_busy (sd) ? "creating" : "stopped";
  start = proc_starttime (st->pid, &zombie);
  if (start == 0 || zombie || (st->starttime != 0 && start != st->starttime))
    return "stopped";
  if (faccessat (sd->dirfd, STATE_EXEC_FIFO, F_OK, 0) == 0)
    return "created";
  /* runc reports a frozen container as "paused" (runtime/cgroup.c freezer). */
  return cgroup_is_frozen (st->cgroup_paths) ? "paused" : "running";
}

static int load (runtime_globals *g, const char *id, bool lock, state_dir *sd, runtime_state **st, keel_error **err)
{
  char *status;
  *st = NULL;
  if ((lock ? state_dir_open : state_dir_open_unlocked) (g->root, id, sd, err) < 0)
    return -1;
  if (state_dir_read_state (sd, st, err) < 0)
    goto fail;
  status = strdup (live_status (sd, *st));
  /* Unlocked, the create may have finished between reading "creating" and
   * finding the lock free: read the state it wrote last. */
  if (!lock && status != NULL && strcmp (status, "stopped") == 0 && strcmp ((*st)->status, "creating") == 0)
    {
      runtime_state_free (*st);
      *st = NULL;
      free (status);
      if (state_dir_read_state (sd, st, err) < 0)
        goto fail;
      status = strdup (live_status (sd, *st));
    }
  if (status == NULL)
    {
      keel_err (err, ENOMEM, "state");
      goto fail;
    }
  free ((*st)->status);
  (*st)->status = status;
  return 0;
fail:
  runtime_state_free (*st);
  *st = NULL;
  state_dir_close (sd);
  return -1;
}

int container_load (runtime_globals *g, const char *id, state_dir *sd, runtime_state **st, keel_error **err)
{
  return load (g, id, true, sd, st, err);
}

int container_peek (runtime_globals *g, const char *id, state_dir *sd, runtime_state **st, keel_error **err)
{
  return load (g, id, false, sd, st, err);
}

int container_state_json (runtime_state *st, char **out, keel_error **err)
{
  return runtime_state_emit (st, RUNTIME_STATE_PRETTY, out, NULL, err);
}

/* ---- create ---- */

typedef struct create_ctx
{
  runtime_globals *g;
  const create_opts *o;
  struct runtime_config *cfg;
  char *bundle, *rootfs;
  cgroup_set cg;
  state_dir sd;
  bool have_sd;
  pid_t pid;
  int sync_fd;
  int fifo_fd;
  int cgroup_fd; /* pure v2: the cgroup the init is cloned into */
  struct seccomp_program *seccomp;
  int *idmap_fds;   /* idmap.h: one per mount, inherited by the init */
  char created[64]; /* RFC 3339, fixed when create begins */
} create_ctx;

/* config-linux.md "Sysctl": only namespaced keys; refuse the rest before touching anything. */
static int check_sysctls (const struct runtime_config *cfg, keel_error **err)
{
  char **s = cfg->linux_ != NULL ? cfg->linux_->sysctl : NULL;
  for (; s != NULL && s[0] != NULL; s += 2)
    {
      const char *k = s[0];
      bool ipc = strncmp (k, "fs.mqueue.", 10) == 0 || strcmp (k, "kernel.sem") == 0
                 || strncmp (k, "kernel.shm", 10) == 0 || strncmp (k, "kernel.msg", 10) == 0;
      bool net = strncmp (k, "net.", 4) == 0;
      bool uts = strcmp (k, "kernel.hostname") == 0 || strcmp (k, "kernel.domainname") == 0;
      enum rc_namespace_type need = ipc ? RC_NS_IPC : net ? RC_NS_NETWORK : RC_NS_UTS;
      const struct rc_namespace *ns;
      if (!ipc && !net && !uts)
        return keel_err (err, 0, "config.json: .linux.sysctl: `%s` is not a namespaced sysctl", k);
      ns = rc_config_find_namespace (cfg, need);
      if (ns == NULL)
        return keel_err (err, 0, "config.json: .linux.sysctl: `%s` needs a %s namespace", k,
                         rc_namespace_type_name (need));
      if (strchr (k, '/') != NULL || strstr (k, "..") != NULL)
        return keel_err (err, 0, "config.json: .linux.sysctl: invalid key `%s`", k);
    }
  return 0;
}

/* ABS with "//", "." and ".." folded without looking at the filesystem (Go's filepath.Clean). */
static char *path_clean (const char *abs)
{
  char *out = malloc (strlen (abs) + 2);
  size_t o = 0;

  if (out == NULL)
    return NULL;
  for (const char *p = abs; *p != '\0';)
    {
      const char *end = strchrnul (p, '/');
      size_t l = (size_t)(end - p);
      if (l == 2 && p[0] == '.' && p[1] == '.')
        while (o > 0 && out[--o] != '/')
          ;
      else if (l > 0 && !(l == 1 && p[0] == '.'))
        {
          out[o++] = '/';
          memcpy (out + o, p, l);
          o += l;
        }
      p = *end == '/' ? end + 1 : end;
    }
  if (o == 0)
    out[o++] = '/';
  out[o] = '\0';
  return out;
}

/* config.md "Root": root.path is absolute or relative to the bundle, and a
 * directory MUST exist there. Like runc (libcontainer's rootfs validation),
 * the path must name that directory itself: a symlink anywhere in it (a
 * "rootfs" linked to "/" or climbing out of the bundle) is refused rather than
 * followed. The host's "/" is refused even when named directly: pivot_root
 * into it would hand the container the whole host. */
static int resolve_rootfs (create_ctx *c, keel_error **err)
{
  _cleanup_free_ char *root = NULL, *clean = NULL;
  struct stat st;

  if (c->cfg->root->path[0] == '/')
    root = strdup (c->cfg->root->path);
  else if (asprintf (&root, "%s/%s", c->bundle, c->cfg->root->path) < 0)
    root = NULL;
  if (root == NULL || (clean = path_clean (root)) == NULL)
    return keel_err (err, ENOMEM, "config");
  c->rootfs = realpath (root, NULL);
  if (c->rootfs == NULL || stat (c->rootfs, &st) < 0 || !S_ISDIR (st.st_mode))
    return keel_err (err, c->rootfs == NULL ? errno : ENOTDIR, "config.json: .root.path: `%s`", root);
  if (strcmp (c->rootfs, "/") == 0)
    return keel_err (err, 0, "config.json: .root.path: `%s` is the host's root directory `/`: refused", root);
  if (strcmp (c->rootfs, clean) != 0)
    return keel_err (err, 0,
                     "config.json: .root.path: `%s` goes through a symlink (it resolves to `%s`): refused, "
                     "as runc does; give the directory itself",
                     root, c->rootfs);
  return 0;
}

static int load_config (create_ctx *c, keel_error **err)
{
  _cleanup_free_ char *cfgpath = NULL;

  c->bundle = realpath (c->o->bundle != NULL ? c->o->bundle : ".", NULL);
  if (c->bundle == NULL)
    return keel_err_errno (err, "bundle `%s`", c->o->bundle != NULL ? c->o->bundle : ".");
  if (asprintf (&cfgpath, "%s/config.json", c->bundle) < 0)
    return keel_err (err, ENOMEM, "config");
  if (runtime_config_load (cfgpath, &c->cfg, err) < 0)
    return -1;
  if (c->cfg->process == NULL)
    return keel_err (err, 0, "config.json: .process: required to create a container");
  if (c->cfg->root == NULL || c->cfg->root->path == NULL)
    return keel_err (err, 0, "config.json: .root.path: required on Linux");
  if (resolve_rootfs (c, err) < 0)
    return -1;
  if (c->cfg->process->terminal && c->o->console_socket == NULL && !c->o->foreground)
    return keel_err (err, 0,
                     "config.json: .process.terminal is true: --console-socket is required "
                     "(or use `run` in the foreground)");
  /* Compiled here, before anything is touched, so a bad profile fails early. */
  if (c->cfg->linux_ != NULL && c->cfg->linux_->seccomp != NULL
      && seccomp_compile_for_runtime (c->cfg->linux_->seccomp, c->g->root, &c->seccomp, err) < 0)
    return -1;
  if (check_sysctls (c->cfg, err) < 0)
    return -1;
  if (cgroup_resolve (c->cfg, c->o->id, &c->cg, err) < 0)
    return -1;
  /* Rootless: no cgroup unless one was delegated to us (or resources demand it). */
  return userns_check_cgroup (c->g, &c->cg, c->cfg, err);
}

static int count_listen_fds (void)
{
  const char *pid = getenv ("LISTEN_PID"), *fds = getenv ("LISTEN_FDS");
  if (fds == NULL || (pid != NULL && atoi (pid) != getpid ()))
    return 0;
  return atoi (fds) > 0 ? atoi (fds) : 0;
}

static int state_json_for_hooks (create_ctx *c, const char *status, char **out, keel_error **err)
{
  runtime_state s = { .id = (char *)c->o->id,
                      .status = (char *)status,
                      .pid = c->pid,
                      .bundle = c->bundle,
                      .annotations = c->cfg->annotations };
  return runtime_state_emit (&s, 0, out, NULL, err);
}

static void fill_state (create_ctx *c, const char *status, runtime_state *s)
{
  bool zombie;
  struct passwd *pw = geteuid () == 0 ? NULL : getpwuid (geteuid ());

  *s = (runtime_state){ .id = (char *)c->o->id,
                        .status = (char *)status,
                        .pid = c->pid,
                        .bundle = c->bundle,
                        .annotations = c->cfg->annotations,
                        .rootfs = c->rootfs,
                        .created = c->created,
                        .owner = pw != NULL ? pw->pw_name : "",
                        .cgroup_paths = c->cg.paths };
  s->starttime = c->pid > 0 ? proc_starttime (c->pid, &zombie) : 0;
}

/* runtime.md "State": "creating" from the moment the state dir exists, with
 * the init's pid once it is cloned, then "created". */
static int write_state (create_ctx *c, const char *status, keel_error **err)
{
  runtime_state s;
  fill_state (c, status, &s);
  return state_dir_write_state (&c->sd, &s, err);
}

static int write_pid_file (const char *path, pid_t pid, keel_error **err)
{
  char buf[32];
  int n = snprintf (buf, sizeof (buf), "%d", (int)pid);
  /* Written atomically (temp + rename): a reader never sees a partial pid. */
  return write_file_atomic (path, buf, (size_t)n, 0644, 0, err);
}

/* The parent's half of the sync protocol. */
static int drive_child (create_ctx *c, int *pty, keel_error **err)
{
  _cleanup_free_ char *json = NULL;
  unsigned long clone_flags = 0, unshare_flags = 0;

  ns_clone_flags (c->cfg, &clone_flags, &unshare_flags, err);
  if (c->cgroup_fd < 0 && cgroup_enter (&c->cg, c->pid, err) < 0)
    return keel_err_prefix (err, "cgroup");
  if ((clone_flags & CLONE_NEWUSER) && userns_write_maps (c->cfg, c->pid, err) < 0)
    return -1;
  if (sync_send (c->sync_fd, SYNC_GO, NULL, -1, err) < 0 || sync_expect (c->sync_fd, SYNC_HOOKS, NULL, NULL, err) < 0)
    return -1;
  if (state_json_for_hooks (c, "creating", &json, err) < 0)
    return -1;
  /* runtime.md "Lifecycle": prestart (deprecated) and createRuntime, in the runtime namespace. */
  if (hooks_run (c->cfg, RC_HOOK_PRESTART, json, err) < 0 || hooks_run (c->cfg, RC_HOOK_CREATE_RUNTIME, json, err) < 0)
    return -1;
  if (sync_send (c->sync_fd, SYNC_HOOKS_DONE, json, -1, err) < 0)
    return -1;
  if (c->cfg->process->terminal)
    {
      int master = -1;
      if (sync_expect (c->sync_fd, SYNC_PTY, NULL, &master, err) < 0)
        return -1;
      if (master < 0)
        return keel_err (err, 0, "terminal: no pty master received");
      if (c->o->console_socket != NULL)
        {
          int r = terminal_send_to_socket (c->o->console_socket, master, err);
          close (master);
          if (r < 0)
            return -1;
        }
      else
        *pty = master;
    }
  if (sync_expect_ready (c->sync_fd, c->cfg->linux_ != NULL ? c->cfg->linux_->seccomp : NULL, 0, json, err) < 0)
    return -1;
  if (write_state (c, "created", err) < 0)
    return -1;
  if (c->o->pid_file != NULL && write_pid_file (c->o->pid_file, c->pid, err) < 0)
    return keel_err_prefix (err, "--pid-file");
  return 0;
}

/* For exec (state_dir.h): it must keep its caller's keyring too. */
static int mark_no_new_keyring (state_dir *sd, keel_error **err)
{
  int fd = openat (sd->dirfd, STATE_NO_NEW_KEYRING, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return keel_err_errno (err, "create `%s/%s`", sd->path, STATE_NO_NEW_KEYRING);
  close (fd);
  return 0;
}

static int spawn (create_ctx *c, int *pty, keel_error **err)
{
  _cleanup_free_ char *fifo = state_dir_file (&c->sd, STATE_EXEC_FIFO);
  _cleanup_free_ char *copy = state_dir_file (&c->sd, STATE_CONFIG_COPY);
  _cleanup_free_ char *text = NULL, *src = NULL;
  unsigned long clone_flags = 0, unshare_flags = 0;
  int sv[2];
  size_t len = 0;
  int listen_fds = count_listen_fds ();
  init_args a = { 0 };

  if (fifo == NULL || copy == NULL || asprintf (&src, "%s/config.json", c->bundle) < 0)
    return keel_err (err, ENOMEM, "state");
  /* Keep the config as created: start and delete run its hooks even if the bundle changes. */
  if (read_file (src, &text, &len, err) < 0 || write_file_atomic (copy, text, len, 0600, 0, err) < 0)
    return -1;
  /* The process may already run as its own user when it opens the fifo:
   * let anyone write (chmod, as mkfifo's mode went through the umask). */
  if (mkfifo (fifo, 0622) < 0 || chmod (fifo, 0622) < 0)
    return keel_err_errno (err, "mkfifo `%s`", fifo);
  c->fifo_fd = open (fifo, O_PATH | O_CLOEXEC);
  if (c->fifo_fd < 0)
    return keel_err_errno (err, "open `%s`", fifo);
  if (c->o->no_new_keyring && mark_no_new_keyring (&c->sd, err) < 0)
    return -1;
  if (cgroup_create (&c->cg, c->cfg, err) < 0)
    return -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return keel_err_errno (err, "socketpair");
  c->sync_fd = sv[0];
  a = (init_args){ .cfg = c->cfg,
                   .id = c->o->id,
                   .rootfs = c->rootfs,
                   .bundle = c->bundle,
                   .sync_fd = sv[1],
                   .peer_fd = sv[0],
                   .fifo_fd = c->fifo_fd,
                   .keep_fds = c->o->preserve_fds + listen_fds,
                   .listen_fds = listen_fds,
                   .no_pivot = c->o->no_pivot,
                   .no_new_keyring = c->o->no_new_keyring,
                   .terminal = c->cfg->process->terminal,
                   .cgroup_paths = c->cg.paths,
                   .process = c->cfg->process,
                   .seccomp = c->seccomp };
  ns_clone_flags (c->cfg, &clone_flags, &unshare_flags, err);
  /* Idmapped mounts need the runtime's privilege over their sources: made
   * here, attached by the init inside its user namespace. */
  if (idmap_prepare (c->cfg, c->bundle, &c->idmap_fds, err) < 0 || ns_prepare_parent (c->cfg, err) < 0)
    {
      close (sv[1]);
      return -1;
    }
  a.idmap_fds = c->idmap_fds;
  /* The child must not hold the container lock while it waits for `start`. */
  a.lock_fd = c->sd.dirfd;
  /* Pure v2: CLONE_INTO_CGROUP; v1/hybrid hosts get cgroup_enter in drive_child. */
  if (c->cg.unified_only)
    {
      c->cgroup_fd = open (c->cg.paths[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (c->cgroup_fd < 0)
        {
          close (sv[1]);
          return keel_err_errno (err, "open cgroup `%s`", c->cg.paths[0]);
        }
    }
  c->pid = init_clone (clone_flags, c->cgroup_fd, init_container_main, &a, err);
  close (sv[1]);
  if (c->pid > 0 && c->cgroup_fd >= 0)
    log_msg (&c->g->log, LOG_LEVEL_DEBUG, "init %d cloned into cgroup %s (CLONE_INTO_CGROUP)", (int)c->pid,
             c->cg.paths[0]);
  if (c->pid < 0)
    {
      c->pid = 0;
      return -1;
    }
  if (write_state (c, "creating", err) < 0)
    return -1;
  return drive_child (c, pty, err);
}

static void unwind (create_ctx *c)
{
  keel_error *e = NULL;
  if (c->pid > 0)
    {
      kill (c->pid, SIGKILL);
      waitpid (c->pid, NULL, 0);
    }
  if (c->cg.paths != NULL && cgroup_destroy_paths (c->cg.paths, &e) < 0)
    {
      log_error (&c->g->log, e);
      keel_error_free (e);
      e = NULL;
    }
  if (c->have_sd && state_dir_remove (&c->sd, &e) < 0)
    {
      log_error (&c->g->log, e);
      keel_error_free (e);
    }
}

/* The caller's fds beyond stdio, --preserve-fds and LISTEN_FDS: runc's init
 * never holds them, and a caller waiting for EOF on one (a pipe) must not wait
 * until `start` execs the process. Of ours only the --log file is open yet. */
static void close_caller_fds (int first, int log_fd)
{
  if (log_fd >= first)
    {
      if (log_fd > first)
        syscall (SYS_close_range, first, log_fd - 1, 0);
      first = log_fd + 1;
    }
  syscall (SYS_close_range, first, ~0U, 0);
}

int container_create (runtime_globals *g, const create_opts *o, pid_t *pid, int *pty, keel_error **err)
{
  create_ctx c = { .g = g, .o = o, .sync_fd = -1, .fifo_fd = -1, .cgroup_fd = -1 };
  runtime_state initial;
  int r = -1;

  *pty = -1;
  close_caller_fds (3 + o->preserve_fds + count_listen_fds (), g->log.fd);
  if (state_dir_check_id (o->id, err) < 0 || load_config (&c, err) < 0)
    goto out;
  timefmt_now_rfc3339 (c.created, sizeof (c.created));
  fill_state (&c, "creating", &initial);
  if (state_dir_create (g->root, o->id, &initial, &c.sd, err) < 0)
    goto out;
  c.have_sd = true;
  /* From here every failure unwinds: no state dir, cgroup or process is left. */
  if (spawn (&c, pty, err) < 0)
    {
      if (*pty >= 0)
        close (*pty), *pty = -1;
      unwind (&c);
      goto out;
    }
  log_msg (&g->log, LOG_LEVEL_DEBUG, "create %s: init pid %d, rootfs %s, cgroup %s", o->id, (int)c.pid, c.rootfs,
           c.cg.relative);
  *pid = c.pid;
  r = 0;
out:
  if (c.sync_fd >= 0)
    close (c.sync_fd);
  if (c.fifo_fd >= 0)
    close (c.fifo_fd);
  if (c.cgroup_fd >= 0)
    close (c.cgroup_fd);
  if (c.have_sd)
    state_dir_close (&c.sd);
  cgroup_set_free (&c.cg);
  idmap_close (c.idmap_fds, c.cfg != NULL ? c.cfg->mounts_len : 0);
  runtime_config_free (c.cfg);
  seccomp_program_free (c.seccomp);
  free (c.bundle);
  free (c.rootfs);
  return r;
}

/* ---- start ---- */

static int load_config_copy (state_dir *sd, struct runtime_config **cfg, keel_error **err)
{
  _cleanup_free_ char *p = state_dir_file (sd, STATE_CONFIG_COPY);
  if (p == NULL)
    return keel_err (err, ENOMEM, "config");
  return runtime_config_load (p, cfg, err);
}

static int release_init (state_dir *sd, keel_error **err)
{
  _cleanup_close_ int fd = -1;
  struct pollfd pfd;
  char b;

  fd = openat (sd->dirfd, STATE_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return keel_err_errno (err, "open exec fifo");
  pfd = (struct pollfd){ fd, POLLIN, 0 };
  /* The init is already blocked opening the other end; it writes one byte. */
  for (int waited = 0; waited < 10000; waited += 10)
    {
      ssize_t n = read (fd, &b, 1);
      if (n == 1)
        break;
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        return keel_err_errno (err, "read exec fifo");
      if (waited + 10 >= 10000)
        return keel_err (err, 0, "the container's init did not answer on exec.fifo");
      poll (&pfd, 1, 10);
    }
  if (unlinkat (sd->dirfd, STATE_EXEC_FIFO, 0) < 0)
    return keel_err_errno (err, "remove exec fifo");
  /* EOF once the init has executed the user process (or died): its write end
   * is close-on-exec. Until then it runs startContainer hooks, which must
   * come before poststart. */
  for (;;)
    {
      ssize_t n = read (fd, &b, 1);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        break;
      poll (&pfd, 1, -1);
    }
  return 0;
}

int container_start (runtime_globals *g, const char *id, keel_error **err)
{
  state_dir sd;
  _cleanup_runtime_state_ runtime_state *st = NULL;
  _cleanup_runtime_config_ struct runtime_config *cfg = NULL;
  _cleanup_free_ char *json = NULL;
  keel_error *e = NULL;
  int r = -1;

  if (container_load (g, id, &sd, &st, err) < 0)
    return -1;
  /* runtime.md "start": an error unless the container is created. */
  if (strcmp (st->status, "created") != 0)
    {
      keel_err (err, 0, "container is %s, not created", st->status);
      goto out;
    }
  if (load_config_copy (&sd, &cfg, err) < 0 || release_init (&sd, err) < 0)
    goto out;
  free (st->status);
  st->status = strdup ("running");
  if (runtime_state_emit (st, 0, &json, NULL, err) < 0)
    goto out;
  /* runtime.md: a failing poststart hook is logged; the container keeps running. */
  if (hooks_run (cfg, RC_HOOK_POSTSTART, json, &e) < 0)
    {
      log_msg (&g->log, LOG_LEVEL_WARNING, "start %s: %s", id, e->msg);
      keel_error_free (e);
    }
  r = 0;
out:
  state_dir_close (&sd);
  return r;
}

/* ---- kill / delete ---- */

static const struct
{
  const char *name;
  int sig;
} signals[] = {
  { "HUP", SIGHUP },   { "INT", SIGINT },       { "QUIT", SIGQUIT }, { "ILL", SIGILL },     { "TRAP", SIGTRAP },
  { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },   { "FPE", SIGFPE },     { "KILL", SIGKILL },
  { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },     { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },   { "ALRM", SIGALRM },
  { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },   { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU }, { "URG", SIGURG },     { "XCPU", SIGXCPU },
  { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
  { "POLL", SIGPOLL }, { "PWR", SIGPWR },       { "SYS", SIGSYS },
};

int signal_parse (const char *s, int *sig)
{
  char *end;
  long n = strtol (s, &end, 10);

  if (*s != '\0' && *end == '\0')
    {
      if (n <= 0 || n > SIGRTMAX)
        return -1;
      *sig = (int)n;
      return 0;
    }
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < sizeof (signals) / sizeof (signals[0]); i++)
    if (strcasecmp (s, signals[i].name) == 0)
      {
        *sig = signals[i].sig;
        return 0;
      }
  if (strncasecmp (s, "RTMIN", 5) == 0 || strncasecmp (s, "RTMAX", 5) == 0)
    {
      long off = s[5] ? strtol (s + 5, &end, 10) : 0;
      if (s[5] && *end != '\0')
        return -1;
      n = (strncasecmp (s, "RTMIN", 5) == 0 ? SIGRTMIN : SIGRTMAX) + off;
      if (n < SIGRTMIN || n > SIGRTMAX)
        return -1;
      *sig = (int)n;
      return 0;
    }
  return -1;
}

int container_signal (runtime_state *st, int sig, bool all, keel_error **err)
{
  if (all)
    return cgroup_kill_all (st->cgroup_paths, sig, err);
  if (kill (st->pid, sig) < 0)
    return keel_err_errno (err, "signal %d to pid %d", sig, st->pid);
  /* A paused (v1-frozen) init acts on SIGKILL only once thawed. */
  if (sig == SIGKILL && cgroup_is_frozen (st->cgroup_paths))
    return cgroup_freeze (st->cgroup_paths, false, err);
  return 0;
}

static void wait_gone (pid_t pid, int timeout_ms)
{
  int fd = (int)syscall (SYS_pidfd_open, pid, 0);
  bool zombie;
  if (fd >= 0)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      poll (&p, 1, timeout_ms);
      close (fd);
    }
  /* Our own child (run) is reaped here; anyone else's by its parent. */
  waitpid (pid, NULL, WNOHANG);
  for (int i = 0; i < timeout_ms / 10 && proc_starttime (pid, &zombie) != 0 && !zombie; i++)
    usleep (10000);
}

int container_destroy (runtime_globals *g, state_dir *sd, runtime_state *st, bool force, keel_error **err)
{
  _cleanup_runtime_config_ struct runtime_config *cfg = NULL;
  _cleanup_free_ char *json = NULL;
  keel_error *e = NULL;

  if ((strcmp (st->status, "running") == 0 || strcmp (st->status, "paused") == 0) && !force)
    return keel_err (err, 0, "container is %s: stop it first or use --force", st->status);
  if (strcmp (st->status, "stopped") != 0)
    {
      /* created, or running with --force: kill everything in the container. */
      container_signal (st, SIGKILL, true, NULL);
      kill (st->pid, SIGKILL);
      wait_gone (st->pid, 5000);
    }
  else if (force)
    container_signal (st, SIGKILL, true, NULL);
  if (cgroup_destroy_paths (st->cgroup_paths, err) < 0)
    return -1;
  free (st->status);
  st->status = strdup ("stopped");
  if (load_config_copy (sd, &cfg, &e) == 0 && runtime_state_emit (st, 0, &json, NULL, &e) == 0)
    hooks_run (cfg, RC_HOOK_POSTSTOP, json, &e);
  /* runtime.md: poststop failures are logged, delete goes on. */
  if (e != NULL)
    {
      log_msg (&g->log, LOG_LEVEL_WARNING, "delete %s: %s", st->id, e->msg);
      keel_error_free (e);
    }
  return state_dir_remove (sd, err);
}
