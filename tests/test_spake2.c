/*
 * SPAKE2 (src/crypto/spake2.c): known answers of python-spake2 (embedded
 * from tests/spake2_vectors.h, which tests/spake2_vectors.py regenerates),
 * agreement and disagreement, and refusal of malformed messages.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "crypto/spake2.h"
#include "spake2_vectors.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static const uint8_t	pw[] = "7-crossover-clockwork";
static const uint8_t	id[] = "petmail test";

/* Decode hex into a buffer of exactly outlen bytes. */
static void
from_hex(uint8_t *out, size_t outlen, const char *hex)
{
	size_t	n;

	assert_int_equal(sodium_hex2bin(out, outlen, hex, strlen(hex), NULL,
	    &n, NULL), 0);
	assert_int_equal(n, outlen);
}

/* Decode hex of any length up to max; returns the length. */
static size_t
from_hex_any(uint8_t *out, size_t max, const char *hex)
{
	size_t	n;

	assert_true(strlen(hex) % 2 == 0 && strlen(hex) / 2 <= max);
	assert_int_equal(sodium_hex2bin(out, max, hex, strlen(hex), NULL, &n,
	    NULL), 0);
	return n;
}

/* One exchange in C; returns what each side's finish returned. */
static void
exchange(uint8_t ka[SPAKE2_KEYBYTES], int *ra, uint8_t kb[SPAKE2_KEYBYTES],
    int *rb, const uint8_t *pwa, size_t pwalen, const uint8_t *pwb,
    size_t pwblen, const uint8_t *ida, size_t idalen, const uint8_t *idb,
    size_t idblen)
{
	struct spake2_state	*a, *b;
	uint8_t			 ma[SPAKE2_MSGBYTES], mb[SPAKE2_MSGBYTES];

	assert_int_equal(spake2_start(&a, ma, pwa, pwalen, ida, idalen), 0);
	assert_int_equal(spake2_start(&b, mb, pwb, pwblen, idb, idblen), 0);
	assert_int_equal(ma[0], 'S');
	assert_int_equal(mb[0], 'S');
	assert_memory_not_equal(ma, mb, sizeof(ma));
	*ra = spake2_finish(ka, a, mb, sizeof(mb));
	*rb = spake2_finish(kb, b, ma, sizeof(ma));
	SPAKE2_FREE(a);
	SPAKE2_FREE(b);
	assert_null(a);
}

static void
both_sides_agree(void **state)
{
	uint8_t	ka[SPAKE2_KEYBYTES], kb[SPAKE2_KEYBYTES];
	uint8_t	zero[SPAKE2_KEYBYTES] = { 0 };
	int	ra, rb, i;

	for (i = 0; i < 16; i++) {
		exchange(ka, &ra, kb, &rb, pw, sizeof(pw) - 1, pw,
		    sizeof(pw) - 1, id, sizeof(id) - 1, id, sizeof(id) - 1);
		assert_int_equal(ra, 0);
		assert_int_equal(rb, 0);
		assert_memory_equal(ka, kb, sizeof(ka));
		assert_memory_not_equal(ka, zero, sizeof(ka));
	}
	/* An empty id works too. */
	exchange(ka, &ra, kb, &rb, pw, sizeof(pw) - 1, pw, sizeof(pw) - 1,
	    NULL, 0, NULL, 0);
	assert_int_equal(ra, 0);
	assert_int_equal(rb, 0);
	assert_memory_equal(ka, kb, sizeof(ka));
}

static void
different_password_or_id_differ(void **state)
{
	static const uint8_t	pw2[] = "7-crossover-clockwerk";
	static const uint8_t	id2[] = "petmail tesT";
	uint8_t			ka[SPAKE2_KEYBYTES], kb[SPAKE2_KEYBYTES];
	int			ra, rb;

	exchange(ka, &ra, kb, &rb, pw, sizeof(pw) - 1, pw2, sizeof(pw2) - 1,
	    id, sizeof(id) - 1, id, sizeof(id) - 1);
	assert_int_equal(ra, 0);
	assert_int_equal(rb, 0);
	assert_memory_not_equal(ka, kb, sizeof(ka));

	exchange(ka, &ra, kb, &rb, pw, sizeof(pw) - 1, pw, sizeof(pw) - 2,
	    id, sizeof(id) - 1, id, sizeof(id) - 1);
	assert_int_equal(ra, 0);
	assert_int_equal(rb, 0);
	assert_memory_not_equal(ka, kb, sizeof(ka));

	exchange(ka, &ra, kb, &rb, pw, sizeof(pw) - 1, pw, sizeof(pw) - 1,
	    id, sizeof(id) - 1, id2, sizeof(id2) - 1);
	assert_int_equal(ra, 0);
	assert_int_equal(rb, 0);
	assert_memory_not_equal(ka, kb, sizeof(ka));
}

/* S and python-spake2's other arbitrary elements, derived here. */
static void
arbitrary_elements_match_python(void **state)
{
	uint8_t	seed[16], want[SPAKE2_ELEMENTBYTES], got[SPAKE2_ELEMENTBYTES];
	uint8_t	s[SPAKE2_ELEMENTBYTES];
	size_t	i, n;

	for (i = 0; i < NITEMS(spake2_seed_vectors); i++) {
		n = from_hex_any(seed, sizeof(seed),
		    spake2_seed_vectors[i].seed);
		from_hex(want, sizeof(want), spake2_seed_vectors[i].element);
		memset(got, 0, sizeof(got));
		assert_int_equal(spake2_arbitrary_element(got,
		    n ? seed : NULL, n), 0);
		assert_memory_equal(got, want, sizeof(want));
		assert_true(crypto_core_ed25519_is_valid_point(got));
	}
	from_hex(want, sizeof(want), spake2_vector_S);
	assert_int_equal(spake2_arbitrary_element(s,
	    (const uint8_t *)"symmetric", 9), 0);
	assert_memory_equal(s, want, sizeof(want));

	assert_int_equal(spake2_arbitrary_element(s, NULL, 1), -1);
	assert_int_equal(spake2_arbitrary_element(s, seed,
	    SPAKE2_SEEDMAXBYTES + 1), -1);
}

/* Both sides of each python-spake2 exchange, byte for byte. */
static void
known_answers(void **state)
{
	static uint8_t		 password[SPAKE2_PASSWORDMAXBYTES];
	static uint8_t		 ident[SPAKE2_IDMAXBYTES];
	const struct spake2_vector *v;
	struct spake2_state	*a, *b;
	uint8_t			 ea[SPAKE2_ENTROPYBYTES];
	uint8_t			 eb[SPAKE2_ENTROPYBYTES];
	uint8_t			 ma[SPAKE2_MSGBYTES], mb[SPAKE2_MSGBYTES];
	uint8_t			 wa[SPAKE2_MSGBYTES], wb[SPAKE2_MSGBYTES];
	uint8_t			 key[SPAKE2_KEYBYTES], ka[SPAKE2_KEYBYTES];
	uint8_t			 kb[SPAKE2_KEYBYTES];
	size_t			 i, pwlen, idlen;

	for (i = 0; i < NITEMS(spake2_vectors); i++) {
		v = &spake2_vectors[i];
		pwlen = from_hex_any(password, sizeof(password), v->password);
		idlen = from_hex_any(ident, sizeof(ident), v->id);
		from_hex(ea, sizeof(ea), v->entropy_a);
		from_hex(eb, sizeof(eb), v->entropy_b);
		from_hex(wa, sizeof(wa), v->msg_a);
		from_hex(wb, sizeof(wb), v->msg_b);
		from_hex(key, sizeof(key), v->key);

		assert_int_equal(spake2_start_entropy(&a, ma, password, pwlen,
		    idlen ? ident : NULL, idlen, ea), 0);
		assert_int_equal(spake2_start_entropy(&b, mb, password, pwlen,
		    idlen ? ident : NULL, idlen, eb), 0);
		assert_memory_equal(ma, wa, sizeof(wa));
		assert_memory_equal(mb, wb, sizeof(wb));
		assert_int_equal(spake2_finish(ka, a, wb, sizeof(wb)), 0);
		assert_int_equal(spake2_finish(kb, b, wa, sizeof(wa)), 0);
		assert_memory_equal(ka, key, sizeof(key));
		assert_memory_equal(kb, key, sizeof(key));
		SPAKE2_FREE(a);
		SPAKE2_FREE(b);
	}
}

/* Start a fresh side and require it to refuse msg. */
static void
must_refuse(const uint8_t *msg, size_t len)
{
	struct spake2_state	*st;
	uint8_t			 mine[SPAKE2_MSGBYTES];
	uint8_t			 key[SPAKE2_KEYBYTES];
	uint8_t			 zero[SPAKE2_KEYBYTES] = { 0 };

	assert_int_equal(spake2_start(&st, mine, pw, sizeof(pw) - 1, id,
	    sizeof(id) - 1), 0);
	memset(key, 0xaa, sizeof(key));
	assert_int_equal(spake2_finish(key, st, msg, len), -1);
	assert_memory_equal(key, zero, sizeof(key));
	spake2_free(st);
}

/* Require a fresh side to accept msg: must_refuse() cases are real. */
static void
must_accept(const uint8_t *msg, size_t len)
{
	struct spake2_state	*st;
	uint8_t			 mine[SPAKE2_MSGBYTES];
	uint8_t			 key[SPAKE2_KEYBYTES];

	assert_int_equal(spake2_start(&st, mine, pw, sizeof(pw) - 1, id,
	    sizeof(id) - 1), 0);
	assert_int_equal(spake2_finish(key, st, msg, len), 0);
	spake2_free(st);
}

static void
malformed_messages_refused(void **state)
{
	struct spake2_state	*peer;
	uint8_t			 good[SPAKE2_MSGBYTES], m[SPAKE2_MSGBYTES + 1];

	assert_int_equal(spake2_start(&peer, good, pw, sizeof(pw) - 1, id,
	    sizeof(id) - 1), 0);
	spake2_free(peer);
	must_accept(good, sizeof(good));

	/* Length. */
	must_refuse(good, 0);
	must_refuse(good, 1);
	must_refuse(good, SPAKE2_MSGBYTES - 1);
	memcpy(m, good, sizeof(good));
	m[SPAKE2_MSGBYTES] = 0;
	must_refuse(m, SPAKE2_MSGBYTES + 1);
	must_refuse(good, SIZE_MAX);
	must_refuse(NULL, SPAKE2_MSGBYTES);
	/* Element alone, without the side byte. */
	must_refuse(good + 1, SPAKE2_ELEMENTBYTES);

	/* Side byte: python-spake2's A and B sides, and others. */
	memcpy(m, good, sizeof(good));
	m[0] = 'A';
	must_refuse(m, SPAKE2_MSGBYTES);
	m[0] = 'B';
	must_refuse(m, SPAKE2_MSGBYTES);
	m[0] = 's';
	must_refuse(m, SPAKE2_MSGBYTES);
	m[0] = 0;
	must_refuse(m, SPAKE2_MSGBYTES);
}

/* 'S' followed by the element given in hex. */
static void
refuse_element_hex(const char *hex)
{
	uint8_t	m[SPAKE2_MSGBYTES];

	m[0] = SPAKE2_SIDE_SYMMETRIC;
	from_hex(m + 1, SPAKE2_ELEMENTBYTES, hex);
	must_refuse(m, sizeof(m));
}

/*
 * The eight points of small order (canonical and with the sign bit
 * flipped), then non-canonical encodings (y >= p) of the identity
 * and of other curve points. python-spake2 itself accepts some of
 * the identity's spellings (p+1, or 1 with the sign bit set).
 */
static const char *bad_elements[] = {
	/* identity: y = 1 */
	"0100000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000080",
	/* order 2: y = p - 1 */
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	/* order 4: y = 0 */
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0000000000000000000000000000000000000000000000000000000000000080",
	/* order 8 */
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
	/* non-canonical: y = p + 1 (identity, both signs), p (order 4) */
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	/* non-canonical: y = p + 3, a curve point of large order */
	"f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	/* not on the curve: y = 2, y = 7 */
	"0200000000000000000000000000000000000000000000000000000000000000",
	"0700000000000000000000000000000000000000000000000000000000000000",
	/* y = 2^255 - 1 = p + 18 (non-canonical), sign bit set */
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
};

static void
bad_points_refused(void **state)
{
	struct spake2_state	*peer;
	uint8_t			 good[SPAKE2_MSGBYTES], m[SPAKE2_MSGBYTES];
	uint8_t			 t[SPAKE2_ELEMENTBYTES];
	size_t			 i;

	for (i = 0; i < NITEMS(bad_elements); i++)
		refuse_element_hex(bad_elements[i]);

	/* A good element plus a point of order 8, 4 or 2: mixed order. */
	assert_int_equal(spake2_start(&peer, good, pw, sizeof(pw) - 1, id,
	    sizeof(id) - 1), 0);
	spake2_free(peer);
	for (i = 2; i < 10; i += 2) {
		from_hex(t, sizeof(t), bad_elements[i]);
		m[0] = SPAKE2_SIDE_SYMMETRIC;
		assert_int_equal(crypto_core_ed25519_add(m + 1, good + 1, t),
		    0);
		assert_false(crypto_core_ed25519_is_valid_point(m + 1));
		must_refuse(m, sizeof(m));
	}
	must_accept(good, sizeof(good));
}

/* Our own message sent back to us. */
static void
reflection_refused(void **state)
{
	struct spake2_state	*st;
	uint8_t			 m[SPAKE2_MSGBYTES], key[SPAKE2_KEYBYTES];

	assert_int_equal(spake2_start(&st, m, pw, sizeof(pw) - 1, id,
	    sizeof(id) - 1), 0);
	assert_int_equal(spake2_finish(key, st, m, sizeof(m)), -1);
	spake2_free(st);
}

/*
 * Y* = w*S makes Y* - w*S the identity: refused, although the point is
 * valid. The vectors carry python-spake2's w*S for each password.
 */
static void
identity_shared_point_refused(void **state)
{
	static uint8_t		 password[SPAKE2_PASSWORDMAXBYTES];
	const struct spake2_vector *v;
	struct spake2_state	*st;
	uint8_t			 m[SPAKE2_MSGBYTES], mine[SPAKE2_MSGBYTES];
	uint8_t			 key[SPAKE2_KEYBYTES];
	size_t			 i, pwlen;

	for (i = 0; i < NITEMS(spake2_vectors); i++) {
		v = &spake2_vectors[i];
		pwlen = from_hex_any(password, sizeof(password), v->password);
		m[0] = SPAKE2_SIDE_SYMMETRIC;
		from_hex(m + 1, SPAKE2_ELEMENTBYTES, v->pw_s);
		assert_true(crypto_core_ed25519_is_valid_point(m + 1));
		assert_int_equal(spake2_start(&st, mine, password, pwlen,
		    NULL, 0), 0);
		assert_int_equal(spake2_finish(key, st, m, sizeof(m)), -1);
		spake2_free(st);
		/* With another password the same element is fine. */
		assert_int_equal(spake2_start(&st, mine,
		    (const uint8_t *)"other", 5, NULL, 0), 0);
		assert_int_equal(spake2_finish(key, st, m, sizeof(m)), 0);
		spake2_free(st);
	}
}

/* A state finishes once, even after a refused message. */
static void
single_use(void **state)
{
	struct spake2_state	*a, *b;
	uint8_t			 ma[SPAKE2_MSGBYTES], mb[SPAKE2_MSGBYTES];
	uint8_t			 key[SPAKE2_KEYBYTES];

	assert_int_equal(spake2_start(&a, ma, pw, sizeof(pw) - 1, NULL, 0), 0);
	assert_int_equal(spake2_start(&b, mb, pw, sizeof(pw) - 1, NULL, 0), 0);
	assert_int_equal(spake2_finish(key, a, mb, sizeof(mb)), 0);
	assert_int_equal(spake2_finish(key, a, mb, sizeof(mb)), -1);
	assert_int_equal(spake2_finish(key, b, mb, 1), -1);
	assert_int_equal(spake2_finish(key, b, ma, sizeof(ma)), -1);
	assert_int_equal(spake2_finish(key, NULL, ma, sizeof(ma)), -1);
	SPAKE2_FREE(a);
	SPAKE2_FREE(b);
	spake2_free(NULL);
}

static void
bounds(void **state)
{
	static uint8_t		 big[SPAKE2_PASSWORDMAXBYTES + 1];
	static uint8_t		 bigid[SPAKE2_IDMAXBYTES + 1];
	struct spake2_state	*st;
	uint8_t			 m[SPAKE2_MSGBYTES], e[SPAKE2_ENTROPYBYTES];

	memset(big, 'p', sizeof(big));
	memset(bigid, 'i', sizeof(bigid));
	st = (struct spake2_state *)big;	/* must come back NULL */
	assert_int_equal(spake2_start(&st, m, pw, 0, id, 1), -1);
	assert_null(st);
	assert_int_equal(spake2_start(&st, m, NULL, 1, id, 1), -1);
	assert_int_equal(spake2_start(&st, m, big, sizeof(big), id, 1), -1);
	assert_int_equal(spake2_start(&st, m, pw, 1, bigid, sizeof(bigid)),
	    -1);
	assert_int_equal(spake2_start(&st, m, pw, 1, NULL, 1), -1);
	assert_int_equal(spake2_start(NULL, m, pw, 1, NULL, 0), -1);
	assert_int_equal(spake2_start(&st, NULL, pw, 1, NULL, 0), -1);
	assert_null(st);

	/* The largest password and id are accepted. */
	assert_int_equal(spake2_start(&st, m, big, sizeof(big) - 1, bigid,
	    sizeof(bigid) - 1), 0);
	assert_non_null(st);
	SPAKE2_FREE(st);

	/* Entropy that reduces to 0, as 0 or as L, is refused. */
	memset(e, 0, sizeof(e));
	assert_int_equal(spake2_start_entropy(&st, m, pw, 1, NULL, 0, e), -1);
	from_hex(e + 32, 32,
	    "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed");
	assert_int_equal(spake2_start_entropy(&st, m, pw, 1, NULL, 0, e), -1);
	assert_null(st);
	e[63] ^= 1;	/* L - 1 */
	assert_int_equal(spake2_start_entropy(&st, m, pw, 1, NULL, 0, e), 0);
	SPAKE2_FREE(st);
	assert_int_equal(spake2_start_entropy(&st, m, pw, 1, NULL, 0, NULL),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_sides_agree),
		cmocka_unit_test(different_password_or_id_differ),
		cmocka_unit_test(arbitrary_elements_match_python),
		cmocka_unit_test(known_answers),
		cmocka_unit_test(malformed_messages_refused),
		cmocka_unit_test(bad_points_refused),
		cmocka_unit_test(reflection_refused),
		cmocka_unit_test(identity_shared_point_refused),
		cmocka_unit_test(single_use),
		cmocka_unit_test(bounds),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
