/* Snapshot trees and modes: copy a tree by reflink, copy or hard link, and digest it independently of readdir order. */
#include "config.h"
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"
#include "fsutil.h"
#include "tree_pool.h"

/* ---- modes ---- */

int snapshot_mode_parse (const char *s, enum snapshot_mode *out, keel_error **err)
{
  static const enum snapshot_mode modes[]
      = { SNAPSHOT_OFF, SNAPSHOT_AUTO, SNAPSHOT_REFLINK, SNAPSHOT_COPY, SNAPSHOT_HARDLINK };
  for (size_t i = 0; i < sizeof (modes) / sizeof (modes[0]); i++)
    if (strcmp (s, snapshot_mode_name (modes[i])) == 0)
      {
        *out = modes[i];
        return 0;
      }
  return keel_err (err, 0, "invalid --snapshot \"%s\": expected auto, reflink, copy, hardlink or off", s);
}

const char *snapshot_mode_name (enum snapshot_mode m)
{
  switch (m)
    {
    case SNAPSHOT_AUTO:
      return "auto";
    case SNAPSHOT_REFLINK:
      return "reflink";
    case SNAPSHOT_COPY:
      return "copy";
    case SNAPSHOT_HARDLINK:
      return "hardlink";
    default:
      return "off";
    }
}

/* ---- one record per entry, hashed into the sums ---- */

struct rec
{
  char *p;
  size_t len, cap;
};

static int rec_add (struct rec *r, const void *data, size_t len)
{
  if (r->len + len > r->cap)
    {
      size_t cap = r->cap ? r->cap : 256;
      while (cap < r->len + len)
        cap *= 2;
      char *p = realloc (r->p, cap);
      if (p == NULL)
        return -1;
      r->p = p;
      r->cap = cap;
    }
  memcpy (r->p + r->len, data, len);
  r->len += len;
  return 0;
}

static int rec_printf (struct rec *r, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static int rec_printf (struct rec *r, const char *fmt, ...)
{
  char buf[256];
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (buf, sizeof (buf), fmt, ap);
  va_end (ap);
  if (n < 0 || (size_t)n >= sizeof (buf))
    return -1;
  return rec_add (r, buf, (size_t)n + 1); /* the NUL separates the fields */
}

/* sha256 of LEN bytes at DATA with a context and algorithm fetched once per walk (a fetch per call,
 * as EVP_Digest does, costs more than hashing a record). */
static int sha256 (EVP_MD_CTX *ctx, const EVP_MD *alg, const void *data, size_t len, unsigned char md[32])
{
  unsigned int n = 0;
  return EVP_DigestInit_ex (ctx, alg, NULL) == 1 && EVP_DigestUpdate (ctx, data, len) == 1
                 && EVP_DigestFinal_ex (ctx, md, &n) == 1 && n == 32
             ? 0
             : -1;
}

static int sum_add (EVP_MD_CTX *ctx, const EVP_MD *alg, struct tree_sum *t, const struct rec *r, keel_error **err)
{
  unsigned char md[32];

  if (sha256 (ctx, alg, r->p, r->len, md) < 0)
    return keel_err (err, 0, "sha256 failed");
  for (int i = 0; i < 4; i++)
    {
      uint64_t v = 0;
      for (int k = 0; k < 8; k++)
        v = (v << 8) | md[i * 8 + k];
      t->lane[i] += v; /* a sum: the order entries come in does not matter */
    }
  t->entries++;
  return 0;
}

void tree_sum_hex (const struct tree_sum *t, char *out)
{
  for (int i = 0; i < 4; i++)
    snprintf (out + i * 16, 17, "%016" PRIx64, t->lane[i]);
}

/* ---- xattrs, read once for the record and the copy ---- */

struct xattrs
{
  char *names; /* NUL-separated, as llistxattr gives them */
  ssize_t names_len;
  char **values;
  ssize_t *sizes;
  size_t n;
};

static void xattrs_clear (struct xattrs *x)
{
  for (size_t i = 0; i < x->n; i++)
    free (x->values[i]);
  free (x->values);
  free (x->sizes);
  free (x->names);
  memset (x, 0, sizeof (*x));
}

static int proc_path (char *buf, size_t size, int dirfd, const char *name, keel_error **err)
{
  int n = snprintf (buf, size, "/proc/self/fd/%d/%s", dirfd, name);
  if (n < 0 || (size_t)n >= size)
    return keel_err (err, ENAMETOOLONG, "`%s`", name);
  return 0;
}

static int xattr_value (const char *path, const char *key, char **out, ssize_t *size, keel_error **err)
{
  ssize_t n = lgetxattr (path, key, NULL, 0);
  if (n < 0 || (*out = malloc ((size_t)n + 1)) == NULL)
    return n < 0 ? keel_err_errno (err, "read xattr %s", key) : keel_err (err, ENOMEM, "xattrs");
  if ((*size = lgetxattr (path, key, *out, (size_t)n)) < 0)
    return keel_err_errno (err, "read xattr %s", key);
  return 0;
}

static int xattrs_read (int dirfd, const char *name, struct xattrs *x, keel_error **err)
{
  char path[PATH_MAX];
  ssize_t len;

  memset (x, 0, sizeof (*x));
  if (proc_path (path, sizeof (path), dirfd, name, err) < 0)
    return -1;
  len = llistxattr (path, NULL, 0);
  if (len <= 0)
    return len < 0 && errno != ENOTSUP ? keel_err_errno (err, "list xattrs of `%s`", name) : 0;
  if ((x->names = malloc ((size_t)len)) == NULL)
    return keel_err (err, ENOMEM, "xattrs");
  if ((x->names_len = llistxattr (path, x->names, (size_t)len)) < 0)
    return keel_err_errno (err, "list xattrs of `%s`", name);
  for (char *k = x->names; k < x->names + x->names_len; k += strlen (k) + 1)
    x->n++;
  if ((x->values = calloc (x->n, sizeof (char *))) == NULL || (x->sizes = calloc (x->n, sizeof (ssize_t))) == NULL)
    return keel_err (err, ENOMEM, "xattrs");
  size_t i = 0;
  for (char *k = x->names; k < x->names + x->names_len; k += strlen (k) + 1, i++)
    if (xattr_value (path, k, &x->values[i], &x->sizes[i], err) < 0)
      return keel_err_prefix (err, "`%s`", name);
  return 0;
}

/* ---- the walk ---- */

/* A source inode with several links, and where its first copy went. */
struct link_slot
{
  dev_t dev;
  ino_t ino;
  char *dst; /* relative to the destination root */
};

/* What the workers of one walk share: the copy's hard links, and the one warning about xattrs. */
struct walk_shared
{
  pthread_mutex_t mu;
  bool warned_xattr;
  struct link_slot *links; /* open addressing on (dev, ino) */
  size_t links_cap, links_len;
};

/* One worker of a walk: the walk's settings, its own sums (added up at the end: they do not depend on the
 * order entries come in), hash context and error. */
struct walk
{
  enum snapshot_mode mode; /* SNAPSHOT_OFF: digest only, nothing written */
  bool chown, rootless, content, no_reflink;
  bool chown_always; /* the destination root is setgid: new entries may not get the caller's group */
  uid_t euid;
  gid_t egid;
  mode_t umask; /* 0777 when unknown: every mode is then set explicitly */
  int dst_root;
  const log_options *log;
  struct walk_shared *sh;
  struct tree_pool *pool; /* of the job running */
  struct tree_sum shape, content_sum;
  EVP_MD_CTX *ctx;
  EVP_MD *alg;
  keel_error *err;
};

/* Called with sh->mu held. */
static struct link_slot *link_find (struct walk_shared *sh, const struct stat *st)
{
  if (sh->links_cap == 0)
    return NULL;
  for (size_t i = ((uint64_t)st->st_ino * 11400714819323198485ULL) & (sh->links_cap - 1);;
       i = (i + 1) & (sh->links_cap - 1))
    {
      struct link_slot *s = &sh->links[i];
      if (s->dst == NULL || (s->dev == st->st_dev && s->ino == st->st_ino))
        return s;
    }
}

static int link_add (struct walk_shared *sh, const struct stat *st, const char *dst)
{
  if ((sh->links_len + 1) * 2 > sh->links_cap)
    {
      struct link_slot *old = sh->links;
      size_t old_cap = sh->links_cap;
      sh->links_cap = old_cap ? old_cap * 2 : 64;
      if ((sh->links = calloc (sh->links_cap, sizeof (*old))) == NULL)
        return -1;
      for (size_t i = 0; i < old_cap; i++)
        if (old[i].dst != NULL)
          {
            struct stat k = { .st_dev = old[i].dev, .st_ino = old[i].ino };
            *link_find (sh, &k) = old[i];
          }
      free (old);
    }
  struct link_slot *s = link_find (sh, st);
  if ((s->dst = strdup (dst)) == NULL)
    return -1;
  s->dev = st->st_dev;
  s->ino = st->st_ino;
  sh->links_len++;
  return 0;
}

static void shared_clear (struct walk_shared *sh)
{
  for (size_t i = 0; i < sh->links_cap; i++)
    free (sh->links[i].dst);
  free (sh->links);
  pthread_mutex_destroy (&sh->mu);
}

static char *join (const char *dir, const char *name)
{
  char *p;
  if (asprintf (&p, "%s%s%s", dir, *dir ? "/" : "", name) < 0)
    return NULL;
  return p;
}

/* Opening the snapshot's files must not touch their atime: relatime would update it on the first read. */
static int open_src (int dirfd, const char *name, int flags)
{
  int fd = openat (dirfd, name, flags | O_NOATIME | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == EPERM) /* O_NOATIME needs the owner or CAP_FOWNER */
    fd = openat (dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
  return fd;
}

static int hash_data (struct walk *w, int fd, struct rec *r, keel_error **err)
{
  _cleanup_free_ char *buf = malloc (1 << 17);
  unsigned char md[32];
  char hex[65];
  unsigned int len = 0;
  ssize_t n = 0;
  int ok = buf != NULL && EVP_DigestInit_ex (w->ctx, w->alg, NULL) == 1;

  while (ok && (n = read (fd, buf, 1 << 17)) > 0)
    ok = EVP_DigestUpdate (w->ctx, buf, (size_t)n) == 1;
  ok = ok && n == 0 && EVP_DigestFinal_ex (w->ctx, md, &len) == 1;
  if (!ok)
    return n < 0 ? keel_err_errno (err, "read") : keel_err (err, ENOMEM, "sha256");
  digest_hex (md, sizeof (md), hex);
  return rec_add (r, hex, sizeof (hex)) < 0 ? keel_err (err, ENOMEM, "digest") : 0;
}

/* The metadata record of one entry (what tree_copy must reproduce), relative path first. */
static int make_record (const char *rel, const struct stat *st, const char *target, const struct xattrs *x,
                        struct rec *r)
{
  r->len = 0;
  if (rec_add (r, rel, strlen (rel) + 1) < 0
      || rec_printf (r, "%o %" PRIu32 ":%" PRIu32 " %" PRId64 " %" PRIu64 " %" PRId64 ".%09ld", (unsigned)st->st_mode,
                     (uint32_t)st->st_uid, (uint32_t)st->st_gid, S_ISREG (st->st_mode) ? (int64_t)st->st_size : 0,
                     S_ISCHR (st->st_mode) || S_ISBLK (st->st_mode) ? (uint64_t)st->st_rdev : 0,
                     (int64_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec)
             < 0
      || rec_add (r, target ? target : "", target ? strlen (target) + 1 : 1) < 0)
    return -1;
  size_t i = 0;
  for (const char *k = x->names; k && k < x->names + x->names_len; k += strlen (k) + 1, i++)
    if (rec_add (r, k, strlen (k) + 1) < 0 || rec_add (r, x->values[i], (size_t)x->sizes[i]) < 0
        || rec_add (r, "", 1) < 0)
      return -1;
  return 0;
}

static int record (struct walk *w, int parentfd, const char *name, const char *rel, const struct stat *st,
                   const char *target, const struct xattrs *x, keel_error **err)
{
  struct rec r = { 0 };
  int ret = -1;

  if (make_record (rel, st, target, x, &r) < 0)
    {
      keel_err (err, ENOMEM, "digest");
      goto out;
    }
  if (sum_add (w->ctx, w->alg, &w->shape, &r, err) < 0)
    goto out;
  if (w->content && S_ISREG (st->st_mode))
    {
      _cleanup_close_ int fd = open_src (parentfd, name, O_RDONLY);
      if (fd < 0 || hash_data (w, fd, &r, err) < 0)
        {
          if (fd < 0)
            keel_err_errno (err, "open");
          goto out;
        }
    }
  ret = w->content ? sum_add (w->ctx, w->alg, &w->content_sum, &r, err) : 0;
out:
  free (r.p);
  return ret;
}

/* ---- writing the copy ---- */

static void warn_xattr (struct walk *w, const char *key, const char *rel)
{
  int e = errno;

  pthread_mutex_lock (&w->sh->mu);
  if (!w->sh->warned_xattr)
    log_msg (w->log, LOG_LEVEL_WARNING, "xattr %s not copied to `%s`: %s (further ones not reported)", key, rel,
             strerror (e));
  w->sh->warned_xattr = true;
  pthread_mutex_unlock (&w->sh->mu);
}

/* Owner, then mode (chown clears setuid), then xattrs (chown clears security.capability), then times:
 * the order layer_apply uses. NAME is in PARENTFD; "." is PARENTFD itself. */
static int put_metadata (struct walk *w, int parentfd, const char *name, const char *rel, const struct stat *st,
                         const struct xattrs *x, keel_error **err)
{
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  char path[PATH_MAX];
  size_t i = 0;

  /* Skipping what a new entry already has saves a journal transaction each on ext4: new entries are the
   * caller's (their directories get setgid only at the end), files are made with their mode (create_mode). */
  bool owner_set = !w->chown_always && st->st_uid == w->euid && st->st_gid == w->egid;
  bool mode_set = S_ISREG (st->st_mode) || S_ISFIFO (st->st_mode) || S_ISCHR (st->st_mode) || S_ISBLK (st->st_mode);

  mode_set = mode_set && (st->st_mode & 07777) == (st->st_mode & 0777 & ~w->umask);
  if (w->chown && !owner_set && fchownat (parentfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0
      && !(w->rootless && (errno == EPERM || errno == EINVAL)))
    return keel_err_errno (err, "chown `%s`", rel);
  if (!S_ISLNK (st->st_mode) && !mode_set && fchmodat (parentfd, name, st->st_mode & 07777, 0) < 0)
    return keel_err_errno (err, "chmod `%s`", rel);
  if (x->n > 0 && proc_path (path, sizeof (path), parentfd, name, err) < 0)
    return -1;
  for (const char *k = x->names; k && k < x->names + x->names_len; k += strlen (k) + 1, i++)
    if (lsetxattr (path, k, x->values[i], (size_t)x->sizes[i], 0) < 0)
      {
        /* as layer_apply: the destination's filesystem or the caller's privileges may refuse some */
        if (errno != ENOTSUP && errno != EPERM && !(w->rootless && errno == EACCES))
          return keel_err_errno (err, "set xattr %s on `%s`", k, rel);
        warn_xattr (w, k, rel);
      }
  if (utimensat (parentfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
    return keel_err_errno (err, "set times of `%s`", rel);
  return 0;
}

static int copy_range (int src, int dst, off_t off, off_t end, keel_error **err)
{
  off_t in = off, out = off;
  while (in < end)
    {
      ssize_t n = copy_file_range (src, &in, dst, &out, (size_t)(end - in), 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS))
        {
          /* another filesystem: sendfile copies from the same offset, the destination at its position */
          if (lseek (dst, out, SEEK_SET) < 0)
            return keel_err_errno (err, "seek");
          n = sendfile (dst, src, &in, (size_t)(end - in));
          if (n > 0)
            out += n;
        }
      if (n < 0)
        return keel_err_errno (err, "copy data");
      if (n == 0)
        return keel_err (err, EIO, "copy data: the file shrank");
    }
  return 0;
}

/* Data only, holes kept (layer_apply leaves the holes of sparse entries). */
static int copy_data (struct walk *w, int src, int dst, const struct stat *st, keel_error **err)
{
  off_t data, hole = 0, size = st->st_size;

  if (size == 0)
    return 0;
  if (w->mode != SNAPSHOT_COPY && !w->no_reflink)
    {
      if (ioctl (dst, FICLONE, src) == 0)
        return 0;
      if (w->mode == SNAPSHOT_REFLINK)
        return keel_err_errno (err, "reflink (FICLONE, --snapshot=reflink)");
      if (errno != EOPNOTSUPP && errno != EINVAL && errno != EXDEV && errno != ENOTTY && errno != EBADF)
        return keel_err_errno (err, "reflink (FICLONE)");
      w->no_reflink = true; /* auto: this filesystem cannot, copy from now on */
    }
  /* fully allocated: no hole to look for (two lseeks and an ftruncate less per file) */
  if ((off_t)st->st_blocks * 512 >= size)
    return copy_range (src, dst, 0, size, err);
  while (hole < size && (data = lseek (src, hole, SEEK_DATA)) >= 0)
    {
      if ((hole = lseek (src, data, SEEK_HOLE)) < 0)
        return keel_err_errno (err, "seek");
      if (copy_range (src, dst, data, hole, err) < 0)
        return -1;
    }
  if (hole < size && errno != ENXIO)
    return keel_err_errno (err, "seek");
  return ftruncate (dst, size) < 0 ? keel_err_errno (err, "truncate") : 0;
}

static int copy_regular (struct walk *w, int srcdir, int dstdir, const char *name, const char *rel,
                         const struct stat *st, const struct xattrs *x, keel_error **err)
{
  _cleanup_close_ int src = open_src (srcdir, name, O_RDONLY);
  _cleanup_close_ int dst = -1;

  if (src < 0)
    return keel_err_errno (err, "open `%s`", rel);
  dst = openat (dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 0777);
  if (dst < 0)
    return keel_err_errno (err, "create `%s`", rel);
  if (copy_data (w, src, dst, st, err) < 0)
    return keel_err_prefix (err, "`%s`", rel);
  return put_metadata (w, dstdir, name, rel, st, x, err);
}

static int copy_other (struct walk *w, int srcdir, int dstdir, const char *name, const char *rel, const struct stat *st,
                       const char *target, const struct xattrs *x, keel_error **err)
{
  if (S_ISLNK (st->st_mode) ? symlinkat (target, dstdir, name) < 0
                            : mknodat (dstdir, name, st->st_mode & (S_IFMT | 0777), st->st_rdev) < 0)
    return keel_err_errno (err, "create `%s`", rel);
  (void)srcdir;
  return put_metadata (w, dstdir, name, rel, st, x, err);
}

/* A directory whose entries are still to be walked, both ends open, its own record summed. Its metadata goes
 * on when its entries are in: entries made in its subdirectories, later or by another worker, change only theirs. */
struct dir_job
{
  int src, dst; /* dst -1 when only digesting */
  char *rel;    /* "" for the root */
  struct stat st;
  struct xattrs x;
};

static void dir_job_free (void *job)
{
  struct dir_job *j = job;

  if (j->src >= 0)
    close (j->src);
  if (j->dst >= 0)
    close (j->dst);
  free (j->rel);
  xattrs_clear (&j->x);
  free (j);
}

static struct dir_job *dir_job_new (const char *rel, const struct stat *st)
{
  struct dir_job *j = calloc (1, sizeof (*j));

  if (j == NULL)
    return NULL;
  j->src = j->dst = -1;
  j->st = *st;
  if ((j->rel = strdup (rel)) == NULL)
    {
      free (j);
      return NULL;
    }
  return j;
}

static int walk_dir (struct walk *w, int srcfd, int dstfd, const char *rel, keel_error **err);

static int run_dir_job (struct walk *w, struct dir_job *j, keel_error **err)
{
  if (walk_dir (w, j->src, j->dst, j->rel, err) < 0)
    return -1;
  return w->mode == SNAPSHOT_OFF ? 0 : put_metadata (w, j->dst, ".", *j->rel ? j->rel : "/", &j->st, &j->x, err);
}

/* tree_pool_fn: a job from the queue, with its worker's error. */
static int dir_job_run (struct tree_pool *pool, void *worker, void *job)
{
  struct walk *w = worker;
  int r;

  w->pool = pool;
  r = run_dir_job (w, job, &w->err);
  dir_job_free (job);
  return r;
}

/* The directory's xattrs go with the job (*X emptied). It is queued for whichever worker looks next while the
 * queue has room, else walked here. */
static int copy_dir (struct walk *w, int srcdir, int dstdir, const char *name, const char *rel, const struct stat *st,
                     struct xattrs *x, keel_error **err)
{
  struct dir_job *j = dir_job_new (rel, st);
  int r = -1;

  if (j == NULL)
    return keel_err (err, ENOMEM, "walk");
  j->x = *x;
  memset (x, 0, sizeof (*x));
  if ((j->src = open_src (srcdir, name, O_RDONLY | O_DIRECTORY)) < 0)
    r = keel_err_errno (err, "open `%s`", rel);
  /* u+rwx until its content is in, its own mode at the end */
  else if (w->mode != SNAPSHOT_OFF
           && (mkdirat (dstdir, name, 0700) < 0
               || (j->dst = openat (dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0))
    r = keel_err_errno (err, "create `%s`", rel);
  else if (tree_pool_offer (w->pool, j))
    return 0;
  else
    r = run_dir_job (w, j, err);
  dir_job_free (j);
  return r;
}

/* A second name of an inode already copied: link to the copy (hard links inside the image stay links).
 * Called with the link table locked. */
static int copy_link_group (struct walk *w, int dstdir, const char *name, const char *rel, const struct stat *st,
                            bool *done, keel_error **err)
{
  struct link_slot *s = link_find (w->sh, st);

  *done = false;
  if (s != NULL && s->dst != NULL)
    {
      if (linkat (w->dst_root, s->dst, dstdir, name, 0) < 0)
        return keel_err_errno (err, "hard link `%s` to `%s`", rel, s->dst);
      *done = true;
      return 0;
    }
  return link_add (w->sh, st, rel) < 0 ? keel_err (err, ENOMEM, "hard links") : 0;
}

static int copy_new (struct walk *w, int srcdir, int dstdir, const char *name, const char *rel, const struct stat *st,
                     const char *target, const struct xattrs *x, keel_error **err)
{
  if (S_ISREG (st->st_mode))
    return copy_regular (w, srcdir, dstdir, name, rel, st, x, err);
  if (S_ISSOCK (st->st_mode))
    return keel_err (err, 0, "`%s`: a socket (layer_apply never makes one)", rel);
  return copy_other (w, srcdir, dstdir, name, rel, st, target, x, err);
}

static int copy_entry (struct walk *w, int srcdir, int dstdir, const char *name, const char *rel, const struct stat *st,
                       const char *target, struct xattrs *x, keel_error **err)
{
  bool done = false;
  int r;

  if (S_ISDIR (st->st_mode))
    return copy_dir (w, srcdir, dstdir, name, rel, st, x, err);
  if (w->mode == SNAPSHOT_OFF)
    return 0;
  if (w->mode == SNAPSHOT_HARDLINK)
    {
      /* flags 0: a symlink is linked itself */
      if (linkat (srcdir, name, dstdir, name, 0) == 0)
        return 0;
      if (errno == EXDEV)
        return keel_err (err, EXDEV, "--snapshot=hardlink: the bundle is not on the store's filesystem");
      return keel_err_errno (err, "hard link `%s`", rel);
    }
  if (st->st_nlink <= 1)
    return copy_new (w, srcdir, dstdir, name, rel, st, target, x, err);
  /* the first name is made with the table locked: a worker meeting another name links to a complete file */
  pthread_mutex_lock (&w->sh->mu);
  r = copy_link_group (w, dstdir, name, rel, st, &done, err);
  if (r == 0 && !done)
    r = copy_new (w, srcdir, dstdir, name, rel, st, target, x, err);
  pthread_mutex_unlock (&w->sh->mu);
  return r;
}

static int visit (struct walk *w, int srcfd, int dstfd, const char *dir, const char *name, keel_error **err)
{
  _cleanup_free_ char *rel = join (dir, name), *target = NULL;
  struct xattrs x;
  struct stat st;
  int r = -1;

  if (rel == NULL)
    return keel_err (err, ENOMEM, "walk");
  if (fstatat (srcfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return keel_err_errno (err, "stat `%s`", rel);
  if (S_ISLNK (st.st_mode))
    {
      if ((target = calloc (1, (size_t)st.st_size + 1)) == NULL)
        return keel_err (err, ENOMEM, "walk");
      if (readlinkat (srcfd, name, target, (size_t)st.st_size + 1) != st.st_size)
        return keel_err_errno (err, "read link `%s`", rel);
    }
  if (xattrs_read (srcfd, name, &x, err) == 0 && record (w, srcfd, name, rel, &st, target, &x, err) == 0)
    r = copy_entry (w, srcfd, dstfd, name, rel, &st, target, &x, err);
  xattrs_clear (&x);
  return r;
}

/* SRCFD is the job's own descriptor: getdents64 moves its offset (and saves the dup, fcntl and close
 * that fdopendir/closedir cost per directory). */
static int walk_dir (struct walk *w, int srcfd, int dstfd, const char *rel, keel_error **err)
{
  enum
  {
    DENTS_SIZE = 32768
  };
  _cleanup_free_ char *buf = malloc (DENTS_SIZE);
  ssize_t n;

  if (buf == NULL)
    return keel_err (err, ENOMEM, "walk");
  while ((n = getdents64 (srcfd, buf, DENTS_SIZE)) > 0)
    for (ssize_t off = 0; off < n;)
      {
        const struct dirent64 *e = (const struct dirent64 *)(void *)(buf + off);
        off += e->d_reclen;
        if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
          continue;
        if (tree_pool_failed (w->pool))
          return keel_err (err, ECANCELED, "stopped: another part of the walk failed");
        if (visit (w, srcfd, dstfd, rel, e->d_name, err) < 0)
          return -1;
      }
  return n < 0 ? keel_err_errno (err, "read directory `%s`", *rel ? rel : ".") : 0;
}

/* The root's job: its own descriptors (the caller's keep their offsets), its record summed. */
static struct dir_job *root_job (struct walk *w, int srcfd, int dstfd, keel_error **err)
{
  struct stat st = { 0 };
  struct dir_job *j = dir_job_new ("", &st);

  if (j == NULL)
    return keel_err (err, ENOMEM, "walk"), NULL;
  if ((j->src = openat (srcfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fstat (j->src, &j->st) < 0)
    keel_err_errno (err, "open the tree's root");
  else if (dstfd >= 0 && (j->dst = fcntl (dstfd, F_DUPFD_CLOEXEC, 0)) < 0)
    keel_err_errno (err, "dup the destination");
  else if (xattrs_read (j->src, ".", &j->x, err) == 0 && record (w, j->src, ".", "", &j->st, NULL, &j->x, err) == 0)
    return j;
  dir_job_free (j);
  return NULL;
}

static void sum_into (struct tree_sum *total, const struct tree_sum *part)
{
  for (int i = 0; i < 4; i++)
    total->lane[i] += part->lane[i];
  total->entries += part->entries;
}

#define WALK_WORKERS_MAX 4

/* Walk the tree below SRCFD (into DSTFD unless PROTO->mode is SNAPSHOT_OFF) on a worker per CPU, up to
 * WALK_WORKERS_MAX; their sums added into SHAPE and CONTENT (NULL when not digesting content). */
static int walk_tree (const struct walk *proto, int srcfd, int dstfd, struct tree_sum *shape, struct tree_sum *content,
                      keel_error **err)
{
  struct walk_shared sh = { .mu = PTHREAD_MUTEX_INITIALIZER };
  struct walk ws[WALK_WORKERS_MAX];
  void *workers[WALK_WORKERS_MAX], *failed = NULL;
  size_t n = tree_pool_workers (WALK_WORKERS_MAX);
  struct dir_job *root = NULL;
  int r = -1;

  for (size_t i = 0; i < n; i++)
    {
      ws[i] = *proto;
      ws[i].sh = &sh;
      ws[i].ctx = EVP_MD_CTX_new ();
      ws[i].alg = EVP_MD_fetch (NULL, "SHA256", NULL);
      workers[i] = &ws[i];
    }
  for (size_t i = 0; i < n; i++)
    if (ws[i].ctx == NULL || ws[i].alg == NULL)
      {
        keel_err (err, ENOMEM, "sha256");
        goto out;
      }
  if ((root = root_job (&ws[0], srcfd, dstfd, err)) == NULL)
    goto out;
  r = tree_pool_run (n, workers, dir_job_run, dir_job_free, root, &failed);
  if (r < 0)
    {
      struct walk *f = failed;
      if (f != NULL && f->err != NULL)
        *err = keel_steal_ptr (f->err);
      else
        keel_err (err, 0, "tree walk failed");
    }
  memset (shape, 0, sizeof (*shape));
  if (content != NULL)
    memset (content, 0, sizeof (*content));
  for (size_t i = 0; i < n; i++)
    {
      sum_into (shape, &ws[i].shape);
      if (content != NULL)
        sum_into (content, &ws[i].content_sum);
    }
out:
  for (size_t i = 0; i < n; i++)
    {
      EVP_MD_CTX_free (ws[i].ctx);
      EVP_MD_free (ws[i].alg);
      keel_error_free (ws[i].err);
    }
  shared_clear (&sh);
  return r;
}

/* The process umask, without changing it (/proc/self/status "Umask:", Linux 4.7). */
static mode_t current_umask (void)
{
  _cleanup_free_ char *buf = NULL;
  keel_error *ignored = NULL;
  size_t len;
  const char *p;

  if (read_file ("/proc/self/status", &buf, &len, &ignored) < 0 || (p = strstr (buf, "\nUmask:")) == NULL)
    {
      keel_error_free (ignored);
      return 0777;
    }
  return (mode_t)strtoul (p + 7, NULL, 8) & 0777;
}

int tree_copy (int srcfd, int dstfd, enum snapshot_mode mode, bool chown, bool rootless, const log_options *log,
               struct tree_sum *shape, keel_error **err)
{
  struct walk w = { .mode = mode, .chown = chown, .rootless = rootless, .dst_root = dstfd, .log = log };
  struct stat root;

  memset (shape, 0, sizeof (*shape));
  if (mode == SNAPSHOT_OFF)
    return keel_err (err, EINVAL, "tree_copy: no copy mode");
  if (fstat (dstfd, &root) < 0)
    return keel_err_errno (err, "stat the destination");
  w.chown_always = (root.st_mode & S_ISGID) != 0;
  w.euid = geteuid ();
  w.egid = getegid ();
  w.umask = current_umask ();
  return walk_tree (&w, srcfd, dstfd, shape, NULL, err);
}

int tree_digest (int dirfd, struct tree_sum *shape, struct tree_sum *content, keel_error **err)
{
  struct walk w = { .mode = SNAPSHOT_OFF, .content = true, .dst_root = -1 };

  return walk_tree (&w, dirfd, -1, shape, content, err);
}

/* Entries are removed while the directory is read: passes until one finds nothing. */
int tree_empty (int dirfd, keel_error **err)
{
  int fd = dup (dirfd);
  DIR *d = fd < 0 ? NULL : fdopendir (fd);
  struct dirent *e;
  bool again = true;
  int r = 0;

  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return keel_err_errno (err, "read directory");
    }
  while (r == 0 && again)
    {
      again = false;
      rewinddir (d);
      while (r == 0 && (e = readdir (d)) != NULL)
        if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
          {
            r = layer_remove_tree (dirfd, e->d_name, err);
            again = true;
          }
    }
  closedir (d);
  return r;
}
