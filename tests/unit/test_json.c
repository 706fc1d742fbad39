/* Unit tests for spec/json.c and spec/error.c: parse errors with lines, typed access with paths. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>

#include "cleanup.h"
#include "error.h"
#include "json.h"
#include "tap.h"

static void test_parse_error_line (void)
{
  _cleanup_error_ keel_error *err = NULL;
  yajl_val v = NULL;
  const char *doc = "{\n  \"a\": 1,\n  \"b\": [1, 2,\n  }\n}";

  tap_ok (json_parse ("config.json", doc, strlen (doc), &v, &err) < 0, "invalid JSON is refused");
  tap_like (err ? err->msg : NULL, "config.json: line 4: ", "parse error names the file and line 4");
  json_tree_freep (&v);
}

static void test_nul_refused (void)
{
  _cleanup_error_ keel_error *err = NULL;
  yajl_val v = NULL;
  tap_ok (json_parse ("x.json", "{}\0", 3, &v, &err) < 0, "embedded NUL is refused");
  tap_like (err ? err->msg : NULL, "x.json: parse error: NUL byte", "NUL byte error names the file");
}

/* PARSE DOC (a C literal with its length) and expect MSG as the whole error. */
static void expect_nul_error (const char *doc, size_t len, const char *msg, const char *what)
{
  _cleanup_error_ keel_error *err = NULL;
  yajl_val v = NULL;
  tap_ok (json_parse ("config.json", doc, len, &v, &err) < 0 && v == NULL, "%s", what);
  tap_is (err ? err->msg : NULL, msg, "... with the file and JSON path");
  json_tree_freep (&v);
}

#define NUL_CASE(doc, msg, what) expect_nul_error (doc, sizeof (doc) - 1, msg, what)

/* yajl_tree keeps C strings: a \u0000 escape would cut "/x\u0000/../../etc" to "/x". */
static void test_nul_escape_refused (void)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_json_ yajl_val v = NULL;
  const char *ok = "{\"a\": \"back\\\\u0000slash\", /* comment */ \"b\": [\"\\u0001\"]}";

  NUL_CASE ("{\"mounts\": [{}, {}, {}, {\"type\": \"bind\", \"destination\": \"/x\\u0000/../../etc\"}]}",
            "config.json: .mounts[3].destination: string contains a NUL character", "\\u0000 in a nested value");
  NUL_CASE ("{\"process\": {\"args\": [\"sh\", 1, null, true, {\"k\": [2]}, \"a\\u0000\"]}}",
            "config.json: .process.args[5]: string contains a NUL character", "array index counts every kind of value");
  NUL_CASE ("{\"annotations\": {\"a\\u0000b\": \"v\"}}", "config.json: .annotations: a key contains a NUL character",
            "\\u0000 in a key");
  NUL_CASE ("\"\\u0000\"", "config.json: .: string contains a NUL character", "\\u0000 in a top-level string");
  NUL_CASE ("[[], [[\"x\"], \"\\u0000\"]]", "config.json: .[1][1]: string contains a NUL character",
            "\\u0000 after nested arrays");
  tap_ok (json_parse ("config.json", ok, strlen (ok), &v, &err) == 0,
          "an escaped backslash before u0000 and \\u0001 parse");
  tap_is (v ? json_member (v, "a")->u.string : NULL, "back\\u0000slash", "... and read as written");
}

static void test_typed_access (void)
{
  _cleanup_error_ keel_error *err = NULL;
  _cleanup_json_ yajl_val v = NULL;
  _cleanup_free_ char *s = NULL;
  _cleanup_strv_ char **args = NULL;
  _cleanup_strv_ char **map = NULL;
  json_ctx c = { "config.json", &err };
  const char *doc = "{\"process\":{\"args\":[\"sh\",3],\"cwd\":\"/\",\"n\":-1,\"big\":18446744073709551615,"
                    "\"t\":true},\"annotations\":{\"a\":\"b\"}}";
  yajl_val process;
  uint64_t u = 0;
  int64_t i = 0;
  int32_t i32 = 0;
  bool b = false;
  size_t n = 0;

  tap_ok (json_parse ("config.json", doc, strlen (doc), &v, &err) == 0, "valid JSON parses");
  process = json_member (v, "process");
  tap_ok (process != NULL, "member lookup");
  tap_ok (json_get_string (&c, process, ".process", "cwd", &s) == 1 && strcmp (s, "/") == 0, "string member");
  tap_ok (json_get_string (&c, process, ".process", "missing", &s) == 0, "absent member returns 0");
  tap_ok (json_get_string (&c, process, ".process", "n", &s) < 0, "number is not a string");
  tap_is (err->msg, "config.json: .process.n: expected a string, got a number", "type error names the path");
  tap_ok (json_get_strv (&c, process, ".process", "args", &args, &n) < 0, "array with a number is refused");
  tap_is (err->msg, "config.json: .process.args[1]: expected a string, got a number",
          "element error names the index in jq syntax");
  tap_ok (json_get_uint64 (&c, process, ".process", "n", &u) < 0, "negative is not unsigned");
  tap_ok (json_get_uint64 (&c, process, ".process", "big", &u) == 1 && u == UINT64_MAX, "uint64 max is read");
  tap_ok (json_get_int64 (&c, process, ".process", "n", &i) == 1 && i == -1, "int64");
  tap_ok (json_get_int32 (&c, process, ".process", "big", &i32) < 0, "int32 range is checked");
  tap_ok (json_get_bool (&c, process, ".process", "t", &b) == 1 && b, "bool");
  tap_ok (json_get_string_map (&c, v, "", "annotations", &map) == 1 && map[0] && strcmp (map[1], "b") == 0,
          "string map");
}

static void test_error_prefix (void)
{
  _cleanup_error_ keel_error *err = NULL;
  keel_err (&err, 2, "open `%s`", "/x");
  keel_err_prefix (&err, "create %s", "c1");
  tap_is (err->msg, "create c1: open `/x`: No such file or directory", "context is prefixed and errno appended");
  tap_ok (err->errnum == 2, "errnum kept");
}

static void test_gen (void)
{
  _cleanup_json_gen_ yajl_gen g = json_gen_new (false);
  _cleanup_free_ char *out = NULL;
  _cleanup_error_ keel_error *err = NULL;
  char *v[] = { "a", "b\"", NULL };

  yajl_gen_map_open (g);
  json_gen_kv_str (g, "k", "v");
  json_gen_kv_uint (g, "u", UINT64_MAX);
  json_gen_key (g, "l");
  json_gen_strv (g, v);
  yajl_gen_map_close (g);
  tap_ok (json_gen_take (g, &out, NULL, &err) == 0, "generate");
  tap_is (out, "{\"k\":\"v\",\"u\":18446744073709551615,\"l\":[\"a\",\"b\\\"\"]}", "generated text");
}

static void test_gen_tree (void)
{
  _cleanup_json_gen_ yajl_gen g = json_gen_new (false);
  _cleanup_json_ yajl_val v = NULL;
  _cleanup_free_ char *out = NULL;
  _cleanup_error_ keel_error *err = NULL;
  const char *doc = "{\"a\":[1,2.50,-3,18446744073709551616],\"b\":{\"c\":null,\"d\":true,\"e\":\"x\\\"y\"},\"f\":[]}";

  tap_ok (json_parse ("t.json", doc, strlen (doc), &v, &err) == 0, "tree parses");
  json_gen_tree (g, v);
  tap_ok (json_gen_take (g, &out, NULL, &err) == 0, "tree re-emits");
  tap_is (out, doc, "re-emitted tree equals the input, numbers kept as written");
}

int main (void)
{
  test_parse_error_line ();
  test_nul_refused ();
  test_nul_escape_refused ();
  test_typed_access ();
  test_error_prefix ();
  test_gen ();
  test_gen_tree ();
  return tap_done ();
}
