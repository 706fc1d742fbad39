/* process.terminal: a pty from the container's devpts, /dev/console, and the master sent over --console-socket. */
#include "config.h"
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"

static int bind_console (const char *slave_name, keel_error **err)
{
  struct stat st;
  int fd;

  /* config-linux.md "/dev/console": bind the pty slave there when a terminal is used. */
  if (lstat ("/dev/console", &st) < 0)
    {
      fd = open ("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd < 0)
        return keel_err_errno (err, "create /dev/console");
      close (fd);
    }
  else if (S_ISLNK (st.st_mode))
    return keel_err (err, 0, "/dev/console is a symlink in the rootfs");
  if (mount (slave_name, "/dev/console", NULL, MS_BIND, NULL) < 0)
    return keel_err_errno (err, "bind %s on /dev/console", slave_name);
  return 0;
}

int terminal_setup (const init_args *a, keel_error **err)
{
  _cleanup_close_ int master = -1;
  int slave;
  char name[64];

  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return keel_err_errno (err, "open /dev/ptmx");
  if (unlockpt (master) < 0 || ptsname_r (master, name, sizeof (name)) != 0)
    return keel_err_errno (err, "unlock pty");
  slave = open (name, O_RDWR | O_NOCTTY);
  if (slave < 0)
    return keel_err_errno (err, "open %s", name);
  if (a->process->has_console_size)
    {
      struct winsize ws = { .ws_row = (unsigned short)a->process->console_size.height,
                            .ws_col = (unsigned short)a->process->console_size.width };
      if (ioctl (slave, TIOCSWINSZ, &ws) < 0)
        return keel_err_errno (err, "process.consoleSize");
    }
  if (a->fifo_fd >= 0 && bind_console (name, err) < 0)
    return -1;
  if (setsid () < 0 && errno != EPERM)
    return keel_err_errno (err, "setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return keel_err_errno (err, "make %s the controlling terminal", name);
  if (dup2 (slave, 0) < 0 || dup2 (slave, 1) < 0 || dup2 (slave, 2) < 0)
    return keel_err_errno (err, "dup pty to stdio");
  if (slave > 2)
    close (slave);
  return sync_send (a->sync_fd, SYNC_PTY, NULL, master, err);
}

int terminal_send_to_socket (const char *socket_path, int master, keel_error **err)
{
  _cleanup_close_ int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char cbuf[CMSG_SPACE (sizeof (int))];
  char name[] = "/dev/ptmx";
  struct iovec iov = { name, sizeof (name) - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *c;

  if (strlen (socket_path) >= sizeof (addr.sun_path))
    return keel_err (err, 0, "--console-socket: path too long: `%s`", socket_path);
  strcpy (addr.sun_path, socket_path);
  if (s < 0 || connect (s, (struct sockaddr *)&addr, sizeof (addr)) < 0)
    return keel_err_errno (err, "--console-socket: connect `%s`", socket_path);
  memset (cbuf, 0, sizeof (cbuf));
  c = CMSG_FIRSTHDR (&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &master, sizeof (int));
  if (sendmsg (s, &msg, MSG_NOSIGNAL) < 0)
    return keel_err_errno (err, "--console-socket: send the pty master to `%s`", socket_path);
  return 0;
}
