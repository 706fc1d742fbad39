/* The container side of create/exec: clone3, the sync protocol with the parent, setup, the final exec. */
#include "config.h"
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "lsm.h"

#define SYNC_MAX 65536

int sync_send (int fd, enum sync_type type, const char *text, int pass_fd, keel_error **err)
{
  size_t tl = text != NULL ? strlen (text) : 0;
  _cleanup_free_ char *buf = malloc (sizeof (int) + tl);
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov;
  struct msghdr msg = { 0 };

  if (buf == NULL)
    return keel_err (err, ENOMEM, "sync");
  if (tl > SYNC_MAX - sizeof (int))
    tl = SYNC_MAX - sizeof (int);
  memcpy (buf, &type, sizeof (int));
  if (tl > 0)
    memcpy (buf + sizeof (int), text, tl);
  iov.iov_base = buf;
  iov.iov_len = sizeof (int) + tl;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (pass_fd >= 0)
    {
      struct cmsghdr *c;
      memset (cbuf, 0, sizeof (cbuf));
      msg.msg_control = cbuf;
      msg.msg_controllen = sizeof (cbuf);
      c = CMSG_FIRSTHDR (&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (c), &pass_fd, sizeof (int));
    }
  while (sendmsg (fd, &msg, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return keel_err_errno (err, "sync: send");
  return 0;
}

int sync_recv (int fd, enum sync_type *type, char **text, int *fd_out, keel_error **err)
{
  _cleanup_free_ char *buf = malloc (SYNC_MAX + 1);
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { buf, SYNC_MAX };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  ssize_t n;

  if (buf == NULL)
    return keel_err (err, ENOMEM, "sync");
  if (fd_out != NULL)
    *fd_out = -1;
  while ((n = recvmsg (fd, &msg, MSG_CMSG_CLOEXEC)) < 0)
    if (errno != EINTR)
      return keel_err_errno (err, "sync: receive");
  if (n == 0)
    return keel_err (err, 0, "the container's init exited unexpectedly");
  if ((size_t)n < sizeof (int))
    return keel_err (err, 0, "sync: short message");
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        int got;
        memcpy (&got, CMSG_DATA (c), sizeof (int));
        if (fd_out != NULL)
          *fd_out = got;
        else
          close (got);
      }
  memcpy (type, buf, sizeof (int));
  buf[n] = '\0';
  if (text != NULL)
    {
      *text = (size_t)n > sizeof (int) ? strdup (buf + sizeof (int)) : NULL;
    }
  return 0;
}

int sync_expect (int fd, enum sync_type expected, char **text, int *fd_out, keel_error **err)
{
  enum sync_type t;
  _cleanup_free_ char *s = NULL;

  if (sync_recv (fd, &t, &s, fd_out, err) < 0)
    return -1;
  if (t == SYNC_ERROR)
    return keel_err (err, 0, "%s", s != NULL ? s : "the peer failed");
  if (t != expected)
    return keel_err (err, 0, "sync: expected message %d, got %d", expected, t);
  if (text != NULL)
    *text = keel_steal_ptr (s);
  return 0;
}

int sync_expect_ready (int fd, const struct rc_seccomp *s, pid_t process_pid, const char *state_json, keel_error **err)
{
  _cleanup_free_ char *text = NULL;
  enum sync_type t;
  int notify = -1, r;

  if (sync_recv (fd, &t, &text, &notify, err) < 0)
    return -1;
  if (t != SYNC_SECCOMP)
    {
      if (notify >= 0)
        close (notify);
      if (t == SYNC_ERROR)
        return keel_err (err, 0, "%s", text != NULL ? text : "the container's process failed");
      if (t != SYNC_READY)
        return keel_err (err, 0, "sync: expected message %d, got %d", SYNC_READY, t);
      return 0;
    }
  if (notify < 0 || s == NULL || s->listener_path == NULL)
    {
      if (notify >= 0)
        close (notify);
      return keel_err (err, 0, "linux.seccomp: unexpected notify fd");
    }
  /* config-linux.md "Seccomp": a failure to send to listenerPath MUST be an error. */
  r = seccomp_send_listener_for (s->listener_path, notify, process_pid, state_json, s->listener_metadata, err);
  close (notify);
  /* The child waits for this before it goes on: without it an exec'd process
   * could run before the parent learnt that listenerPath refused the fd. */
  if (r < 0 || sync_send (fd, SYNC_SECCOMP_DONE, NULL, -1, err) < 0)
    return -1;
  return sync_expect (fd, SYNC_READY, NULL, NULL, err);
}

pid_t init_clone (unsigned long flags, int cgroup_fd, int (*fn) (void *), void *arg, keel_error **err)
{
  struct clone_args ca = { 0 };
  long pid;

  /* No CLONE_VM: this behaves like fork, so the child keeps a private copy
   * of the parsed config and needs no re-exec of the runtime. */
  ca.flags = flags;
  ca.exit_signal = SIGCHLD;
  /* cgroup v2: the child starts life in the container's cgroup (no window
   * where it runs, or forks, outside it). */
  if (cgroup_fd >= 0)
    {
      ca.flags |= CLONE_INTO_CGROUP;
      ca.cgroup = (uint64_t)cgroup_fd;
    }
  pid = syscall (SYS_clone3, &ca, sizeof (ca));
  if (pid < 0)
    return keel_err_errno (err, "clone3");
  if (pid == 0)
    _exit (fn (arg));
  return (pid_t)pid;
}

/* Report the error to the parent and leave: the parent unwinds. */
static int child_fail (int sync_fd, keel_error *err)
{
  sync_send (sync_fd, SYNC_ERROR, err != NULL ? err->msg : "unknown error", -1, NULL);
  keel_error_free (err);
  return 1;
}

static int set_names (const struct runtime_config *cfg, keel_error **err)
{
  if (cfg->hostname != NULL && sethostname (cfg->hostname, strlen (cfg->hostname)) < 0)
    return keel_err_errno (err, "sethostname `%s`", cfg->hostname);
  if (cfg->domainname != NULL && setdomainname (cfg->domainname, strlen (cfg->domainname)) < 0)
    return keel_err_errno (err, "setdomainname `%s`", cfg->domainname);
  return 0;
}

/* Leaves the fifo's write end open (close-on-exec): `start` reads until EOF,
 * so it returns, and runs poststart, only once the user process was executed
 * (runtime.md "Lifecycle": startContainer hooks, then the user process, then poststart). */
static int wait_for_start (const init_args *a, keel_error **err)
{
  char path[64];
  int fd;

  /* The runc way: opening the fifo for writing blocks until `start` opens it
   * for reading. The fd was opened before pivot_root, so reach it via /proc. */
  snprintf (path, sizeof (path), "/proc/self/fd/%d", a->fifo_fd);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return keel_err_errno (err, "open exec fifo");
  if (write (fd, "0", 1) != 1)
    {
      close (fd);
      return keel_err_errno (err, "write exec fifo");
    }
  close (a->fifo_fd);
  return 0;
}

/* CVE-2019-5736: until it execs the user process, this clone of the runtime
 * must not be reachable through /proc/<pid>/exe (the runtime binary) or
 * /proc/<pid>/mem from the container. Non-dumpable, ptrace access (and with it
 * those files) needs CAP_SYS_PTRACE over the runtime's user namespace, the
 * host's. execve makes the user process dumpable again. The
 * create init does this only after SYNC_GO: the parent (or newuidmap, when
 * rootless) must still open its /proc/<pid>/uid_map, which becomes root's. */
static int make_undumpable (keel_error **err)
{
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return keel_err_errno (err, "prctl(PR_SET_DUMPABLE)");
  return 0;
}

static int container_setup (const init_args *a, char **state_json, keel_error **err)
{
  const struct runtime_config *cfg = a->cfg;
  unsigned long clone_flags = 0, unshare_flags = 0;

  if (sync_expect (a->sync_fd, SYNC_GO, NULL, NULL, err) < 0 || make_undumpable (err) < 0)
    return -1;
  /* Before any mount: a label the host cannot apply fails create (lsm.h). */
  if (lsm_check (a->process, cfg->linux_ != NULL ? cfg->linux_->mount_label : NULL, err) < 0)
    return -1;
  if (ns_clone_flags (cfg, &clone_flags, &unshare_flags, err) < 0)
    return -1;
  if ((clone_flags & CLONE_NEWUSER) && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    return keel_err_errno (err, "become root in the user namespace");
  if (ns_join_paths (cfg, false, err) < 0)
    return -1;
  if (unshare_flags != 0 && unshare ((int)unshare_flags) < 0)
    return keel_err_errno (err, "unshare namespaces");
  if (set_names (cfg, err) < 0)
    return -1;
  if (rootfs_prepare (a, err) < 0)
    return -1;
  /* runtime.md "Lifecycle" 5-6: prestart and createRuntime run in the runtime namespace (the parent). */
  if (sync_send (a->sync_fd, SYNC_HOOKS, NULL, -1, err) < 0
      || sync_expect (a->sync_fd, SYNC_HOOKS_DONE, state_json, NULL, err) < 0)
    return -1;
  /* config.md "createContainer Hooks": in the container namespace, after the
   * mount namespace is set up and before pivot_root. */
  if (hooks_run (cfg, RC_HOOK_CREATE_CONTAINER, *state_json, err) < 0)
    return -1;
  if (rootfs_finish (a, err) < 0)
    return -1;
  if (a->terminal && terminal_setup (a, err) < 0)
    return -1;
  return process_apply (a, err);
}

int init_container_main (void *arg)
{
  const init_args *a = arg;
  keel_error *err = NULL;
  _cleanup_free_ char *state_json = NULL;

  /* runtime.md: nothing of the runtime but the preserved fds may reach the
   * process; ours stay usable until the exec. */
  syscall (SYS_close_range, 3 + a->keep_fds, ~0U, CLOSE_RANGE_CLOEXEC);
  if (a->lock_fd >= 0)
    close (a->lock_fd);
  /* Our copy of the parent's end would keep the socket open after a killed
   * create: the sync below would then wait forever instead of failing. */
  if (a->peer_fd > 2)
    close (a->peer_fd);
  /* Modes of devices and directories we create are meant literally; the
   * process's umask is set later from process.user.umask. */
  umask (0);
  /* A missing or non-executable args[0] fails create (as runc), not start. */
  if (container_setup (a, &state_json, &err) < 0 || process_check_exec (a->process, &err) < 0)
    return child_fail (a->sync_fd, err);
  if (sync_send (a->sync_fd, SYNC_READY, NULL, -1, &err) < 0)
    return child_fail (a->sync_fd, err);
  close (a->sync_fd);
  /* From here on the parent may be gone: errors go to the process's stderr. */
  if (wait_for_start (a, &err) < 0 || hooks_run (a->cfg, RC_HOOK_START_CONTAINER, state_json, &err) < 0
      || lsm_apply_exec (a->process, &err) < 0 || process_exec (a->process, a->listen_fds, &err) < 0)
    {
      fprintf (stderr, "runtime: start: %s\n", err->msg);
      keel_error_free (err);
      return 127;
    }
  return 127;
}

int init_exec_main (void *arg)
{
  const init_args *a = arg;
  keel_error *err = NULL;

  syscall (SYS_close_range, 3 + a->keep_fds, ~0U, CLOSE_RANGE_CLOEXEC);
  /* Before it joins anything: the container's processes are already there. */
  if (make_undumpable (&err) < 0 || sync_expect (a->sync_fd, SYNC_GO, NULL, NULL, &err) < 0)
    return child_fail (a->sync_fd, err);
  if (ns_join_paths (a->cfg, false, &err) < 0)
    return child_fail (a->sync_fd, err);
  if (a->terminal && terminal_setup (a, &err) < 0)
    return child_fail (a->sync_fd, err);
  if (process_apply (a, &err) < 0)
    return child_fail (a->sync_fd, err);
  if (sync_send (a->sync_fd, SYNC_READY, NULL, -1, &err) < 0)
    return child_fail (a->sync_fd, err);
  if (lsm_apply_exec (a->process, &err) < 0 || process_exec (a->process, a->listen_fds, &err) < 0)
    {
      /* The parent waits for exec (cloexec sync fd closes) or this message. */
      return child_fail (a->sync_fd, err) ? 127 : 127;
    }
  return 127;
}
