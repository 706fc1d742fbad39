/* The container process's attributes (user, caps, limits, cwd, ...) and the final PATH lookup + execve. */
#include "config.h"
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

static int set_oom_score_adj (const struct rc_process *p, keel_error **err)
{
  char buf[16];
  _cleanup_close_ int fd = -1;

  if (!p->has_oom_score_adj)
    return 0;
  snprintf (buf, sizeof (buf), "%d", p->oom_score_adj);
  fd = open ("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  /* Non-dumpable (init.c), our /proc files belong to the host's root, which
   * a user namespace's root is not: dumpable just for the open. The process
   * still holds all its capabilities here, so the container cannot use the
   * moment to reach it. */
  if (fd < 0 && errno == EACCES && prctl (PR_GET_DUMPABLE, 0, 0, 0, 0) == 0)
    {
      prctl (PR_SET_DUMPABLE, 1, 0, 0, 0);
      fd = open ("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
      prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
  if (fd < 0 || write (fd, buf, strlen (buf)) < 0)
    return keel_err_errno (err, "process.oomScoreAdj: write %s", buf);
  return 0;
}

static int set_io_sched (const struct rc_process *p, keel_error **err)
{
  if (p->io_priority != NULL
      && syscall (SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0,
                  (p->io_priority->class_value << 13) | p->io_priority->priority)
             < 0)
    return keel_err_errno (err, "process.ioPriority");
  if (p->scheduler != NULL)
    {
      /* struct sched_attr, sched_setattr(2) */
      struct
      {
        uint32_t size, policy;
        uint64_t flags;
        int32_t nice;
        uint32_t priority;
        uint64_t runtime, deadline, period;
      } attr = { .size = 48 };
      const struct rc_scheduler *s = p->scheduler;
      attr.policy = (uint32_t)s->policy_value;
      attr.flags = s->flags_mask;
      attr.nice = s->has_nice ? s->nice : 0;
      attr.priority = s->has_priority ? (uint32_t)s->priority : 0;
      attr.runtime = s->has_runtime ? s->runtime : 0;
      attr.deadline = s->has_deadline ? s->deadline : 0;
      attr.period = s->has_period ? s->period : 0;
      if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
        return keel_err_errno (err, "process.scheduler");
    }
  return 0;
}

static int switch_user (const struct rc_process *p, keel_error **err)
{
  const struct rc_user *u = &p->user;
  gid_t *groups = NULL;

  if (u->additional_gids_len > 0)
    {
      groups = calloc (u->additional_gids_len, sizeof (gid_t));
      if (groups == NULL)
        return keel_err (err, ENOMEM, "process.user");
      for (size_t i = 0; i < u->additional_gids_len; i++)
        groups[i] = u->additional_gids[i];
    }
  /* In a user namespace with setgroups denied only an empty list is refused
   * harmlessly; a requested list must work. */
  if (setgroups (u->additional_gids_len, groups) < 0 && (u->additional_gids_len > 0 || errno != EPERM))
    {
      free (groups);
      return keel_err_errno (err, "process.user.additionalGids: setgroups");
    }
  free (groups);
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return keel_err_errno (err, "prctl(PR_SET_KEEPCAPS)");
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return keel_err_errno (err, "process.user.gid: setresgid %u", u->gid);
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return keel_err_errno (err, "process.user.uid: setresuid %u", u->uid);
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return keel_err_errno (err, "prctl(PR_SET_KEEPCAPS)");
  return 0;
}

/* config-linux.md "Personality". */
static int set_personality (const struct rc_personality *pers, keel_error **err)
{
  unsigned long domain;
  if (pers == NULL)
    return 0;
  if (pers->flags != NULL && pers->flags[0] != NULL)
    return keel_err (err, 0, "linux.personality.flags: `%s` is not supported", pers->flags[0]);
  if (pers->domain == NULL || strcmp (pers->domain, "LINUX") == 0)
    domain = PER_LINUX;
  else if (strcmp (pers->domain, "LINUX32") == 0)
    domain = PER_LINUX32;
  else
    return keel_err (err, 0, "linux.personality.domain: unknown `%s`", pers->domain);
  if (personality (domain) < 0)
    return keel_err_errno (err, "linux.personality: personality(%s)", pers->domain);
  return 0;
}

/* seccomp.h: the filter is loaded by the child, and a NOTIFY fd goes to the
 * parent, which hands it to listenerPath. */
static int load_seccomp (const init_args *a, keel_error **err)
{
  int notify = -1, r;
  if (a->seccomp == NULL)
    return 0;
  if (seccomp_program_load (a->seccomp, seccomp_program_uses_notify (a->seccomp) ? &notify : NULL, err) < 0)
    return keel_err_prefix (err, "linux.seccomp");
  if (notify < 0)
    return 0;
  r = sync_send (a->sync_fd, SYNC_SECCOMP, NULL, notify, err);
  close (notify);
  if (r < 0)
    return -1;
  /* Nothing of the process runs until listenerPath has its fd (or the parent
   * gave up and kills this child). */
  return sync_expect (a->sync_fd, SYNC_SECCOMP_DONE, NULL, NULL, err);
}

/* A session keyring of its own, so the container does not share the
 * runtime's (keyrings are not namespaced). Named `_ses.<id>` as runc names
 * it, and searchable by its possessor's uid (by anyone in a user namespace,
 * where that uid is mapped), so tools can find it again. */
static int join_session_keyring (const init_args *a, keel_error **err)
{
  _cleanup_free_ char *name = NULL;
  char desc[512];
  unsigned int perm = 0, want;
  bool userns = rc_config_find_namespace (a->cfg, RC_NS_USER) != NULL;
  long key;

  if (asprintf (&name, "_ses.%s", a->id != NULL ? a->id : "") < 0)
    return keel_err (err, ENOMEM, "session keyring");
  key = syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, a->id != NULL ? name : NULL);
  if (key < 0)
    /* No keyring support (old kernel, some sandboxes): best effort, as runc. */
    return errno == ENOSYS ? 0 : keel_err_errno (err, "join session keyring `%s`", name);
  /* The description is "type;uid;gid;perm;name", perm in hex. */
  if (syscall (SYS_keyctl, KEYCTL_DESCRIBE, key, desc, sizeof (desc)) < 0
      || sscanf (desc, "%*[^;];%*[^;];%*[^;];%x;", &perm) != 1)
    return keel_err_errno (err, "describe session keyring `%s`", name);
  /* keyutils.h's KEY_OTH_SEARCH and KEY_USR_SEARCH (not in the kernel's uapi
   * headers). An exec joining the init's keyring finds it set already, and
   * could not set it: in a user namespace the key is not its own. */
  want = userns ? 0x00000008 : 0x00080000;
  if ((perm & want) != want && syscall (SYS_keyctl, KEYCTL_SETPERM, key, perm | want) < 0)
    return keel_err_errno (err, "set permissions of session keyring `%s`", name);
  return 0;
}

/* CVE-2024-21626: the cwd is resolved inside the container's root and never
 * through a /proc magic link, so "/proc/self/fd/N" cannot name a directory
 * the runtime (or the caller, through --preserve-fds) holds outside it. */
static int change_dir (const char *cwd, keel_error **err)
{
  _cleanup_close_ int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int dir = -1;

  if (root < 0)
    return keel_err_errno (err, "process.cwd: open /");
  if (resolve_in_root (root, cwd, false, false, &dir, err) < 0)
    return keel_err_prefix (err, "process.cwd");
  if (fchdir (dir) < 0)
    return keel_err_errno (err, "process.cwd: chdir `%s`", cwd);
  return 0;
}

int process_apply (const init_args *a, keel_error **err)
{
  const struct rc_process *p = a->process;
  const struct rc_personality *pers = a->cfg->linux_ != NULL ? a->cfg->linux_->personality : NULL;

  if (!a->no_new_keyring && join_session_keyring (a, err) < 0)
    return -1;
  if (set_personality (pers, err) < 0 || set_oom_score_adj (p, err) < 0 || rlimits_apply (p, err) < 0
      || set_io_sched (p, err) < 0)
    return -1;
  if (p->cwd != NULL && change_dir (p->cwd, err) < 0)
    return -1;
  /* Without no_new_privs loading a filter needs CAP_SYS_ADMIN: load it
   * while still root, as runc does (the profile must then allow the rest). */
  if (!p->no_new_privileges && load_seccomp (a, err) < 0)
    return -1;
  if (caps_drop_bounding (p, err) < 0 || switch_user (p, err) < 0)
    return -1;
  if (p->user.has_umask)
    umask ((mode_t)p->user.umask);
  else
    umask (022);
  if (caps_apply (p, err) < 0)
    return -1;
  /* config.md "noNewPrivileges". */
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return keel_err_errno (err, "process.noNewPrivileges");
  if (p->no_new_privileges && load_seccomp (a, err) < 0)
    return -1;
  return 0;
}

static const char *env_get (char **env, const char *name)
{
  size_t l = strlen (name);
  for (; env != NULL && *env != NULL; env++)
    if (strncmp (*env, name, l) == 0 && (*env)[l] == '=')
      return *env + l + 1;
  return NULL;
}

/* config.md "process.args": args[0] is looked up in PATH like execvp does,
 * but with the container's PATH. */
static char *lookup (const char *name, char **env)
{
  const char *path = env_get (env, "PATH");
  _cleanup_free_ char *copy = NULL;

  if (strchr (name, '/') != NULL)
    return strdup (name);
  copy = strdup (path != NULL ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  for (char *s = copy, *dir; s != NULL && (dir = strsep (&s, ":")) != NULL;)
    {
      char *full = NULL;
      struct stat st;
      if (asprintf (&full, "%s/%s", *dir ? dir : ".", name) < 0)
        return NULL;
      if (stat (full, &st) == 0 && S_ISREG (st.st_mode) && access (full, X_OK) == 0)
        return full;
      free (full);
    }
  return NULL;
}

int process_check_exec (const struct rc_process *p, keel_error **err)
{
  _cleanup_free_ char *exe = NULL;
  struct stat st;

  if (p->args == NULL || p->args[0] == NULL)
    return keel_err (err, 0, "process.args: empty");
  exe = lookup (p->args[0], p->env);
  /* Worded as runc words them: podman maps "executable file not found" and
   * "no such file or directory" to exit 127, "permission denied" to 126. */
  if (exe == NULL)
    return keel_err (err, 0, "exec `%s`: executable file not found in $PATH", p->args[0]);
  if (stat (exe, &st) < 0)
    return keel_err_errno (err, "exec `%s`", exe);
  if (!S_ISREG (st.st_mode) || access (exe, X_OK) < 0)
    return keel_err (err, 0, "exec `%s`: permission denied", exe);
  return 0;
}

/* The home directory of UID in the container's /etc/passwd, "/" when it has
 * none there (runc's default). Fields: name:password:uid:gid:gecos:home:shell. */
static char *passwd_home (uid_t uid)
{
  _cleanup_fclose_ FILE *f = fopen ("/etc/passwd", "re");
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;

  while (f != NULL && getline (&line, &cap, f) >= 0)
    {
      char *fields[7] = { NULL }, *s = line, *end;
      size_t n = 0;
      unsigned long id;
      line[strcspn (line, "\n")] = '\0';
      while (n < 7 && (fields[n] = strsep (&s, ":")) != NULL)
        n++;
      if (n < 6 || *fields[2] == '\0')
        continue;
      id = strtoul (fields[2], &end, 10);
      if (*end == '\0' && id == uid)
        return strdup (*fields[5] != '\0' ? fields[5] : "/");
    }
  return strdup ("/");
}

int process_exec (const struct rc_process *p, int listen_fds, keel_error **err)
{
  _cleanup_free_ char *exe = NULL;
  _cleanup_strv_ char **env = NULL;
  size_t n = 0;

  if (p->args == NULL || p->args[0] == NULL)
    return keel_err (err, 0, "process.args: empty");
  for (char **e = p->env; e != NULL && *e != NULL; e++)
    n++;
  env = calloc (n + 4, sizeof (char *));
  if (env == NULL)
    return keel_err (err, ENOMEM, "environment");
  n = 0;
  for (char **e = p->env; e != NULL && *e != NULL; e++)
    if ((listen_fds == 0 || (strncmp (*e, "LISTEN_FDS=", 11) != 0 && strncmp (*e, "LISTEN_PID=", 11) != 0))
        && strcmp (*e, "HOME=") != 0)
      env[n++] = strdup (*e);
  /* sd_listen_fds(3): the fds are passed on, and LISTEN_PID names the process that gets them. */
  if (listen_fds > 0)
    {
      if (asprintf (&env[n++], "LISTEN_FDS=%d", listen_fds) < 0 || asprintf (&env[n++], "LISTEN_PID=%d", getpid ()) < 0)
        return keel_err (err, ENOMEM, "environment");
    }
  /* As runc: a process without HOME gets its user's home from the
   * container's /etc/passwd. */
  if (env_get (env, "HOME") == NULL)
    {
      _cleanup_free_ char *home = passwd_home (p->user.uid);
      if (home == NULL || asprintf (&env[n++], "HOME=%s", home) < 0)
        return keel_err (err, ENOMEM, "environment");
    }
  exe = lookup (p->args[0], env);
  if (exe == NULL)
    return keel_err (err, 0, "exec `%s`: executable file not found in $PATH", p->args[0]);
  execve (exe, p->args, env);
  return keel_err_errno (err, "exec `%s`", exe);
}
