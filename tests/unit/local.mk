# C unit tests for spec/ and other pure functions; each prints TAP.
UNIT_TESTS = \
	tests/unit/test_json \
	tests/unit/test_timefmt \
	tests/unit/test_runtime_config \
	tests/unit/test_image \
	tests/unit/test_digest
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
UNIT_LDADD = $(SPEC_LIBS)
UNIT_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) -DKEEL_TEST_DATADIR='"$(abs_top_srcdir)/tests/unit"'
tests_unit_test_json_SOURCES = tests/unit/test_json.c tests/unit/tap.h
tests_unit_test_json_LDADD = $(UNIT_LDADD)
tests_unit_test_json_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_timefmt_SOURCES = tests/unit/test_timefmt.c tests/unit/tap.h
tests_unit_test_timefmt_LDADD = $(UNIT_LDADD)
tests_unit_test_timefmt_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_runtime_config_SOURCES = tests/unit/test_runtime_config.c tests/unit/tap.h
tests_unit_test_runtime_config_LDADD = $(UNIT_LDADD)
tests_unit_test_runtime_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_image_SOURCES = tests/unit/test_image.c tests/unit/tap.h
tests_unit_test_image_LDADD = $(UNIT_LDADD)
tests_unit_test_image_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_digest_SOURCES = tests/unit/test_digest.c tests/unit/tap.h
tests_unit_test_digest_LDADD = $(UNIT_LDADD)
tests_unit_test_digest_CFLAGS = $(UNIT_CFLAGS)
EXTRA_DIST += tests/unit/data

# For .ci/run: the unit tests alone, to rerun under the sanitizers.
print-unit-tests:
	@echo $(UNIT_TESTS)

# imagetool pure functions (reference grammar, WWW-Authenticate, credentials).
IMAGETOOL_UNIT_TESTS = tests/unit/test_reference tests/unit/test_auth tests/unit/test_registries_conf
check_PROGRAMS += $(IMAGETOOL_UNIT_TESTS)
TESTS += $(IMAGETOOL_UNIT_TESTS)
IMAGETOOL_UNIT_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/imagetool $(CURL_CFLAGS)
IMAGETOOL_UNIT_LDADD = imagetool/libpull.a $(UNIT_LDADD) $(CURL_LIBS)
tests_unit_test_reference_SOURCES = tests/unit/test_reference.c tests/unit/tap.h
tests_unit_test_reference_LDADD = $(IMAGETOOL_UNIT_LDADD)
tests_unit_test_reference_CFLAGS = $(IMAGETOOL_UNIT_CFLAGS)
tests_unit_test_auth_SOURCES = tests/unit/test_auth.c tests/unit/tap.h
tests_unit_test_auth_LDADD = $(IMAGETOOL_UNIT_LDADD)
tests_unit_test_auth_CFLAGS = $(IMAGETOOL_UNIT_CFLAGS)
tests_unit_test_registries_conf_SOURCES = tests/unit/test_registries_conf.c tests/unit/tap.h
tests_unit_test_registries_conf_LDADD = $(IMAGETOOL_UNIT_LDADD)
tests_unit_test_registries_conf_CFLAGS = $(IMAGETOOL_UNIT_CFLAGS)
