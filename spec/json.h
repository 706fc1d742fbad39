/* yajl tree access with errors that name the file and the JSON path, plus generator helpers. */
#ifndef KEEL_JSON_H
#define KEEL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "error.h"

/* Where errors are reported: the document's name (e.g. "config.json") and
 * the error slot. Paths are jq-style: "" is the root, ".process.args[0]". */
typedef struct json_ctx
{
  const char *file;
  keel_error **err;
} json_ctx;

/* Parse a document. Errors read "NAME: line N: parse error: ...". */
int json_parse (const char *name, const char *buf, size_t len, yajl_val *out, keel_error **err);
/* Read and parse a file; NAME is used in messages (the path when NULL). */
int json_parse_file (const char *path, const char *name, yajl_val *out, keel_error **err);

/* Child paths, malloc'd: json_path_key(".a", "b") = ".a.b", json_path_index(".a", 2) = ".a[2]". */
char *json_path_key (const char *path, const char *key);
char *json_path_index (const char *path, size_t index);

/* Set an error "FILE: PATH: <fmt>" (PATH shown as "." for the root). Returns -1. */
int json_error (const json_ctx *c, const char *path, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
int json_error_at (const json_ctx *c, const char *path, const char *key, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

/* The member KEY of OBJ, or NULL when OBJ is not an object or has no such key
 * (the last occurrence wins when a key repeats). */
yajl_val json_member (yajl_val obj, const char *key);

/* Typed accessors for OBJ[KEY] at PATH. They return 1 when the member is present
 * and converted, 0 when it is absent (or null) and *out is untouched, -1 on a type
 * or range error ("FILE: PATH.KEY: expected a string"). */
int json_get_string (const json_ctx *c, yajl_val obj, const char *path, const char *key, char **out);
int json_get_bool (const json_ctx *c, yajl_val obj, const char *path, const char *key, bool *out);
int json_get_int64 (const json_ctx *c, yajl_val obj, const char *path, const char *key, int64_t *out);
int json_get_uint64 (const json_ctx *c, yajl_val obj, const char *path, const char *key, uint64_t *out);
int json_get_int32 (const json_ctx *c, yajl_val obj, const char *path, const char *key, int32_t *out);
int json_get_uint32 (const json_ctx *c, yajl_val obj, const char *path, const char *key, uint32_t *out);
/* An array of strings as a NULL-terminated vector; *n gets the count when n != NULL. */
int json_get_strv (const json_ctx *c, yajl_val obj, const char *path, const char *key, char ***out, size_t *n);
/* An object whose values are all strings, as a NULL-terminated vector of
 * alternating keys and values. */
int json_get_string_map (const json_ctx *c, yajl_val obj, const char *path, const char *key, char ***out);

/* Value conversions used by the accessors, for callers walking arrays. */
int json_to_string (const json_ctx *c, yajl_val v, const char *path, char **out);
int json_to_int64 (const json_ctx *c, yajl_val v, const char *path, int64_t *out);
int json_to_uint64 (const json_ctx *c, yajl_val v, const char *path, uint64_t *out);

/* Require OBJ (at PATH) to be an object / array; -1 with "expected an object" otherwise. */
int json_expect_object (const json_ctx *c, yajl_val v, const char *path);
int json_expect_array (const json_ctx *c, yajl_val v, const char *path);

/* Generation. */
yajl_gen json_gen_new (bool pretty);
void json_gen_freep (yajl_gen *g);
#define _cleanup_json_gen_ __attribute__ ((cleanup (json_gen_freep)))
void json_gen_str (yajl_gen g, const char *s);
void json_gen_key (yajl_gen g, const char *key);
void json_gen_kv_str (yajl_gen g, const char *key, const char *value); /* skipped when value is NULL */
void json_gen_kv_int (yajl_gen g, const char *key, long long value);
void json_gen_kv_uint (yajl_gen g, const char *key, unsigned long long value);
void json_gen_kv_bool (yajl_gen g, const char *key, bool value);
void json_gen_strv (yajl_gen g, char *const *v); /* an array of strings */
/* Re-emit a parsed tree as it was (numbers keep their original text). */
void json_gen_tree (yajl_gen g, yajl_val v);
/* Copy the generated text into a malloc'd NUL-terminated string. */
int json_gen_take (yajl_gen g, char **out, size_t *len, keel_error **err);

/* KEY: array of strings / KEY: object from a string map (alternating keys and values);
 * both skipped when the vector is NULL. */
void json_gen_kv_strv (yajl_gen g, const char *key, char *const *v);
void json_gen_kv_map (yajl_gen g, const char *key, char *const *map);

void json_tree_freep (yajl_val *v);
#define _cleanup_json_ __attribute__ ((cleanup (json_tree_freep)))

#endif
