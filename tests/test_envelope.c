/*
 * Message envelopes: round trips through two ratchets at every bucket
 * boundary, exact sizes, tampering and replays (the ratchet's saved state
 * must not change), malformed envelopes and plaintexts (crafted through
 * ratchet_encrypt() directly), and batches.
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

#include "crypto/ratchet.h"
#include "envelope.h"

struct pair {
	struct ratchet	*alice;
	struct ratchet	*bob;
	uint8_t		 token_a[ENVELOPE_TOKENBYTES];	/* to Alice */
	uint8_t		 token_b[ENVELOPE_TOKENBYTES];	/* to Bob */
	uint8_t		*env;		/* ENVELOPE_MAX_BYTES + 1 */
	uint8_t		*body;		/* ENVELOPE_MAX_BODY */
	uint8_t		*got;		/* ENVELOPE_MAX_BODY */
};

static int
pair_setup(void **state)
{
	struct pair	*p;
	uint8_t		 sk[RATCHET_SHAREDKEYBYTES];
	uint8_t		 bob_secret[RATCHET_SECRETKEYBYTES];
	uint8_t		 bob_public[RATCHET_PUBLICKEYBYTES];

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	randombytes_buf(sk, sizeof(sk));
	randombytes_buf(bob_secret, sizeof(bob_secret));
	randombytes_buf(p->token_a, sizeof(p->token_a));
	randombytes_buf(p->token_b, sizeof(p->token_b));
	if (crypto_scalarmult_base(bob_public, bob_secret) != 0 ||
	    ratchet_init_bob(&p->bob, sk, bob_secret) != 0 ||
	    ratchet_init_alice(&p->alice, sk, bob_public) != 0)
		return -1;
	if ((p->env = malloc(ENVELOPE_MAX_BYTES + 1)) == NULL ||
	    (p->body = malloc(ENVELOPE_MAX_BODY)) == NULL ||
	    (p->got = malloc(ENVELOPE_MAX_BODY)) == NULL)
		return -1;
	*state = p;
	return 0;
}

static int
pair_teardown(void **state)
{
	struct pair	*p = *state;

	RATCHET_FREE(p->alice);
	RATCHET_FREE(p->bob);
	free(p->env);
	free(p->body);
	free(p->got);
	free(p);
	return 0;
}

/* A saved state, for comparisons; free() it. */
static uint8_t *
blob(const struct ratchet *r, size_t *len)
{
	uint8_t	*b;

	*len = ratchet_save_size(r);
	assert_non_null(b = malloc(*len));
	assert_int_equal(ratchet_save(b, *len, r), 0);
	return b;
}

static void
assert_state_is(const struct ratchet *r, const uint8_t *want, size_t wantlen)
{
	uint8_t	*b;
	size_t	 len;

	b = blob(r, &len);
	assert_int_equal(len, wantlen);
	assert_memory_equal(b, want, len);
	free(b);
}

/* LEN bytes of valid UTF-8: ASCII, with a two-byte "é" where it fits. */
static void
fill_text(uint8_t *b, size_t len, unsigned int salt)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (i % 50 == 7 && i + 1 < len) {
			b[i++] = 0xc3;
			b[i] = 0xa9;
		} else
			b[i] = (uint8_t)('a' + (i + salt) % 26);
	}
}

static size_t
seal_text(struct pair *p, struct ratchet *from, const uint8_t *token,
    uint64_t seq, size_t bodylen, uint8_t *out)
{
	struct envelope_msg	m = {
		.type = ENVELOPE_TEXT,
		.seq = seq,
		.created = 1700000000 + seq,
		.body = p->body,
		.bodylen = bodylen,
	};
	size_t			n;

	fill_text(p->body, bodylen, (unsigned int)seq);
	assert_int_equal(envelope_seal(out, ENVELOPE_MAX_BYTES, &n, from,
	    token, &m), 0);
	assert_int_equal(n, envelope_sealed_size(bodylen));
	return n;
}

/* Opens and checks what seal_text() sealed. */
static void
open_text(struct pair *p, struct ratchet *to, const uint8_t *token,
    uint64_t seq, size_t bodylen, const uint8_t *env, size_t len)
{
	struct envelope_view	v;
	struct envelope_msg	m;

	assert_int_equal(envelope_peek(&v, env, len), 0);
	assert_memory_equal(v.token, token, ENVELOPE_TOKENBYTES);
	assert_int_equal(envelope_open(&m, p->got, ENVELOPE_MAX_BODY, to, &v),
	    ENVELOPE_OPENED);
	assert_int_equal(m.type, ENVELOPE_TEXT);
	assert_int_equal(m.seq, seq);
	assert_int_equal(m.created, 1700000000 + seq);
	assert_int_equal(m.bodylen, bodylen);
	assert_ptr_equal(m.body, p->got);
	fill_text(p->body, bodylen, (unsigned int)seq);
	if (bodylen > 0)
		assert_memory_equal(m.body, p->body, bodylen);
}

static const struct {
	size_t	bodylen;
	size_t	bucket;
} boundaries[] = {
	{ 0, 256 }, { 1, 256 }, { 234, 256 }, { 235, 1024 },
	{ 1002, 1024 }, { 1003, 4096 }, { 4074, 4096 }, { 4075, 16384 },
	{ 16362, 16384 }, { 16363, 65536 }, { ENVELOPE_MAX_BODY, 65536 },
};

static void
sizes(void **state)
{
	size_t	i;

	assert_int_equal(ENVELOPE_HEADERBYTES, 74);
	assert_int_equal(ENVELOPE_MAX_BODY, 65536 - 22);
	for (i = 0; i < ENVELOPE_BUCKETS; i++)
		assert_int_equal(envelope_bucket((unsigned int)i),
		    (size_t)256 << (2 * i));
	assert_int_equal(envelope_bucket(ENVELOPE_BUCKETS), 0);
	for (i = 0; i < sizeof(boundaries) / sizeof(boundaries[0]); i++) {
		assert_int_equal(envelope_padded_size(boundaries[i].bodylen),
		    boundaries[i].bucket);
		assert_int_equal(envelope_sealed_size(boundaries[i].bodylen),
		    74 + boundaries[i].bucket + 16);
	}
	assert_int_equal(envelope_padded_size(ENVELOPE_MAX_BODY + 1), 0);
	assert_int_equal(envelope_sealed_size(ENVELOPE_MAX_BODY + 1), 0);
	assert_int_equal(envelope_padded_size(SIZE_MAX), 0);
}

/* Every boundary, Alice to Bob and Bob to Alice; lengths show the bucket. */
static void
round_trip_buckets(void **state)
{
	struct pair	*p = *state;
	size_t		 i, n, len;
	uint64_t	 seq = 1;

	for (i = 0; i < sizeof(boundaries) / sizeof(boundaries[0]); i++) {
		len = boundaries[i].bodylen;
		n = seal_text(p, p->alice, p->token_b, seq, len, p->env);
		assert_int_equal(n, 74 + boundaries[i].bucket + 16);
		open_text(p, p->bob, p->token_b, seq, len, p->env, n);
		n = seal_text(p, p->bob, p->token_a, seq, len, p->env);
		assert_int_equal(n, 74 + boundaries[i].bucket + 16);
		open_text(p, p->alice, p->token_a, seq, len, p->env, n);
		seq++;
	}
	/* The clear part is exactly as specified. */
	n = seal_text(p, p->alice, p->token_b, seq, 10, p->env);
	assert_int_equal(p->env[0], 1);
	assert_int_equal(p->env[1], 1);
	assert_memory_equal(p->env + 2, p->token_b, 32);
	open_text(p, p->bob, p->token_b, seq, 10, p->env, n);
}

/*
 * The bytes on the wire, read without envelope_open(): the clear part,
 * then the ratchet's own decryption with bytes 0..33 as associated data,
 * and the plaintext laid out by hand.
 */
static void
wire_format(void **state)
{
	struct pair		*p = *state;
	struct envelope_msg	 m = {
		.type = ENVELOPE_TEXT,
		.seq = 0x0102030405060708ULL,
		.created = 0x00000000656e7665ULL,
		.body = (const uint8_t *)"h\xc3\xa9llo",
		.bodylen = 6,
	};
	uint8_t			 want[256], got[256];
	size_t			 n;

	assert_int_equal(envelope_seal(p->env, ENVELOPE_MAX_BYTES, &n,
	    p->alice, p->token_b, &m), 0);
	assert_int_equal(n, 74 + 256 + 16);
	assert_int_equal(p->env[0], 1);
	assert_int_equal(p->env[1], 1);
	assert_memory_equal(p->env + 2, p->token_b, 32);
	assert_int_equal(ratchet_decrypt(p->bob, got, sizeof(got), p->env + 34,
	    40, p->env + 74, 256 + 16, p->env, 34), 0);
	memset(want, 0, sizeof(want));
	memcpy(want, "\x01\x01"			/* versions, text */
	    "\x01\x02\x03\x04\x05\x06\x07\x08"	/* seq */
	    "\x00\x00\x00\x00\x65\x6e\x76\x65"	/* created */
	    "\x00\x00\x00\x06"			/* body length */
	    "h\xc3\xa9llo", 28);
	assert_memory_equal(got, want, sizeof(want));
}

static void
session_start(void **state)
{
	struct pair		*p = *state;
	struct envelope_msg	 m = {
		.type = ENVELOPE_SESSION_START,
		.seq = 1,
		.created = 42,
	};
	struct envelope_msg	 got;
	struct envelope_view	 v;
	size_t			 n;

	assert_int_equal(envelope_seal(p->env, ENVELOPE_MAX_BYTES, &n,
	    p->alice, p->token_b, &m), 0);
	assert_int_equal(n, 74 + 256 + 16);
	assert_int_equal(envelope_peek(&v, p->env, n), 0);
	assert_int_equal(envelope_open(&got, p->got, ENVELOPE_MAX_BODY,
	    p->bob, &v), ENVELOPE_OPENED);
	assert_int_equal(got.type, ENVELOPE_SESSION_START);
	assert_int_equal(got.seq, 1);
	assert_int_equal(got.created, 42);
	assert_int_equal(got.bodylen, 0);
	/* Bob can answer now. */
	m.seq = 1;
	m.type = ENVELOPE_TEXT;
	m.body = (const uint8_t *)"hi";
	m.bodylen = 2;
	assert_int_equal(envelope_seal(p->env, ENVELOPE_MAX_BYTES, &n,
	    p->bob, p->token_a, &m), 0);
	assert_int_equal(envelope_peek(&v, p->env, n), 0);
	assert_int_equal(envelope_open(&got, p->got, 2, p->alice, &v),
	    ENVELOPE_REJECTED);	/* too small a buffer, state unchanged */
	assert_int_equal(envelope_open(&got, p->got, 256 - 22, p->alice, &v),
	    ENVELOPE_OPENED);
	assert_int_equal(got.bodylen, 2);
	assert_memory_equal(got.body, "hi", 2);
}

/* What envelope_seal() refuses, leaving the ratchet as it was. */
static void
seal_rejects(void **state)
{
	struct pair		*p = *state;
	struct envelope_msg	 m;
	uint8_t			*before;
	size_t			 blen, n;
	static const struct {
		int		 type;
		uint64_t	 seq;
		const char	*body;
		size_t		 len;
	} bad[] = {
		{ ENVELOPE_TEXT, 0, "hi", 2 },
		{ 0, 1, "hi", 2 },
		{ 3, 1, "hi", 2 },
		{ ENVELOPE_SESSION_START, 1, "hi", 2 },
		{ ENVELOPE_TEXT, 1, "a\0b", 3 },
		{ ENVELOPE_TEXT, 1, "\xc3", 1 },
		{ ENVELOPE_TEXT, 1, "\xc0\xaf", 2 },
	};
	size_t			 i;

	/* Bob cannot send before he has heard from Alice. */
	memset(&m, 0, sizeof(m));
	m.type = ENVELOPE_TEXT;
	m.seq = 1;
	before = blob(p->bob, &blen);
	n = 99;
	assert_int_equal(envelope_seal(p->env, ENVELOPE_MAX_BYTES, &n, p->bob,
	    p->token_a, &m), -1);
	assert_int_equal(n, 0);
	assert_state_is(p->bob, before, blen);
	free(before);

	before = blob(p->alice, &blen);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.type = (enum envelope_type)bad[i].type;
		m.seq = bad[i].seq;
		m.body = (const uint8_t *)bad[i].body;
		m.bodylen = bad[i].len;
		assert_int_equal(envelope_seal(p->env, ENVELOPE_MAX_BYTES, &n,
		    p->alice, p->token_b, &m), -1);
		assert_int_equal(envelope_plain_encode(p->env,
		    ENVELOPE_MAX_BYTES, &m), 0);
	}
	/* Too long a body; too short an output. */
	m.type = ENVELOPE_TEXT;
	m.seq = 1;
	fill_text(p->body, ENVELOPE_MAX_BODY, 0);
	m.body = p->body;
	m.bodylen = ENVELOPE_MAX_BODY + 1;
	assert_int_equal(envelope_seal(p->env, ENVELOPE_MAX_BYTES + 1, &n,
	    p->alice, p->token_b, &m), -1);
	m.bodylen = 10;
	assert_int_equal(envelope_seal(p->env, 74 + 256 + 15, &n, p->alice,
	    p->token_b, &m), -1);
	assert_state_is(p->alice, before, blen);
	assert_int_equal(envelope_seal(p->env, 74 + 256 + 16, &n, p->alice,
	    p->token_b, &m), 0);
	free(before);
}

/* Opening must fail with Bob's ratchet exactly as it was. */
static void
assert_rejected(struct pair *p, const uint8_t *env, size_t len)
{
	struct envelope_view	 v;
	struct envelope_msg	 m;
	uint8_t			*before;
	size_t			 blen;

	before = blob(p->bob, &blen);
	if (envelope_peek(&v, env, len) == 0) {
		memset(p->got, 0xaa, ENVELOPE_MAX_BODY);
		assert_int_equal(envelope_open(&m, p->got, ENVELOPE_MAX_BODY,
		    p->bob, &v), ENVELOPE_REJECTED);
		assert_null(m.body);
		assert_int_equal(m.bodylen, 0);
		assert_int_equal(p->got[0], 0);
		assert_int_equal(p->got[ENVELOPE_MAX_BODY - 1], 0);
	}
	assert_state_is(p->bob, before, blen);
	free(before);
}

static void
tampering_rejected(void **state)
{
	struct pair	*p = *state;
	uint8_t		*env;
	size_t		 n, i;
	static const size_t	 at[] = {
		2, 33,			/* token (associated data) */
		34, 70, 73,		/* header: DH key, PN, N */
		74, 74 + 100, 74 + 256, 74 + 271,	/* ciphertext, tag */
	};

	n = seal_text(p, p->alice, p->token_b, 1, 100, p->env);
	assert_non_null(env = malloc(n));
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		memcpy(env, p->env, n);
		env[at[i]] ^= 0x01;
		assert_rejected(p, env, n);
	}
	/* Version and kind are checked before any key is used. */
	memcpy(env, p->env, n);
	env[0] = 2;
	assert_rejected(p, env, n);
	env[0] = 1;
	env[1] = 2;
	assert_rejected(p, env, n);
	/* The untouched envelope still opens. */
	open_text(p, p->bob, p->token_b, 1, 100, p->env, n);
	free(env);
}

/* Sealed by the ratchet with some other associated data. */
static void
wrong_ad_rejected(void **state)
{
	struct pair	*p = *state;
	uint8_t		 plain[256];
	uint8_t		 ad[ENVELOPE_ADBYTES];
	const size_t	 n = 74 + 256 + 16;

	struct envelope_msg m = {
		.type = ENVELOPE_TEXT,
		.seq = 1,
		.created = 1700000001,
	};

	assert_int_equal(envelope_plain_encode(plain, sizeof(plain), &m), 256);
	p->env[0] = 1;
	p->env[1] = 1;
	memcpy(p->env + 2, p->token_b, 32);
	/* No associated data at all. */
	assert_int_equal(ratchet_encrypt(p->alice, p->env + 34, p->env + 74,
	    256 + 16, plain, 256, NULL, 0), 0);
	assert_rejected(p, p->env, n);
	/* The token of another contact. */
	memcpy(ad, p->env, 2);
	memcpy(ad + 2, p->token_a, 32);
	assert_int_equal(ratchet_encrypt(p->alice, p->env + 34, p->env + 74,
	    256 + 16, plain, 256, ad, sizeof(ad)), 0);
	assert_rejected(p, p->env, n);
	/* The right one opens: the plaintext above is well formed. */
	assert_int_equal(ratchet_encrypt(p->alice, p->env + 34, p->env + 74,
	    256 + 16, plain, 256, p->env, ENVELOPE_ADBYTES), 0);
	open_text(p, p->bob, p->token_b, 1, 0, p->env, n);
}

static void
replay_rejected(void **state)
{
	struct pair	*p = *state;
	size_t		 n;

	n = seal_text(p, p->alice, p->token_b, 1, 300, p->env);
	open_text(p, p->bob, p->token_b, 1, 300, p->env, n);
	assert_rejected(p, p->env, n);
	/* Also once the conversation has moved on. */
	n = seal_text(p, p->bob, p->token_a, 1, 5, p->env);
	open_text(p, p->alice, p->token_a, 1, 5, p->env, n);
	n = seal_text(p, p->alice, p->token_b, 2, 5, p->env);
	open_text(p, p->bob, p->token_b, 2, 5, p->env, n);
	assert_rejected(p, p->env, n);
}

static void
truncated_and_bad_sizes(void **state)
{
	struct pair		*p = *state;
	struct envelope_view	 v;
	uint8_t			*big;
	size_t			 n, i;
	static const size_t	 bad[] = {
		0, 1, 73, 74, 74 + 16, 74 + 255 + 16, 74 + 257 + 16,
		74 + 300 + 16, 74 + 1024 + 15, 74 + 65536 + 17,
		74 + 131072 + 16,
	};

	n = seal_text(p, p->alice, p->token_b, 1, 20, p->env);
	for (i = 0; i < n; i++)
		assert_int_equal(envelope_peek(&v, p->env, i), -1);
	/* One byte more is no envelope either. */
	assert_int_equal(envelope_peek(&v, p->env, n + 1), -1);
	assert_null(v.ad);
	assert_int_equal(envelope_peek(&v, p->env, n), 0);
	assert_ptr_equal(v.ad, p->env);
	assert_ptr_equal(v.token, p->env + 2);
	assert_ptr_equal(v.header, p->env + 34);
	assert_ptr_equal(v.c, p->env + 74);
	assert_int_equal(v.clen, 256 + 16);
	assert_int_equal(v.bucket, 256);
	assert_int_equal(v.len, n);

	/* Sizes between buckets, whatever the bytes. */
	assert_non_null(big = calloc(1, 74 + 131072 + 16));
	big[0] = 1;
	big[1] = 1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(envelope_peek(&v, big, bad[i]), -1);
	for (i = 0; i < ENVELOPE_BUCKETS; i++)
		assert_int_equal(envelope_peek(&v, big,
		    74 + envelope_bucket((unsigned int)i) + 16), 0);
	big[0] = 0;
	assert_int_equal(envelope_peek(&v, big, 74 + 256 + 16), -1);
	big[0] = 1;
	big[1] = 0;
	assert_int_equal(envelope_peek(&v, big, 74 + 256 + 16), -1);
	free(big);

	/* A view that envelope_peek() did not make is refused unopened. */
	assert_int_equal(envelope_peek(&v, p->env, n), 0);
	v.clen--;
	{
		struct envelope_msg	m;
		uint8_t			*before;
		size_t			 blen;

		before = blob(p->bob, &blen);
		assert_int_equal(envelope_open(&m, p->got, ENVELOPE_MAX_BODY,
		    p->bob, &v), ENVELOPE_REJECTED);
		v.clen++;
		v.bucket = 1024;
		assert_int_equal(envelope_open(&m, p->got, ENVELOPE_MAX_BODY,
		    p->bob, &v), ENVELOPE_REJECTED);
		assert_state_is(p->bob, before, blen);
		free(before);
	}
	open_text(p, p->bob, p->token_b, 1, 20, p->env, n);
}

/*
 * Seals PLAIN (a bucket's worth) from Alice to Bob as envelope_seal()
 * would, but without its checks, and opens it: the ratchet accepts it, the
 * plaintext check must not. Returns what envelope_open() said.
 */
static enum envelope_open_status
open_crafted(struct pair *p, const uint8_t *plain, size_t plen)
{
	struct envelope_view		v;
	struct envelope_msg		m;
	enum envelope_open_status	st;
	size_t				n = 74 + plen + 16;

	p->env[0] = 1;
	p->env[1] = 1;
	memcpy(p->env + 2, p->token_b, 32);
	assert_int_equal(ratchet_encrypt(p->alice, p->env + 34, p->env + 74,
	    plen + 16, plain, plen, p->env, 34), 0);
	assert_int_equal(envelope_peek(&v, p->env, n), 0);
	memset(p->got, 0xaa, ENVELOPE_MAX_BODY);
	st = envelope_open(&m, p->got, ENVELOPE_MAX_BODY, p->bob, &v);
	if (st != ENVELOPE_OPENED) {
		assert_null(m.body);
		assert_int_equal(m.bodylen, 0);
		assert_int_equal(m.seq, 0);
		/* Nothing of a bad plaintext is left in the caller's buffer. */
		assert_int_equal(p->got[0], 0);
		assert_int_equal(p->got[ENVELOPE_MAX_BODY - 1], 0);
	}
	/* Once opened or malformed, the message key is gone. */
	assert_rejected(p, p->env, n);
	return st;
}

/* A valid plaintext of BODY in its bucket; returns the bucket. */
static size_t
plain_of(uint8_t *out, int type, uint64_t seq, const char *body, size_t len)
{
	struct envelope_msg	m = {
		.type = (enum envelope_type)type,
		.seq = seq,
		.created = 7,
		.body = (const uint8_t *)body,
		.bodylen = len,
	};
	size_t			n;

	n = envelope_plain_encode(out, ENVELOPE_BUCKET_MAX, &m);
	assert_true(n > 0);
	return n;
}

static void
malformed_plaintexts(void **state)
{
	struct pair	*p = *state;
	uint8_t		*plain;
	size_t		 n;

	assert_non_null(plain = calloc(1, ENVELOPE_BUCKET_MAX));

	/* The control: a crafted good one opens. */
	n = plain_of(plain, ENVELOPE_TEXT, 1, "fine", 4);
	assert_int_equal(n, 256);
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_OPENED);

	/* Non-zero padding: the first, a middle and the last byte. */
	n = plain_of(plain, ENVELOPE_TEXT, 2, "fine", 4);
	plain[22 + 4] = 1;
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);
	n = plain_of(plain, ENVELOPE_TEXT, 2, "fine", 4);
	plain[100] = 0x80;
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);
	n = plain_of(plain, ENVELOPE_TEXT, 2, "fine", 4);
	plain[n - 1] = 1;
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);

	/* Unknown types. */
	n = plain_of(plain, ENVELOPE_TEXT, 2, "fine", 4);
	plain[1] = 0;
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);
	plain[1] = 3;
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);
	plain[1] = 0xff;
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);

	/* Another inner version. */
	n = plain_of(plain, ENVELOPE_TEXT, 2, "fine", 4);
	plain[0] = 2;
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);

	/* A session start with a body. */
	n = plain_of(plain, ENVELOPE_TEXT, 2, "fine", 4);
	plain[1] = ENVELOPE_SESSION_START;
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);

	/* Bad UTF-8, NUL in the body. */
	n = plain_of(plain, ENVELOPE_TEXT, 2, "caf\xc3\xa9", 5);
	plain[22 + 4] = 0x28;
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);
	n = plain_of(plain, ENVELOPE_TEXT, 2, "caf\xc3\xa9", 5);
	plain[22 + 3] = 0xc0;
	plain[22 + 4] = 0xaf;
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);
	n = plain_of(plain, ENVELOPE_TEXT, 2, "fine", 4);
	plain[22 + 1] = 0;
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);

	/* Seq 0. */
	n = plain_of(plain, ENVELOPE_TEXT, 2, "fine", 4);
	plain[9] = 0;
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);

	/* A body length past the bucket, or past the body's real end. */
	n = plain_of(plain, ENVELOPE_TEXT, 2, "fine", 4);
	plain[18] = 0xff;
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);
	n = plain_of(plain, ENVELOPE_TEXT, 2, "fine", 4);
	plain[21] = 235;	/* 22 + 235 > 256 */
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);
	n = plain_of(plain, ENVELOPE_TEXT, 2, "fine", 4);
	plain[21] = 3;		/* the last byte becomes padding */
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_MALFORMED);

	/* A short body padded to a larger bucket than it needs. */
	memset(plain, 0, ENVELOPE_BUCKET_MAX);
	(void)plain_of(plain, ENVELOPE_TEXT, 2, "fine", 4);
	assert_int_equal(open_crafted(p, plain, 1024), ENVELOPE_MALFORMED);

	/* And the conversation carries on. */
	n = plain_of(plain, ENVELOPE_TEXT, 3, "still", 5);
	assert_int_equal(open_crafted(p, plain, n), ENVELOPE_OPENED);
	free(plain);
}

static void
plain_codec(void **state)
{
	struct envelope_msg	m, d;
	uint8_t			buf[1024];
	size_t			n;

	memset(&m, 0, sizeof(m));
	m.type = ENVELOPE_TEXT;
	m.seq = 0x0102030405060708ULL;
	m.created = 0x1112131415161718ULL;
	m.body = (const uint8_t *)"x\n\xf0\x9f\x90\x88";
	m.bodylen = 6;
	assert_int_equal(envelope_plain_encode(buf, 255, &m), 0);
	memset(buf, 0xee, sizeof(buf));
	n = envelope_plain_encode(buf, sizeof(buf), &m);
	assert_int_equal(n, 256);
	assert_memory_equal(buf, "\x01\x01\x01\x02\x03\x04\x05\x06\x07\x08"
	    "\x11\x12\x13\x14\x15\x16\x17\x18\x00\x00\x00\x06"
	    "x\n\xf0\x9f\x90\x88\x00", 29);
	assert_int_equal(buf[255], 0);
	assert_int_equal(buf[256], 0xee);
	assert_int_equal(envelope_plain_decode(&d, buf, n), 0);
	assert_int_equal(d.type, ENVELOPE_TEXT);
	assert_int_equal(d.seq, m.seq);
	assert_int_equal(d.created, m.created);
	assert_int_equal(d.bodylen, 6);
	assert_ptr_equal(d.body, buf + 22);
	/* Only bucket sizes. */
	assert_int_equal(envelope_plain_decode(&d, buf, 255), -1);
	assert_int_equal(envelope_plain_decode(&d, buf, 257), -1);
	assert_int_equal(envelope_plain_decode(&d, buf, 0), -1);
	assert_null(d.body);
}

static void
utf8(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;
		int		 ok;
	} cases[] = {
		{ "", 0, 0 },
		{ "plain text\n\ttab", 15, 0 },
		{ "\xc2\x80", 2, 0 },			/* U+0080 */
		{ "\xdf\xbf", 2, 0 },			/* U+07FF */
		{ "\xe0\xa0\x80", 3, 0 },		/* U+0800 */
		{ "\xed\x9f\xbf", 3, 0 },		/* U+D7FF */
		{ "\xee\x80\x80", 3, 0 },		/* U+E000 */
		{ "\xef\xbf\xbf", 3, 0 },		/* U+FFFF */
		{ "\xf0\x90\x80\x80", 4, 0 },		/* U+10000 */
		{ "\xf4\x8f\xbf\xbf", 4, 0 },		/* U+10FFFF */
		{ "a\0b", 3, -1 },			/* NUL */
		{ "\x80", 1, -1 },			/* lone continuation */
		{ "\xc0\x80", 2, -1 },			/* overlong NUL */
		{ "\xc1\xbf", 2, -1 },			/* overlong */
		{ "\xe0\x9f\xbf", 3, -1 },		/* overlong */
		{ "\xf0\x8f\xbf\xbf", 4, -1 },		/* overlong */
		{ "\xed\xa0\x80", 3, -1 },		/* surrogate */
		{ "\xed\xbf\xbf", 3, -1 },		/* surrogate */
		{ "\xf4\x90\x80\x80", 4, -1 },		/* past U+10FFFF */
		{ "\xf5\x80\x80\x80", 4, -1 },
		{ "\xff", 1, -1 },
		{ "\xc3", 1, -1 },			/* truncated */
		{ "\xe2\x82", 2, -1 },
		{ "\xf0\x9f\x90", 3, -1 },
		{ "\xc3\x28", 2, -1 },			/* bad continuation */
		{ "\xe2\x28\xa1", 3, -1 },
		{ "\xe2\x82\x28", 3, -1 },
		{ "\xf0\x9f\x90\x28", 4, -1 },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(envelope_body_check(
		    (const uint8_t *)cases[i].s, cases[i].len), cases[i].ok);
}

static void
set_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A batch buffer with room for the largest batch and one byte more. */
#define BATCHBUF	(ENVELOPE_BATCH_MAX_BYTES + 1)

static void
batch_round_trip(struct pair *p, size_t count, uint64_t *seq)
{
	struct envelope_batch	 b;
	struct envelope_view	 views[ENVELOPE_BATCH_MAX];
	struct envelope_msg	 m;
	uint8_t			*buf;
	size_t			 i, n, len, got, want;

	assert_non_null(buf = malloc(BATCHBUF));
	envelope_batch_init(&b, buf, BATCHBUF);
	want = 2;
	for (i = 0; i < count; i++) {
		n = seal_text(p, p->alice, p->token_b, *seq + i, i * 37,
		    p->env);
		assert_int_equal(envelope_batch_add(&b, p->env, n), 0);
		want += 4 + n;
	}
	assert_int_equal(envelope_batch_finish(&b, &len), 0);
	assert_int_equal(len, want);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[1], count);
	assert_int_equal(envelope_batch_decode(views, &got, buf, len), 0);
	assert_int_equal(got, count);
	for (i = 0; i < count; i++) {
		assert_int_equal(views[i].len, envelope_sealed_size(i * 37));
		assert_int_equal(envelope_open(&m, p->got, ENVELOPE_MAX_BODY,
		    p->bob, &views[i]), ENVELOPE_OPENED);
		assert_int_equal(m.seq, *seq + i);
		assert_int_equal(m.bodylen, i * 37);
	}
	*seq += count;
	free(buf);
}

static void
batch_encode_decode(void **state)
{
	struct pair	*p = *state;
	uint64_t	 seq = 1;

	batch_round_trip(p, 1, &seq);
	batch_round_trip(p, 5, &seq);
	batch_round_trip(p, ENVELOPE_BATCH_MAX, &seq);
}

/* A valid batch of COUNT small envelopes in BUF; returns its length. */
static size_t
small_batch(struct pair *p, uint8_t *buf, size_t count)
{
	struct envelope_batch	b;
	size_t			i, n, len;

	envelope_batch_init(&b, buf, BATCHBUF);
	for (i = 0; i < count; i++) {
		n = seal_text(p, p->alice, p->token_b, i + 1, 3, p->env);
		assert_int_equal(envelope_batch_add(&b, p->env, n), 0);
	}
	assert_int_equal(envelope_batch_finish(&b, &len), 0);
	return len;
}

static void
batch_malformed(void **state)
{
	struct pair		*p = *state;
	struct envelope_view	 views[ENVELOPE_BATCH_MAX];
	uint8_t			*buf;
	size_t			 len, i, got;
	const size_t		 one = 4 + 74 + 256 + 16;
	static const uint32_t	 badlens[] = {
		0, 74 + 256 + 15, 74 + 256 + 17, 74 + 1024 + 16,
		74 + 65536 + 16 + 1, 0x01000000 + 74 + 256 + 16, UINT32_MAX,
	};

	assert_non_null(buf = malloc(BATCHBUF + 4 + ENVELOPE_MAX_BYTES));
	len = small_batch(p, buf, 3);
	assert_int_equal(len, 2 + 3 * one);
	assert_int_equal(envelope_batch_decode(views, &got, buf, len), 0);
	assert_int_equal(got, 3);

	/* Every truncation; one byte more. */
	for (i = 0; i < len; i++) {
		got = 99;
		assert_int_equal(envelope_batch_decode(views, &got, buf, i),
		    -1);
		assert_int_equal(got, 0);
	}
	buf[len] = 0;
	assert_int_equal(envelope_batch_decode(views, &got, buf, len + 1), -1);
	assert_null(views[0].ad);

	/* Counts that do not match, 0 and 33. */
	buf[1] = 2;
	assert_int_equal(envelope_batch_decode(views, &got, buf, len), -1);
	buf[1] = 4;
	assert_int_equal(envelope_batch_decode(views, &got, buf, len), -1);
	buf[1] = 0;
	assert_int_equal(envelope_batch_decode(views, &got, buf, 2), -1);
	assert_int_equal(envelope_batch_decode(views, &got, buf, len), -1);
	buf[1] = 3;
	buf[0] = 2;
	assert_int_equal(envelope_batch_decode(views, &got, buf, len), -1);
	buf[0] = 1;
	assert_int_equal(envelope_batch_decode(views, &got, buf, len), 0);

	/*
	 * The second envelope's length: below the smallest, between buckets,
	 * a real bucket longer than what is left, above the largest.
	 */
	for (i = 0; i < sizeof(badlens) / sizeof(badlens[0]); i++) {
		set_u32(buf + 2 + one, badlens[i]);
		assert_int_equal(envelope_batch_decode(views, &got, buf, len),
		    -1);
	}
	set_u32(buf + 2 + one, 74 + 256 + 16);
	assert_int_equal(envelope_batch_decode(views, &got, buf, len), 0);
	/* A wrong kind inside. */
	buf[2 + one + 4 + 1] = 2;
	assert_int_equal(envelope_batch_decode(views, &got, buf, len), -1);
	buf[2 + one + 4 + 1] = 1;
	assert_int_equal(envelope_batch_decode(views, &got, buf, len), 0);

	/* 33 envelopes are one too many, even well formed. */
	len = small_batch(p, buf, ENVELOPE_BATCH_MAX);
	assert_int_equal(envelope_batch_decode(views, &got, buf, len), 0);
	assert_int_equal(got, ENVELOPE_BATCH_MAX);
	memcpy(buf + len, buf + 2, one);
	buf[1] = ENVELOPE_BATCH_MAX + 1;
	assert_int_equal(envelope_batch_decode(views, &got, buf, len + one),
	    -1);
	buf[1] = 0xff;
	assert_int_equal(envelope_batch_decode(views, &got, buf, len + one),
	    -1);
	free(buf);
}

static void
batch_builder_bounds(void **state)
{
	struct pair		*p = *state;
	struct envelope_batch	 b;
	struct envelope_view	 views[ENVELOPE_BATCH_MAX];
	uint8_t			*buf, *small;
	size_t			 big, sm, len, got, i, maxed;

	assert_non_null(buf = malloc(BATCHBUF + 4 + ENVELOPE_MAX_BYTES));
	small = malloc(ENVELOPE_MAX_BYTES);
	assert_non_null(small);
	sm = seal_text(p, p->alice, p->token_b, 1, 0, small);
	big = seal_text(p, p->alice, p->token_b, 2, ENVELOPE_MAX_BODY, p->env);
	assert_int_equal(big, ENVELOPE_MAX_BYTES);

	/* Nothing yet: finish refuses. */
	envelope_batch_init(&b, buf, BATCHBUF);
	assert_int_equal(envelope_batch_finish(&b, &len), -1);
	assert_int_equal(len, 0);

	/* The byte bound: as many of the largest as fit, then no more. */
	maxed = (ENVELOPE_BATCH_MAX_BYTES - 2) / (4 + ENVELOPE_MAX_BYTES);
	assert_true(maxed >= 1);
	for (i = 0; i < maxed; i++) {
		assert_int_equal(envelope_batch_fits(&b, big), 1);
		assert_int_equal(envelope_batch_add(&b, p->env, big), 0);
	}
	assert_int_equal(envelope_batch_fits(&b, big), 0);
	assert_int_equal(envelope_batch_add(&b, p->env, big), -1);
	/* A smaller one still fits, up to the bound. */
	while (envelope_batch_fits(&b, sm))
		assert_int_equal(envelope_batch_add(&b, small, sm), 0);
	assert_int_equal(envelope_batch_add(&b, small, sm), -1);
	assert_int_equal(envelope_batch_finish(&b, &len), 0);
	assert_true(len <= ENVELOPE_BATCH_MAX_BYTES);
	assert_true(len + 4 + sm > ENVELOPE_BATCH_MAX_BYTES ||
	    buf[1] == ENVELOPE_BATCH_MAX);
	assert_int_equal(envelope_batch_decode(views, &got, buf, len), 0);
	assert_int_equal(got, buf[1]);

	/*
	 * The decoder's bound: a batch otherwise well formed but longer is
	 * refused, here one more of the largest than the builder allowed.
	 */
	buf[0] = 1;
	buf[1] = (uint8_t)(maxed + 1);
	for (i = 0, len = 2; i < maxed + 1; i++) {
		set_u32(buf + len, (uint32_t)big);
		memcpy(buf + len + 4, p->env, big);
		len += 4 + big;
	}
	assert_true(len > ENVELOPE_BATCH_MAX_BYTES);
	assert_int_equal(envelope_batch_decode(views, &got, buf, len), -1);
	buf[1] = (uint8_t)maxed;
	assert_int_equal(envelope_batch_decode(views, &got, buf,
	    len - 4 - big), 0);

	/* The count bound. */
	envelope_batch_init(&b, buf, BATCHBUF);
	for (i = 0; i < ENVELOPE_BATCH_MAX; i++)
		assert_int_equal(envelope_batch_add(&b, small, sm), 0);
	assert_int_equal(envelope_batch_fits(&b, sm), 0);
	assert_int_equal(envelope_batch_add(&b, small, sm), -1);
	assert_int_equal(envelope_batch_finish(&b, &len), 0);
	assert_int_equal(len, 2 + ENVELOPE_BATCH_MAX * (4 + sm));

	/* The caller's buffer bounds it too. */
	envelope_batch_init(&b, buf, 2 + 4 + sm);
	assert_int_equal(envelope_batch_add(&b, small, sm), 0);
	assert_int_equal(envelope_batch_add(&b, small, sm), -1);
	envelope_batch_init(&b, buf, 2 + 4 + sm - 1);
	assert_int_equal(envelope_batch_add(&b, small, sm), -1);
	envelope_batch_init(&b, buf, 1);
	assert_int_equal(envelope_batch_fits(&b, sm), 0);
	assert_int_equal(envelope_batch_finish(&b, &len), -1);

	/* Malformed envelopes are not added. */
	envelope_batch_init(&b, buf, BATCHBUF);
	assert_int_equal(envelope_batch_add(&b, small, sm - 1), -1);
	small[0] = 2;
	assert_int_equal(envelope_batch_add(&b, small, sm), -1);
	assert_int_equal(b.count, 0);
	assert_int_equal(b.len, 2);
	free(small);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes),
		cmocka_unit_test_setup_teardown(round_trip_buckets,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(wire_format,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(session_start,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(seal_rejects,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(tampering_rejected,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(wrong_ad_rejected,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(replay_rejected,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(truncated_and_bad_sizes,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(malformed_plaintexts,
		    pair_setup, pair_teardown),
		cmocka_unit_test(plain_codec),
		cmocka_unit_test(utf8),
		cmocka_unit_test_setup_teardown(batch_encode_decode,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(batch_malformed,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(batch_builder_bounds,
		    pair_setup, pair_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
