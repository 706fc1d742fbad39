# spec/: libspec.a, the OCI data model and helpers shared by runtime and imagetool.
noinst_LIBRARIES += spec/libspec.a
spec_libspec_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(CRYPTO_CFLAGS)
spec_libspec_a_SOURCES = \
	spec/cleanup.h \
	spec/error.c spec/error.h \
	spec/json.c spec/json.h \
	spec/log.c spec/log.h \
	spec/timefmt.c spec/timefmt.h \
	spec/fsutil.c spec/fsutil.h \
	spec/runtime_config.c spec/runtime_config.h spec/runtime_config_default.c \
	spec/runtime_state.c spec/runtime_state.h \
	spec/image.c spec/image.h spec/platform.c \
	spec/digest.c spec/digest.h

# What a program linking libspec needs.
SPEC_LIBS = spec/libspec.a $(YAJL_LIBS) $(CRYPTO_LIBS)
