/* Unit tests for imagetool/layer.c: id maps, in-root resolution, tree removal, in-memory layers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "layer.h"
#include "tap.h"

static void test_id_maps (void)
{
  _cleanup_free_ struct layer_id_map *m = NULL;
  size_t n = 0;
  uint32_t out = 0;
  keel_error *err = NULL;

  tap_ok (layer_id_map_apply (NULL, 0, 1234, &out) == 0 && out == 1234, "no map: identity");
  tap_ok (layer_id_map_parse ("0:100000:1000", &m, &n, &err) == 0, "parse a range");
  tap_ok (layer_id_map_parse ("5000:7:1", &m, &n, &err) == 0 && n == 2, "parse a second range");
  tap_ok (layer_id_map_apply (m, n, 0, &out) == 0 && out == 100000, "0 -> 100000");
  tap_ok (layer_id_map_apply (m, n, 999, &out) == 0 && out == 100999, "last id of the range");
  tap_ok (layer_id_map_apply (m, n, 1000, &out) < 0, "just past the range is unmapped");
  tap_ok (layer_id_map_apply (m, n, 5000, &out) == 0 && out == 7, "second range");
  const char *bad[] = { "1:2", "a:b:c", "1:2:0", "1:2:3x", "4294967295:0:2", "-1:0:1", NULL };
  for (size_t i = 0; bad[i]; i++)
    {
      tap_ok (layer_id_map_parse (bad[i], &m, &n, &err) < 0 && n == 2, "refuse \"%s\"", bad[i]);
      tap_like (err ? err->msg : NULL, "expected CONTAINER:HOST:SIZE", "error explains the format");
      keel_error_free (err);
      err = NULL;
    }
}

static void test_in_root (const char *dir)
{
  _cleanup_free_ char *root = NULL, *outside = NULL;
  _cleanup_close_ int rootfd = -1, fd = -1;
  keel_error *err = NULL;
  struct stat st;

  if (asprintf (&root, "%s/root", dir) < 0 || asprintf (&outside, "%s/outside", dir) < 0)
    abort ();
  mkdir (root, 0755);
  mkdir (outside, 0755);
  rootfd = open (root, O_RDONLY | O_DIRECTORY);
  tap_ok (symlinkat (outside, rootfd, "abs") == 0 && symlinkat ("../../../..", rootfd, "up") == 0
              && mkdirat (rootfd, "inside", 0755) == 0,
          "fixture");
  fd = layer_open_in_root (rootfd, "abs", O_PATH | O_DIRECTORY);
  tap_ok (fd < 0 && errno == ENOENT, "an absolute symlink to a host dir resolves inside the rootfs (absent there)");
  fd = layer_open_in_root (rootfd, "up/inside", O_PATH | O_DIRECTORY);
  tap_ok (fd >= 0 && fstat (fd, &st) == 0, "'..' stops at the rootfs: up/inside is /inside");
  close (keel_steal_fd (fd));
  fd = layer_open_in_root (rootfd, "/proc/self/root", O_PATH);
  tap_ok (fd < 0, "no way out through the host's /proc");

  /* layer_remove_tree never follows a symlink */
  int ofd = openat (AT_FDCWD, outside, O_RDONLY | O_DIRECTORY);
  close (openat (ofd, "keep", O_CREAT | O_WRONLY, 0644));
  symlinkat (outside, rootfd, "link-to-outside");
  mkdirat (rootfd, "tree", 0755);
  symlinkat (outside, rootfd, "tree/l");
  tap_ok (layer_remove_tree (rootfd, "tree", &err) == 0 && layer_remove_tree (rootfd, "link-to-outside", &err) == 0,
          "remove a tree holding symlinks");
  tap_ok (faccessat (ofd, "keep", F_OK, 0) == 0, "the symlinks' targets are untouched");
  tap_ok (layer_remove_tree (rootfd, "absent", &err) == 0, "removing an absent path is fine");
  close (ofd);
}

/* A one-entry ustar archive in memory, through a pipe. */
static int tar_fd (const char *name, const char *data)
{
  static char buf[2048 + 1024];
  int p[2];
  memset (buf, 0, sizeof (buf));
  strcpy (buf, name);
  sprintf (buf + 100, "%07o", 0644);
  sprintf (buf + 108, "%07o", 0);
  sprintf (buf + 116, "%07o", 0);
  sprintf (buf + 124, "%011o", (unsigned)strlen (data));
  sprintf (buf + 136, "%011o", 1600000000);
  buf[156] = '0';
  memcpy (buf + 257, "ustar", 6);
  memcpy (buf + 263, "00", 2);
  memset (buf + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; i++)
    sum += (unsigned char)buf[i];
  sprintf (buf + 148, "%06o", sum);
  memcpy (buf + 512, data, strlen (data));
  if (pipe (p) < 0 || write (p[1], buf, sizeof (buf)) != (ssize_t)sizeof (buf))
    abort ();
  close (p[1]);
  return p[0];
}

static void test_apply (const char *dir)
{
  _cleanup_free_ char *root = NULL;
  _cleanup_close_ int rootfd = -1;
  struct layer_options o = { 0 };
  keel_error *err = NULL;
  uint64_t consumed = 0;
  char got[16] = { 0 };
  int fd;

  if (asprintf (&root, "%s/apply", dir) < 0)
    abort ();
  mkdir (root, 0755);
  rootfd = open (root, O_RDONLY | O_DIRECTORY);
  fd = tar_fd ("../../hello", "hi");
  tap_ok (layer_apply (rootfd, fd, &o, &consumed, &err) == 0, "apply an in-memory layer from a pipe");
  close (fd);
  tap_ok (consumed == 3072, "consumed counts the decompressed bytes (%llu)", (unsigned long long)consumed);
  int f = openat (rootfd, "hello", O_RDONLY);
  tap_ok (f >= 0 && read (f, got, sizeof (got)) == 2 && strcmp (got, "hi") == 0, "../../hello landed as /hello");
  if (f >= 0)
    close (f);
  o.max_size = 4000;
  fd = tar_fd ("again", "x");
  tap_ok (layer_apply (rootfd, fd, &o, &consumed, &err) < 0, "the bound covers earlier layers too");
  tap_like (err ? err->msg : NULL, "exceeds the limit of 4000 bytes", "error names the limit");
  close (fd);
  keel_error_free (err);
  err = NULL;
  o.max_size = 0;
  o.media_type = "application/vnd.oci.image.config.v1+json";
  fd = tar_fd ("x", "x");
  tap_ok (layer_apply (rootfd, fd, &o, NULL, &err) < 0, "a config media type is not a layer");
  tap_like (err ? err->msg : NULL, "application/vnd.oci.image.config.v1+json", "error names the type");
  close (fd);
  keel_error_free (err);
}

int main (void)
{
  char tmpl[] = "/tmp/test_layer.XXXXXX";
  char *dir = mkdtemp (tmpl);
  keel_error *err = NULL;

  test_id_maps ();
  if (dir == NULL)
    tap_skip ("no temp dir");
  else
    {
      test_in_root (dir);
      test_apply (dir);
      layer_remove_tree (AT_FDCWD, dir, &err);
      keel_error_free (err);
    }
  return tap_done ();
}
