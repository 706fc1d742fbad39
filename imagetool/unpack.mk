# imagetool/libunpack.a: layer application and image config -> config.json conversion (linked into imagetool).
noinst_LIBRARIES += imagetool/libunpack.a
imagetool_libunpack_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(CRYPTO_CFLAGS) $(ARCHIVE_CFLAGS)
imagetool_libunpack_a_SOURCES = \
	imagetool/layer.c imagetool/layer.h \
	imagetool/bundle.c imagetool/bundle.h \
	imagetool/unpack.c imagetool/unpack.h \
	imagetool/unpack_flags.c \
	imagetool/snapshot.c imagetool/snapshot.h imagetool/snapshot_tree.c \
	imagetool/tree_pool.c imagetool/tree_pool.h
# What a program linking libunpack needs (libunpack before libspec).
UNPACK_LIBS = imagetool/libunpack.a $(SPEC_LIBS) $(ARCHIVE_LIBS)
UNPACK_TEST_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/imagetool $(YAJL_CFLAGS)

# Test drivers for the bats suites: the library without the CLI.
check_PROGRAMS += tests/imagetool/apply-layers tests/imagetool/image-to-config tests/imagetool/unpack-image
tests_imagetool_apply_layers_SOURCES = tests/imagetool/apply-layers.c
tests_imagetool_apply_layers_CFLAGS = $(UNPACK_TEST_CFLAGS)
tests_imagetool_apply_layers_LDADD = $(UNPACK_LIBS)
tests_imagetool_image_to_config_SOURCES = tests/imagetool/image-to-config.c
tests_imagetool_image_to_config_CFLAGS = $(UNPACK_TEST_CFLAGS)
tests_imagetool_image_to_config_LDADD = $(UNPACK_LIBS)
# the store side (unpack.c) needs imagetool/libpull.a (imagetool/local.mk)
tests_imagetool_unpack_image_SOURCES = tests/imagetool/unpack-image.c
tests_imagetool_unpack_image_CFLAGS = $(UNPACK_TEST_CFLAGS)
tests_imagetool_unpack_image_LDADD = imagetool/libunpack.a imagetool/libpull.a $(SPEC_LIBS) $(ARCHIVE_LIBS) $(CURL_LIBS)

LAYER_SUITES = \
	tests/imagetool/layer.bats \
	tests/imagetool/layer_malicious.bats \
	tests/imagetool/layer_golden.bats \
	tests/imagetool/unpack.bats
TESTS += $(LAYER_SUITES)
EXTRA_DIST += $(LAYER_SUITES) tests/imagetool/layer_helpers.bash tests/imagetool/mklayer.py tests/imagetool/lstree.py

# Unit tests of libunpack (TAP).
UNPACK_UNIT_TESTS = tests/unit/test_layer tests/unit/test_bundle
check_PROGRAMS += $(UNPACK_UNIT_TESTS)
TESTS += $(UNPACK_UNIT_TESTS)
tests_unit_test_layer_SOURCES = tests/unit/test_layer.c tests/unit/tap.h
tests_unit_test_layer_CFLAGS = $(UNPACK_TEST_CFLAGS)
tests_unit_test_layer_LDADD = $(UNPACK_LIBS)
tests_unit_test_bundle_SOURCES = tests/unit/test_bundle.c tests/unit/tap.h
tests_unit_test_bundle_CFLAGS = $(UNPACK_TEST_CFLAGS)
tests_unit_test_bundle_LDADD = $(UNPACK_LIBS)
