/* libFuzzer target: layer streams applied to a scratch rootfs; aborts when anything outside it changes. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "imagetool/layer.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* BASE/ holds rootfs/ (the target) and outside/canary (must never change). */
static char base[] = "/tmp/keel-fuzz-layer-XXXXXX";
static int basefd = -1;

/* libFuzzer leaves through exit(): the scratch tree goes with it. */
static void remove_base (void)
{
  _cleanup_error_ keel_error *err = NULL;
  layer_remove_tree (AT_FDCWD, base, &err);
}

static void setup_once (void)
{
  _cleanup_close_ int fd = -1;

  if (basefd >= 0)
    return;
  if (mkdtemp (base) == NULL || (basefd = open (base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0
      || mkdirat (basefd, "outside", 0755) < 0
      || (fd = openat (basefd, "outside/canary", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0
      || write (fd, "keep", 4) != 4 || atexit (remove_base) != 0)
    abort ();
}

static size_t count_entries (int dirfd, const char *name)
{
  int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = fd < 0 ? NULL : fdopendir (fd);
  struct dirent *e;
  size_t n = 0;

  if (d == NULL)
    abort ();
  while ((e = readdir (d)) != NULL)
    n += strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0;
  closedir (d);
  return n;
}

/* The invariant: BASE holds exactly rootfs/ and outside/, outside/ exactly the untouched canary. */
static void assert_contained (void)
{
  struct stat st;
  char buf[8] = { 0 };
  _cleanup_close_ int fd = openat (basefd, "outside/canary", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || (st.st_mode & 07777) != 0644 || st.st_nlink != 1
      || st.st_uid != getuid () || read (fd, buf, sizeof buf) != 4 || memcmp (buf, "keep", 4) != 0)
    abort ();
  if (count_entries (basefd, ".") != 2 || count_entries (basefd, "outside") != 1)
    abort ();
  if (fstatat (basefd, "rootfs", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (st.st_mode))
    abort ();
}

/* Structured inputs: 4-byte records → tar entries whose names and targets come from tables full of
 * escape attempts, so that most inputs reach the path logic instead of failing tar checksums. */
static const char *const components[]
    = { "a", "b", "..", ".", "outside", "canary", ".wh.a", ".wh..wh..opq", ".wh.b", ".wh..", "c", "" };
#define N_COMPONENTS (sizeof (components) / sizeof (components[0]))

static char *make_path (uint8_t sel, uint8_t sel2, int absolute)
{
  const char *a = components[sel % N_COMPONENTS], *b = components[(sel / N_COMPONENTS) % N_COMPONENTS];
  const char *c = components[sel2 % N_COMPONENTS];
  char *p = NULL;
  int depth = (sel2 / N_COMPONENTS) % 3;

  if (asprintf (&p, "%s%s%s%s%s%s%s", absolute ? base : "", absolute ? "/" : "", a, depth > 0 ? "/" : "",
                depth > 0 ? b : "", depth > 1 ? "/" : "", depth > 1 ? c : "")
      < 0)
    abort ();
  return p;
}

static const char *link_target (uint8_t sel)
{
  static const char *const t[] = { "..", "../..", "/", "a", "../outside", "/proc/self/root", "a/b", "." };
  if (sel >= sizeof (t) / sizeof (t[0]))
    return NULL; /* make_path decides */
  return t[sel];
}

static void add_entry (struct archive *w, const uint8_t rec[4])
{
  static const char body[] = "pwned";
  _cleanup_free_ char *path = make_path (rec[1], rec[2], rec[0] & 0x80);
  _cleanup_free_ char *target = NULL;
  struct archive_entry *e = archive_entry_new ();
  int type = (rec[0] & 0x7f) % 5;

  archive_entry_set_pathname (e, path);
  archive_entry_set_perm (e, (rec[3] & 1) ? 0777 : 0644 | ((rec[3] & 2) ? 04000 : 0));
  archive_entry_set_mtime (e, rec[3], 0);
  if (type == 3 || type == 4)
    {
      const char *t = link_target (rec[3] >> 2);
      target = t != NULL ? strdup (t) : make_path (rec[3], rec[2] ^ rec[1], rec[3] & 0x40);
    }
  switch (type)
    {
    case 0:
    case 1:
      archive_entry_set_filetype (e, AE_IFREG);
      archive_entry_set_size (e, type == 0 ? sizeof body - 1 : 0);
      break;
    case 2:
      archive_entry_set_filetype (e, AE_IFDIR);
      break;
    case 3:
      archive_entry_set_filetype (e, AE_IFLNK);
      archive_entry_set_symlink (e, target);
      break;
    default:
      archive_entry_set_filetype (e, AE_IFREG);
      archive_entry_set_hardlink (e, target);
      break;
    }
  if (archive_write_header (w, e) == ARCHIVE_OK && type == 0)
    archive_write_data (w, body, sizeof body - 1);
  archive_entry_free (e);
}

/* Build one tar (gzip'ed when GZIP) from RECS into the memfd FD. */
static void write_layer (int fd, const uint8_t *recs, size_t n, int gzip)
{
  size_t cap = 1024 + n * 2048, used = 0;
  _cleanup_free_ char *buf = malloc (cap);
  struct archive *w = archive_write_new ();

  if (buf == NULL || w == NULL || archive_write_set_format_pax_restricted (w) != ARCHIVE_OK
      || (gzip && archive_write_add_filter_gzip (w) != ARCHIVE_OK)
      || archive_write_open_memory (w, buf, cap, &used) != ARCHIVE_OK)
    abort ();
  for (size_t i = 0; i < n; i++)
    add_entry (w, recs + 4 * i);
  archive_write_close (w);
  archive_write_free (w);
  if (ftruncate (fd, 0) < 0 || pwrite (fd, buf, used, 0) != (ssize_t)used || lseek (fd, 0, SEEK_SET) < 0)
    abort ();
}

static void apply_fd (int rootfd, int fd, bool rootless, uint64_t *consumed)
{
  _cleanup_error_ keel_error *err = NULL;
  struct layer_options o = { .max_size = 4 << 20, .max_entry_size = 1 << 20, .rootless = rootless };
  log_options quiet = { .fd = 2 };

  quiet.level = LOG_LEVEL_ERROR;
  o.log = &quiet;
  layer_apply (rootfd, fd, &o, consumed, &err);
  assert_contained ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_close_ int rootfd = -1, fd = memfd_create ("layer", MFD_CLOEXEC);
  uint64_t consumed = 0;

  if (size == 0)
    return 0;
  setup_once ();
  if (fd < 0 || layer_remove_tree (basefd, "rootfs", &err) < 0 || mkdirat (basefd, "rootfs", 0755) < 0
      || (rootfd = openat (basefd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    abort ();
  if ((data[0] & 1) == 0)
    {
      /* raw bytes: the compression sniffing and tar reader; rootless, so no device node is ever made */
      if (pwrite (fd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
        abort ();
      apply_fd (rootfd, fd, true, &consumed);
      return 0;
    }
  /* structured: up to three layers of records, separated by a record whose first byte is 0x7f */
  size_t n = (size - 1) / 4, start = 0;
  const uint8_t *recs = data + 1;
  for (size_t i = 0; i <= n && start < n; i++)
    if (i == n || recs[4 * i] == 0x7f)
      {
        write_layer (fd, recs + 4 * start, i - start, data[0] & 2);
        apply_fd (rootfd, fd, false, &consumed);
        start = i + 1;
      }
  return 0;
}
