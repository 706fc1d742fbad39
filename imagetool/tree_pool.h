/* A few threads sharing the directories of one tree walk (snapshot_tree.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct tree_pool;

/* Runs JOB for WORKER; -1 when it failed (the worker keeps the error). */
typedef int (*tree_pool_fn) (struct tree_pool *pool, void *worker, void *job);

/* Runs FIRST, and every job offered meanwhile, on NWORKERS workers (WORKERS[i] is each one's state; the
 * calling thread is worker 0). 0, or -1 with *FAILED the worker whose job failed first. Jobs left queued
 * after a failure are given to DROP. */
int tree_pool_run (size_t nworkers, void **workers, tree_pool_fn fn, void (*drop) (void *job), void *first,
                   void **failed);

/* Queue JOB for the next worker that looks for one: true when the pool took it, false when the caller should run
 * it itself (the queue holds 2 jobs per worker already, a job failed, or there is no other worker). POOL may be
 * NULL. */
bool tree_pool_offer (struct tree_pool *pool, void *job);

/* True once a job failed: the others stop at their next entry. */
bool tree_pool_failed (struct tree_pool *pool);

/* How many workers a walk should use: the CPUs this process may run on, at most MAX. */
size_t tree_pool_workers (size_t max);
