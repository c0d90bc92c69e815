/*
 * HKDF-SHA256 (RFC 5869) built on libsodium's HMAC-SHA256. libsodium
 * 1.0.18, which Debian 12 ships, has no HKDF of its own.
 */
#ifndef PETMAIL_HKDF_H
#define PETMAIL_HKDF_H

#include <stddef.h>
#include <stdint.h>

#define HKDF_SHA256_PRKBYTES	32U
#define HKDF_SHA256_MAXBYTES	(255U * 32U)

/* PRK = HMAC-SHA256(salt, ikm); an empty salt means 32 zero bytes. */
void	hkdf_sha256_extract(uint8_t prk[HKDF_SHA256_PRKBYTES],
	    const uint8_t *salt, size_t saltlen,
	    const uint8_t *ikm, size_t ikmlen);

/* OKM = T(1) | T(2) | ... truncated to outlen. -1 if outlen is too big. */
int	hkdf_sha256_expand(uint8_t *out, size_t outlen,
	    const uint8_t prk[HKDF_SHA256_PRKBYTES],
	    const uint8_t *info, size_t infolen)
	    __attribute__((warn_unused_result));

/* Extract then expand. -1 if outlen is too big. */
int	hkdf_sha256(uint8_t *out, size_t outlen,
	    const uint8_t *salt, size_t saltlen,
	    const uint8_t *ikm, size_t ikmlen,
	    const uint8_t *info, size_t infolen)
	    __attribute__((warn_unused_result));

#endif
