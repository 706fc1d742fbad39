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

/* Copy what is readable from IN to OUT; false at EOF/error. */
static bool pump (int in, int out)
{
  char buf[4096];
  ssize_t n = read (in, buf, sizeof (buf));
  if (n <= 0)
    return n < 0 && errno == EINTR;
  write_all (out, buf, (size_t)n);
  return true;
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
      if (pty >= 0 && (p[1].revents & (POLLIN | POLLHUP)) && !pump (pty, 1))
        pty = -1;
      if (p[2].revents & (POLLIN | POLLHUP) && !pump (0, pty))
        in_open = false;
    }
  /* What the process wrote just before exiting is still in the pty. */
  if (pty >= 0 && fcntl (pty, F_SETFL, O_NONBLOCK) == 0)
    while (pump (pty, 1))
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
