/* Content digests (sha256, sha512) through libcrypto EVP, streaming verification. */
#ifndef KEEL_DIGEST_H
#define KEEL_DIGEST_H

#endif
