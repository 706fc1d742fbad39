/* CVE-2019-5736: create, run and exec run from a sealed memfd copy of the runtime binary, never from the file itself.
 */
#include "config.h"
#include "selfexe.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: memfd may be executed even with vm.memfd_noexec=1 */
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020 /* Linux 6.3: the mode's exec bits are frozen */
#endif

/* Set across the re-exec: a copy that does not look sealed afterwards must
 * not re-exec again (and again). */
#define SELFEXE_ENV "_KEEL_SEALED_EXE"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool running_sealed (void)
{
  _cleanup_close_ int fd = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  int seals = fd >= 0 ? fcntl (fd, F_GET_SEALS) : -1;
  return seals >= 0 && (seals & SEALS) == SEALS;
}

/* How much of the binary execve needs: up to the end of the furthest
 * segment its program headers describe. Section headers, symbol tables and
 * debug info come after them in a linked binary and stay out of the copy (a -g
 * build is 4x bigger than what is mapped: issue 9, copying it cost more than
 * the exec). Anything unexpected: the whole file. */
static off_t exec_extent (int fd, off_t size)
{
  ElfW (Ehdr) eh;
  ElfW (Phdr) ph[64];
  if (pread (fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp (eh.e_ident, ELFMAG, SELFMAG) != 0
      || eh.e_ident[EI_CLASS] != (sizeof (void *) == 8 ? ELFCLASS64 : ELFCLASS32) || eh.e_phentsize != sizeof ph[0]
      || eh.e_phnum == 0 || eh.e_phnum > sizeof ph / sizeof ph[0])
    return size;
  size_t bytes = eh.e_phnum * sizeof ph[0];
  if (pread (fd, ph, bytes, eh.e_phoff) != (ssize_t)bytes)
    return size;
  off_t end = eh.e_phoff + bytes;
  for (size_t i = 0; i < eh.e_phnum; i++)
    if ((off_t)(ph[i].p_offset + ph[i].p_filesz) > end)
      end = ph[i].p_offset + ph[i].p_filesz;
  return end < size ? end : size;
}

static int sealed_copy (keel_error **err)
{
  _cleanup_close_ int src = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  _cleanup_close_ int mfd = -1;
  struct stat st;

  if (src < 0 || fstat (src, &st) < 0)
    return keel_err_errno (err, "open /proc/self/exe");
  mfd = memfd_create ("runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL) /* before 6.3: no MFD_EXEC, and memfds are executable anyway */
    mfd = memfd_create ("runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return keel_err_errno (err, "memfd_create");
  off_t size = exec_extent (src, st.st_size);
  for (off_t off = 0; off < size;)
    {
      ssize_t n = sendfile (mfd, src, &off, size - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return keel_err (err, n < 0 ? errno : EIO, "copy /proc/self/exe into a memfd");
    }
  /* Nothing, the container included, can change the copy from now on. */
  if (fcntl (mfd, F_ADD_SEALS, SEALS | F_SEAL_EXEC) < 0 && fcntl (mfd, F_ADD_SEALS, SEALS) < 0)
    return keel_err_errno (err, "seal the memfd copy of the runtime");
  return keel_steal_fd (mfd);
}

int selfexe_seal (char **argv, keel_error **err)
{
  int mfd;

  if (running_sealed ())
    {
      /* fexecve named the process after the fd ("3"): take back the usual name for ps and pgrep. */
      const char *base = strrchr (argv[0], '/');
      prctl (PR_SET_NAME, base != NULL ? base + 1 : argv[0], 0, 0, 0);
      unsetenv (SELFEXE_ENV);
      return 0;
    }
  if (getenv (SELFEXE_ENV) != NULL)
    return keel_err (err, 0, "re-executing from a sealed copy of the runtime did not take effect");
  mfd = sealed_copy (err);
  if (mfd < 0)
    return keel_err_prefix (err, "protecting the runtime binary (CVE-2019-5736)");
  if (setenv (SELFEXE_ENV, "1", 1) < 0)
    return keel_err_errno (err, "setenv");
  /* argv and the environment are unchanged: the copy parses them afresh. */
  fexecve (mfd, argv, environ);
  keel_err_errno (err, "protecting the runtime binary (CVE-2019-5736): fexecve of the sealed copy");
  unsetenv (SELFEXE_ENV);
  close (mfd);
  return -1;
}
