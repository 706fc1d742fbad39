/* A few threads sharing the directories of one tree walk: a worker offers the subdirectories it meets while
 * the queue has room, and walks the others itself, depth first, so the open directories stay bounded. */
#include "config.h"
#include "tree_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

struct tree_pool
{
  pthread_mutex_t mu;
  pthread_cond_t cv;
  void **queue; /* a stack: the newest job is the deepest, its fds the first to close */
  size_t len, cap;
  size_t busy; /* workers running a job */
  bool failed;
  void *first_failed;
  tree_pool_fn fn;
};

struct worker_start
{
  struct tree_pool *pool;
  void *worker;
};

/* Until the queue is empty and no job runs (so no job can be offered any more), or a job failed. */
static void *worker_main (void *arg)
{
  struct worker_start *ws = arg;
  struct tree_pool *p = ws->pool;

  pthread_mutex_lock (&p->mu);
  for (;;)
    {
      while (p->len == 0 && p->busy > 0 && !p->failed)
        pthread_cond_wait (&p->cv, &p->mu);
      if (p->failed || p->len == 0)
        break;
      void *job = p->queue[--p->len];
      p->busy++;
      pthread_mutex_unlock (&p->mu);
      int r = p->fn (p, ws->worker, job);
      pthread_mutex_lock (&p->mu);
      p->busy--;
      if (r < 0 && !p->failed)
        {
          __atomic_store_n (&p->failed, true, __ATOMIC_RELEASE);
          p->first_failed = ws->worker;
        }
      if (p->failed || (p->busy == 0 && p->len == 0))
        pthread_cond_broadcast (&p->cv);
    }
  pthread_cond_broadcast (&p->cv);
  pthread_mutex_unlock (&p->mu);
  return NULL;
}

int tree_pool_run (size_t nworkers, void **workers, tree_pool_fn fn, void (*drop) (void *job), void *first,
                   void **failed)
{
  struct tree_pool p = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .fn = fn };
  struct worker_start *ws = NULL;
  pthread_t *threads = NULL;
  size_t started = 0;

  *failed = NULL;
  p.cap = nworkers * 2;
  if (nworkers > 1)
    {
      p.queue = calloc (p.cap, sizeof (void *));
      ws = calloc (nworkers, sizeof (*ws));
      threads = calloc (nworkers, sizeof (*threads));
    }
  if (nworkers <= 1 || p.queue == NULL || ws == NULL || threads == NULL)
    {
      /* one worker, or no memory for more: the walk runs on this thread alone (offers are refused) */
      free (p.queue);
      free (ws);
      free (threads);
      if (fn (NULL, workers[0], first) == 0)
        return 0;
      *failed = workers[0];
      return -1;
    }
  p.queue[p.len++] = first;
  for (size_t i = 0; i < nworkers; i++)
    ws[i] = (struct worker_start){ .pool = &p, .worker = workers[i] };
  /* a thread that cannot be started leaves its share to the others */
  for (size_t i = 1; i < nworkers; i++)
    if (pthread_create (&threads[started], NULL, worker_main, &ws[i]) == 0)
      started++;
  worker_main (&ws[0]);
  for (size_t i = 0; i < started; i++)
    pthread_join (threads[i], NULL);
  while (p.len > 0)
    drop (p.queue[--p.len]);
  *failed = p.first_failed;
  free (p.queue);
  free (ws);
  free (threads);
  pthread_mutex_destroy (&p.mu);
  pthread_cond_destroy (&p.cv);
  return p.failed ? -1 : 0;
}

bool tree_pool_offer (struct tree_pool *p, void *job)
{
  bool taken = false;

  if (p == NULL)
    return false;
  pthread_mutex_lock (&p->mu);
  if (!p->failed && p->len < p->cap)
    {
      p->queue[p->len++] = job;
      taken = true;
      pthread_cond_signal (&p->cv);
    }
  pthread_mutex_unlock (&p->mu);
  return taken;
}

bool tree_pool_failed (struct tree_pool *p)
{
  return p != NULL && __atomic_load_n (&p->failed, __ATOMIC_ACQUIRE);
}

size_t tree_pool_workers (size_t max)
{
  cpu_set_t set;
  size_t n = 1;

  if (sched_getaffinity (0, sizeof (set), &set) == 0)
    n = (size_t)CPU_COUNT (&set);
  return n < 1 ? 1 : n > max ? max : n;
}
