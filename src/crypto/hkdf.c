#include "config.h"

#include <string.h>

#include <sodium.h>

#include "crypto/hkdf.h"

void
hkdf_sha256_extract(uint8_t prk[HKDF_SHA256_PRKBYTES],
    const uint8_t *salt, size_t saltlen, const uint8_t *ikm, size_t ikmlen)
{
	crypto_auth_hmacsha256_state	st;
	static const uint8_t		zero[HKDF_SHA256_PRKBYTES];

	if (saltlen == 0) {
		salt = zero;
		saltlen = sizeof(zero);
	}
	crypto_auth_hmacsha256_init(&st, salt, saltlen);
	crypto_auth_hmacsha256_update(&st, ikm, ikmlen);
	crypto_auth_hmacsha256_final(&st, prk);
	sodium_memzero(&st, sizeof(st));
}

int
hkdf_sha256_expand(uint8_t *out, size_t outlen,
    const uint8_t prk[HKDF_SHA256_PRKBYTES], const uint8_t *info,
    size_t infolen)
{
	crypto_auth_hmacsha256_state	keyed, st;
	uint8_t				t[crypto_auth_hmacsha256_BYTES];
	uint8_t				counter;
	size_t				done, n;

	if (outlen > HKDF_SHA256_MAXBYTES)
		return -1;
	/* Key the HMAC once; each block starts from a copy. */
	crypto_auth_hmacsha256_init(&keyed, prk, HKDF_SHA256_PRKBYTES);
	for (done = 0, counter = 1; done < outlen; counter++) {
		st = keyed;
		if (done > 0)
			crypto_auth_hmacsha256_update(&st, t, sizeof(t));
		crypto_auth_hmacsha256_update(&st, info, infolen);
		crypto_auth_hmacsha256_update(&st, &counter, 1);
		crypto_auth_hmacsha256_final(&st, t);
		n = outlen - done < sizeof(t) ? outlen - done : sizeof(t);
		memcpy(out + done, t, n);
		done += n;
	}
	sodium_memzero(&keyed, sizeof(keyed));
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(t, sizeof(t));
	return 0;
}

int
hkdf_sha256(uint8_t *out, size_t outlen, const uint8_t *salt, size_t saltlen,
    const uint8_t *ikm, size_t ikmlen, const uint8_t *info, size_t infolen)
{
	uint8_t	prk[HKDF_SHA256_PRKBYTES];
	int	rc;

	hkdf_sha256_extract(prk, salt, saltlen, ikm, ikmlen);
	rc = hkdf_sha256_expand(out, outlen, prk, info, infolen);
	sodium_memzero(prk, sizeof(prk));
	return rc;
}
