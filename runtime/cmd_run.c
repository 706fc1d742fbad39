/* runtime run: create + start, then wait and exit with the container's status (or detach with -d). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "fsutil.h"

int create_parse_flags (const char *verb, int argc, char **argv, create_opts *o, bool *detach, bool *keep,
                        keel_error **err);

enum pump_result
{
  PUMP_OUT_GONE = -1, /* OUT failed (EPIPE: our reader went away) */
  PUMP_IN_DONE = 0,   /* EOF or error on IN */
  PUMP_MORE = 1,
};

/* Copy what is readable from IN to OUT. */
static enum pump_result pump (int in, int out)
{
  char buf[4096];
  ssize_t n = read (in, buf, sizeof (buf));
  if (n <= 0)
    return n < 0 && errno == EINTR ? PUMP_MORE : PUMP_IN_DONE;
  return write_all (out, buf, (size_t)n) < 0 ? PUMP_OUT_GONE : PUMP_MORE;
}

static void hang_up (int pty)
{
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || dup3 (null, pty, O_CLOEXEC) < 0)
    close (pty);
  if (null >= 0)
    close (null);
}

static void copy_winsize (int from, int to)
{
  struct winsize ws;
  if (ioctl (from, TIOCGWINSZ, &ws) == 0)
    ioctl (to, TIOCSWINSZ, &ws);
}

/* Wait for PID, forwarding signals to it and, with a pty, proxying stdio and window size. */
int container_wait_child (pid_t pid, int pty)
{
  sigset_t set;
  int sfd, status = 0;
  struct termios saved;
  bool raw = false, in_open = true;

  sigemptyset (&set);
  for (int s = 1; s < SIGRTMIN; s++)
    if (s != SIGKILL && s != SIGSTOP && s != SIGSEGV && s != SIGBUS && s != SIGILL && s != SIGFPE && s != SIGTTIN
        && s != SIGTTOU && s != SIGTSTP && s != SIGPIPE)
      sigaddset (&set, s);
  sigprocmask (SIG_BLOCK, &set, NULL);
  sfd = signalfd (-1, &set, SFD_CLOEXEC);
  if (pty >= 0 && isatty (0) && tcgetattr (0, &saved) == 0)
    {
      struct termios t = saved;
      cfmakeraw (&t);
      raw = tcsetattr (0, TCSANOW, &t) == 0;
      copy_winsize (0, pty);
    }
  for (;;)
    {
      /* The child may have exited before SIGCHLD was blocked: check every round. */
      if (waitpid (pid, &status, WNOHANG) == pid)
        break;
      struct pollfd p[3] = { { sfd, POLLIN, 0 }, { pty, POLLIN, 0 }, { in_open && pty >= 0 ? 0 : -1, POLLIN, 0 } };
      struct signalfd_siginfo si;
      if (poll (p, 3, -1) < 0 && errno != EINTR)
        break;
      if ((p[0].revents & POLLIN) && read (sfd, &si, sizeof (si)) == sizeof (si))
        {
          if (si.ssi_signo == SIGCHLD)
            continue;
          if (si.ssi_signo == SIGWINCH && pty >= 0)
            copy_winsize (0, pty);
          else
            kill (pid, (int)si.ssi_signo);
        }
      if (pty >= 0 && (p[1].revents & (POLLIN | POLLHUP)))
        switch (pump (pty, 1))
          {
          case PUMP_OUT_GONE:
            /* Nobody reads our stdout (`run … | head`): hang up the
             * container's terminal, as closing a terminal window would, so
             * the process gets SIGHUP/EIO instead of writing forever into a
             * pty nobody drains; we still wait for it and clean up. The
             * caller closes PTY: dup2 closes the master and leaves
             * /dev/null in its place. */
            hang_up (pty);
            /* fall through */
          case PUMP_IN_DONE:
            pty = -1;
            break;
          case PUMP_MORE:
            break;
          }
      if (p[2].revents & (POLLIN | POLLHUP) && pump (0, pty) != PUMP_MORE)
        in_open = false;
    }
  /* What the process wrote just before exiting is still in the pty. */
  if (pty >= 0 && fcntl (pty, F_SETFL, O_NONBLOCK) == 0)
    while (pump (pty, 1) == PUMP_MORE)
      ;
  if (raw)
    tcsetattr (0, TCSANOW, &saved);
  close (sfd);
  sigprocmask (SIG_UNBLOCK, &set, NULL);
  /* runc's convention: 128+N when the process was killed by signal N. */
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}

static void delete_quietly (runtime_globals *g, const char *id)
{
  _cleanup_runtime_state_ runtime_state *st = NULL;
  keel_error *e = NULL;
  state_dir sd;
  if (container_load (g, id, &sd, &st, &e) == 0)
    {
      container_destroy (g, &sd, st, true, &e);
      state_dir_close (&sd);
    }
  if (e != NULL)
    {
      log_error (&g->log, e);
      keel_error_free (e);
    }
}

int cmd_run (runtime_globals *g, int argc, char **argv, keel_error **err)
{
  create_opts o = { 0 };
  bool detach = false, keep = false;
  pid_t pid;
  int pty = -1, r, status;

  r = create_parse_flags ("run", argc, argv, &o, &detach, &keep, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  o.foreground = !detach;
  if (container_create (g, &o, &pid, &pty, err) < 0)
    return keel_err_prefix (err, "run %s", o.id);
  if (container_start (g, o.id, err) < 0)
    {
      keel_err_prefix (err, "run %s", o.id);
      if (pty >= 0)
        close (pty);
      delete_quietly (g, o.id);
      return -1;
    }
  if (detach)
    return 0;
  status = container_wait_child (pid, pty);
  if (pty >= 0)
    close (pty);
  if (!keep)
    delete_quietly (g, o.id);
  return status;
}
