/* Content digests (sha256, sha512) through libcrypto EVP, streaming verification. */
#include "config.h"
#include "digest.h"
