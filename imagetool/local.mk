# imagetool/: the image puller and unpacker.
# imagetool/libpull.a: references, credentials, the registry client and the store (shared with the unit tests).
noinst_LIBRARIES += imagetool/libpull.a
imagetool_libpull_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(CRYPTO_CFLAGS) $(CURL_CFLAGS)
imagetool_libpull_a_SOURCES = \
	imagetool/reference.c imagetool/reference.h \
	imagetool/auth.c imagetool/auth.h \
	imagetool/registry.c imagetool/registry.h \
	imagetool/store.c imagetool/store.h \
	imagetool/progress.c imagetool/progress.h \
	imagetool/util.c imagetool/util.h \
	imagetool/registries_conf.c imagetool/registries_conf.h

bin_PROGRAMS += imagetool/imagetool
imagetool_imagetool_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(CRYPTO_CFLAGS) $(CURL_CFLAGS) $(ARCHIVE_CFLAGS)
imagetool_imagetool_SOURCES = \
	imagetool/main.c imagetool/commands.h \
	imagetool/cmd_pull.c \
	imagetool/cmd_images.c \
	imagetool/cmd_inspect.c \
	imagetool/cmd_tag.c \
	imagetool/cmd_gc.c \
	imagetool/cmd_login.c \
	imagetool/cmd_unpack.c \
	imagetool/cmd_config.c \
	imagetool/cmd_archive.c \
	imagetool/image_archive.h imagetool/import.c imagetool/export.c
# libunpack before libpull (unpack.c reads the store) and libspec
imagetool_imagetool_LDADD = imagetool/libunpack.a imagetool/libpull.a $(SPEC_LIBS) $(ARCHIVE_LIBS) $(CURL_LIBS)

# End to end: pull/unpack/config against a local registry, bundles run by runtime (needs both programs).
TESTS += tests/imagetool/e2e.bats
EXTRA_DIST += tests/imagetool/e2e.bats

# The snapshot cache (unpack --snapshot): needs imagetool and the layer helpers.
TESTS += tests/imagetool/snapshot.bats
EXTRA_DIST += tests/imagetool/snapshot.bats
