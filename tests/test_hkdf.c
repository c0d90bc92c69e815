/* HKDF-SHA256 against the known answers of RFC 5869, test cases 1 and 3. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "crypto/hkdf.h"

static void
from_hex(uint8_t *out, size_t outlen, const char *hex)
{
	size_t	n;

	assert_int_equal(sodium_hex2bin(out, outlen, hex, strlen(hex), NULL,
	    &n, NULL), 0);
	assert_int_equal(n, outlen);
}

static void
rfc5869_case1(void **state)
{
	uint8_t	ikm[22], salt[13], info[10], okm[42], want[42];

	memset(ikm, 0x0b, sizeof(ikm));
	from_hex(salt, sizeof(salt), "000102030405060708090a0b0c");
	from_hex(info, sizeof(info), "f0f1f2f3f4f5f6f7f8f9");
	from_hex(want, sizeof(want),
	    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865");
	assert_int_equal(hkdf_sha256(okm, sizeof(okm), salt, sizeof(salt),
	    ikm, sizeof(ikm), info, sizeof(info)), 0);
	assert_memory_equal(okm, want, sizeof(want));
}

static void
rfc5869_case3_empty_salt_and_info(void **state)
{
	uint8_t	ikm[22], okm[42], want[42];

	memset(ikm, 0x0b, sizeof(ikm));
	from_hex(want, sizeof(want),
	    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	    "9d201395faa4b61a96c8");
	assert_int_equal(hkdf_sha256(okm, sizeof(okm), NULL, 0, ikm,
	    sizeof(ikm), NULL, 0), 0);
	assert_memory_equal(okm, want, sizeof(want));
}

static void
too_long_is_refused(void **state)
{
	static uint8_t	okm[HKDF_SHA256_MAXBYTES + 1];
	uint8_t		ikm[1] = { 0 };

	assert_int_equal(hkdf_sha256(okm, sizeof(okm), NULL, 0, ikm,
	    sizeof(ikm), NULL, 0), -1);
	assert_int_equal(hkdf_sha256(okm, HKDF_SHA256_MAXBYTES, NULL, 0, ikm,
	    sizeof(ikm), NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc5869_case1),
		cmocka_unit_test(rfc5869_case3_empty_salt_and_info),
		cmocka_unit_test(too_long_is_refused),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
