/* <root>/<id>/: the per-container state directory, its lock, state.json and exec fifo. */
#ifndef KEEL_STATE_DIR_H
#define KEEL_STATE_DIR_H

#include <stdbool.h>

#include "error.h"
#include "runtime_state.h"

typedef struct state_dir
{
  char *root;
  char *id;
  char *path;  /* <root>/<id> */
  int dirfd;   /* open on path; flock()ed exclusively while we work on the container */
  bool locked; /* false for readers (state, list) that never wait for the lock */
} state_dir;

/* /run/keel for root, $XDG_RUNTIME_DIR/keel otherwise. */
int state_dir_default_root (char **out, keel_error **err);

/* runc's rule: ids are made of [A-Za-z0-9_+.-] and are not "." or "..". */
int state_dir_check_id (const char *id, keel_error **err);

/* Create <root>/<id> (failing when it exists), locked and already holding
 * state.json = INITIAL: it is built under a temporary name and renamed into
 * place, so no reader ever sees a container without its state. */
int state_dir_create (const char *root, const char *id, const runtime_state *initial, state_dir *sd, keel_error **err);
/* Open and lock an existing container's directory; "does not exist" errors name the id. */
int state_dir_open (const char *root, const char *id, state_dir *sd, keel_error **err);
/* Open without the lock: for readers that must not wait for a create, start or delete in progress
 * (state.json is replaced atomically, so what they read is always whole). */
int state_dir_open_unlocked (const char *root, const char *id, state_dir *sd, keel_error **err);
/* Whether some other process holds the lock now (an unlocked reader asks this). */
bool state_dir_busy (const state_dir *sd);
/* Remove the temp dirs (<root>/.ID~XXXXXX) that creates of ID killed before publishing left. */
void state_dir_sweep_stale (const char *root, const char *id);
/* Remove everything in the directory and the directory itself. */
int state_dir_remove (state_dir *sd, keel_error **err);
/* Unlock and free (the directory stays). */
void state_dir_close (state_dir *sd);

int state_dir_write_state (state_dir *sd, const runtime_state *st, keel_error **err);
int state_dir_read_state (state_dir *sd, runtime_state **out, keel_error **err);
/* Full path of a file in the directory, malloc'd. */
char *state_dir_file (const state_dir *sd, const char *name);

#define STATE_EXEC_FIFO "exec.fifo"
#define STATE_CONFIG_COPY "config.json"
/* Present when create had --no-new-keyring: exec then keeps its caller's session keyring too, as runc. */
#define STATE_NO_NEW_KEYRING "no-new-keyring"

#endif
