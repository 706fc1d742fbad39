/* Test seccomp agent: takes the state and notify fd from listenerPath (SCMP_ACT_NOTIFY) and answers notifications. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

/* Usage: seccomp-agent SOCKET STATE_FILE LOG_FILE SYSCALL ANSWER
 * Listens on SOCKET (created under a temporary name and renamed into place, so
 * it exists only once it accepts), takes one connection, writes the JSON it
 * received to STATE_FILE and "fds=N" (the number of fds) to LOG_FILE, then
 * answers every notification: SYSCALL gets ANSWER ("errno:N" makes it fail with
 * N, a number is returned as its value), anything else continues as if not
 * filtered. Each notification adds "notify NAME" to LOG_FILE. It exits when
 * the filter has no more users. */

struct answer
{
  const char *syscall;
  long long value;
  int error;
};

static int die (const char *what)
{
  fprintf (stderr, "seccomp-agent: %s: %s\n", what, strerror (errno));
  return 1;
}

static int listen_at (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  _cleanup_free_ char *tmp = NULL;
  if (asprintf (&tmp, "%s.tmp", path) < 0 || strlen (tmp) >= sizeof addr.sun_path)
    return -1;
  strcpy (addr.sun_path, tmp);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  unlink (tmp);
  if (fd < 0 || bind (fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen (fd, 1) < 0 || rename (tmp, path) < 0)
    return -1;
  return fd;
}

/* One connection: the fd arrives with the first bytes, the document follows until EOF. */
static int receive_state (int conn, char **doc, int *nfds)
{
  union
  {
    char buf[CMSG_SPACE (4 * sizeof (int))];
    struct cmsghdr align;
  } control;
  size_t cap = 4096, len = 0;
  char *buf = malloc (cap);
  int fd = -1;
  struct iovec iov = { .iov_base = buf, .iov_len = cap - 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  ssize_t n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  if (n <= 0)
    return -1;
  len = n;
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  *nfds = 0;
  if (c != NULL && c->cmsg_type == SCM_RIGHTS)
    {
      *nfds = (c->cmsg_len - CMSG_LEN (0)) / sizeof (int);
      memcpy (&fd, CMSG_DATA (c), sizeof fd);
    }
  for (;;)
    {
      if (len + 1 >= cap)
        buf = realloc (buf, cap *= 2);
      n = read (conn, buf + len, cap - len - 1);
      if (n <= 0)
        break;
      len += n;
    }
  buf[len] = '\0';
  *doc = buf;
  return fd;
}

static void respond (int notify_fd, struct answer *a, FILE *log)
{
  struct seccomp_notif *req;
  struct seccomp_notif_resp *resp;
  if (seccomp_notify_alloc (&req, &resp) < 0)
    return;
  if (seccomp_notify_receive (notify_fd, req) == 0)
    {
      _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch (req->data.arch, req->data.nr);
      bool ours = name != NULL && strcmp (name, a->syscall) == 0;
      fprintf (log, "notify %s\n", name ? name : "?");
      fflush (log);
      resp->id = req->id;
      resp->flags = ours ? 0 : SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      resp->error = ours ? -a->error : 0;
      resp->val = ours && a->error == 0 ? a->value : 0;
      /* ENOENT: the target died meanwhile; nothing to answer. */
      seccomp_notify_respond (notify_fd, resp);
    }
  seccomp_notify_free (req, resp);
}

int main (int argc, char **argv)
{
  if (argc != 6)
    {
      fprintf (stderr, "usage: seccomp-agent SOCKET STATE_FILE LOG_FILE SYSCALL ANSWER\n");
      return 2;
    }
  struct answer a = { .syscall = argv[4] };
  if (strncmp (argv[5], "errno:", 6) == 0)
    a.error = atoi (argv[5] + 6);
  else
    a.value = strtoll (argv[5], NULL, 0);
  _cleanup_fclose_ FILE *log = fopen (argv[3], "w");
  _cleanup_close_ int lfd = listen_at (argv[1]);
  if (log == NULL || lfd < 0)
    return die ("listen");
  _cleanup_close_ int conn = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
  _cleanup_free_ char *doc = NULL;
  int nfds = 0;
  if (conn < 0)
    return die ("accept");
  _cleanup_close_ int notify_fd = receive_state (conn, &doc, &nfds);
  if (notify_fd < 0)
    return die ("receiving the state");
  FILE *st = fopen (argv[2], "w");
  if (st == NULL)
    return die ("state file");
  fputs (doc, st);
  fclose (st);
  fprintf (log, "fds=%d\n", nfds);
  fflush (log);
  for (;;)
    {
      struct pollfd p = { .fd = notify_fd, .events = POLLIN };
      if (poll (&p, 1, -1) < 0 && errno != EINTR)
        return die ("poll");
      if (p.revents & POLLIN)
        respond (notify_fd, &a, log);
      else if (p.revents & (POLLHUP | POLLERR))
        break;
    }
  fprintf (log, "done\n");
  return 0;
}
