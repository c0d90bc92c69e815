/*
 * The Double Ratchet: known answers from the independent Python reference
 * (tests/ratchet_ref.py), conversations in both directions, out-of-order
 * and lost messages, the skipped-key bounds, tampering, replays, saved
 * states and forward secrecy. Every rejection also checks that the state
 * did not change, by comparing saved states.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "crypto/ratchet.h"
#include "ratchet_scenario.h"
#include "ratchet-vectors.h"

#define MSGMAX	256

static const uint8_t ad[] = "petmail test ad";

/* One captured envelope: header and ciphertext, and what it says. */
struct msg {
	uint8_t	header[RATCHET_HEADERBYTES];
	uint8_t	c[MSGMAX + RATCHET_ABYTES];
	size_t	clen;
	uint8_t	m[MSGMAX];
	size_t	mlen;
};

struct pair {
	struct ratchet	*alice;
	struct ratchet	*bob;
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
	if (crypto_scalarmult_base(bob_public, bob_secret) != 0 ||
	    ratchet_init_bob(&p->bob, sk, bob_secret) != 0 ||
	    ratchet_init_alice(&p->alice, sk, bob_public) != 0)
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

/* Encrypts a numbered text message. */
static void
send_msg(struct ratchet *r, struct msg *msg, unsigned int i)
{
	int	n;

	n = snprintf((char *)msg->m, sizeof(msg->m), "message %u", i);
	assert_true(n > 0 && (size_t)n < sizeof(msg->m));
	msg->mlen = (size_t)n;
	msg->clen = msg->mlen + RATCHET_ABYTES;
	assert_int_equal(ratchet_encrypt(r, msg->header, msg->c, msg->clen,
	    msg->m, msg->mlen, ad, sizeof(ad)), 0);
}

static int
try_recv(struct ratchet *r, const struct msg *msg)
{
	uint8_t	out[MSGMAX];

	memset(out, 0, sizeof(out));
	if (ratchet_decrypt(r, out, msg->clen - RATCHET_ABYTES, msg->header,
	    sizeof(msg->header), msg->c, msg->clen, ad, sizeof(ad)) != 0)
		return -1;
	assert_int_equal(msg->clen - RATCHET_ABYTES, msg->mlen);
	assert_memory_equal(out, msg->m, msg->mlen);
	return 0;
}

static void
recv_msg(struct ratchet *r, const struct msg *msg)
{
	assert_int_equal(try_recv(r, msg), 0);
}

/* A decryption that must fail and leave the state as it was. */
static void
recv_rejected(struct ratchet *r, const struct msg *msg)
{
	uint8_t	*before;
	size_t	 len;

	before = blob(r, &len);
	assert_int_equal(try_recv(r, msg), -1);
	assert_state_is(r, before, len);
	free(before);
}

/* A saved copy of r, loaded back. */
static struct ratchet *
copy_of(const struct ratchet *r)
{
	struct ratchet	*c;
	uint8_t		*b;
	size_t		 len;

	b = blob(r, &len);
	assert_int_equal(ratchet_load(&c, b, len), 0);
	sodium_memzero(b, len);
	free(b);
	return c;
}

static void
collect_line(const char *line, void *arg)
{
	size_t	*i = arg;

	assert_non_null(ratchet_vectors[*i]);
	if (strcmp(line, ratchet_vectors[*i]) != 0)
		fail_msg("transcript line %zu differs:\n got  %s\n want %s",
		    *i, line, ratchet_vectors[*i]);
	(*i)++;
}

/* The same conversation as tests/ratchet_ref.py, byte for byte. */
static void
known_answers(void **state)
{
	size_t	i = 0;

	assert_int_equal(ratchet_scenario(collect_line, &i), 0);
	assert_null(ratchet_vectors[i]);
	assert_true(i >= 10);
}

static void
header_encoding(void **state)
{
	struct ratchet_header	h, g;
	uint8_t			enc[RATCHET_HEADERBYTES];
	size_t			i;

	for (i = 0; i < sizeof(h.dh); i++)
		h.dh[i] = (uint8_t)i;
	h.pn = 0x01020304;
	h.n = 0xa0b0c0d0;
	ratchet_header_encode(enc, &h);
	assert_memory_equal(enc, h.dh, sizeof(h.dh));
	assert_memory_equal(enc + 32, "\x01\x02\x03\x04\xa0\xb0\xc0\xd0", 8);
	assert_int_equal(ratchet_header_parse(&g, enc, sizeof(enc)), 0);
	assert_memory_equal(g.dh, h.dh, sizeof(h.dh));
	assert_int_equal(g.pn, h.pn);
	assert_int_equal(g.n, h.n);
	assert_int_equal(ratchet_header_parse(&g, enc, sizeof(enc) - 1), -1);
	assert_int_equal(ratchet_header_parse(&g, enc, sizeof(enc) + 1), -1);
	assert_int_equal(ratchet_header_parse(&g, enc, 0), -1);
}

static void
both_directions(void **state)
{
	struct pair	*p = *state;
	struct msg	 a0, b0, a1, b1;
	uint8_t		 hdr[RATCHET_HEADERBYTES], c[1 + RATCHET_ABYTES];
	uint8_t		*before;
	size_t		 len;

	/* Bob cannot send before he has heard from Alice. */
	assert_false(ratchet_can_send(p->bob));
	assert_true(ratchet_can_send(p->alice));
	before = blob(p->bob, &len);
	assert_int_equal(ratchet_encrypt(p->bob, hdr, c, sizeof(c),
	    (const uint8_t *)"x", 1, NULL, 0), -1);
	assert_state_is(p->bob, before, len);
	free(before);

	send_msg(p->alice, &a0, 0);
	recv_msg(p->bob, &a0);
	assert_true(ratchet_can_send(p->bob));
	send_msg(p->bob, &b0, 1);
	recv_msg(p->alice, &b0);
	send_msg(p->alice, &a1, 2);
	recv_msg(p->bob, &a1);
	send_msg(p->bob, &b1, 3);
	recv_msg(p->alice, &b1);
	/* A new DH public key each turn. */
	assert_memory_not_equal(a0.header, a1.header, 32);
	assert_memory_not_equal(b0.header, b1.header, 32);
	assert_memory_not_equal(a0.header, b0.header, 32);
	assert_int_equal(ratchet_skipped_count(p->alice), 0);
	assert_int_equal(ratchet_skipped_count(p->bob), 0);
}

static void
long_alternating_conversation(void **state)
{
	struct pair	*p = *state;
	struct msg	 msg;
	struct ratchet	*from, *to;
	unsigned int	 round, k, burst, i = 0;

	for (round = 0; round < 300; round++) {
		from = round % 2 == 0 ? p->alice : p->bob;
		to = round % 2 == 0 ? p->bob : p->alice;
		burst = 1 + randombytes_uniform(4);
		for (k = 0; k < burst; k++) {
			send_msg(from, &msg, i++);
			recv_msg(to, &msg);
		}
	}
	assert_int_equal(ratchet_skipped_count(p->alice), 0);
	assert_int_equal(ratchet_skipped_count(p->bob), 0);
}

static void
out_of_order(void **state)
{
	struct pair	*p = *state;
	struct msg	 a[10], b0, c[3];
	static const int order[] = { 7, 0, 9, 3, 1, 2, 8, 4, 6, 5 };
	unsigned int	 i;

	for (i = 0; i < 10; i++)
		send_msg(p->alice, &a[i], i);
	for (i = 0; i < 10; i++) {
		recv_msg(p->bob, &a[order[i]]);
		if (order[i] == 9)	/* 1-6 and 8 are missing */
			assert_int_equal(ratchet_skipped_count(p->bob), 7);
	}
	assert_int_equal(ratchet_skipped_count(p->bob), 0);

	/*
	 * Across a DH step: the end of Alice's second chain arrives after
	 * her third chain, so Bob skips it by the third chain's PN.
	 */
	send_msg(p->bob, &b0, 100);
	recv_msg(p->alice, &b0);
	for (i = 0; i < 3; i++)
		send_msg(p->alice, &a[i], 200 + i);
	recv_msg(p->bob, &a[0]);
	send_msg(p->bob, &b0, 101);
	recv_msg(p->alice, &b0);
	for (i = 0; i < 3; i++)
		send_msg(p->alice, &c[i], 300 + i);
	assert_memory_not_equal(a[0].header, c[0].header, 32);
	recv_msg(p->bob, &c[2]);
	/* a[1], a[2] by PN, c[0], c[1] by N */
	assert_int_equal(ratchet_skipped_count(p->bob), 4);
	recv_msg(p->bob, &a[2]);
	recv_msg(p->bob, &c[0]);
	recv_msg(p->bob, &a[1]);
	recv_msg(p->bob, &c[1]);
	assert_int_equal(ratchet_skipped_count(p->bob), 0);
}

static void
lost_messages(void **state)
{
	struct pair	*p = *state;
	struct msg	 a[5], b;
	unsigned int	 i, turn;

	for (i = 0; i < 5; i++)
		send_msg(p->alice, &a[i], i);
	recv_msg(p->bob, &a[0]);
	recv_msg(p->bob, &a[4]);
	/* 1, 2 and 3 never arrive; the conversation goes on regardless. */
	for (turn = 0; turn < 6; turn++) {
		send_msg(p->bob, &b, 10 + turn);
		if (turn != 2)
			recv_msg(p->alice, &b);	/* one of Bob's is lost */
		send_msg(p->alice, &b, 20 + turn);
		recv_msg(p->bob, &b);
	}
	assert_int_equal(ratchet_skipped_count(p->bob), 3);
	assert_int_equal(ratchet_skipped_count(p->alice), 1);
	/* Late after all: still readable, once. */
	recv_msg(p->bob, &a[2]);
	recv_rejected(p->bob, &a[2]);
	assert_int_equal(ratchet_skipped_count(p->bob), 2);
}

/* Encrypts n messages, keeping only the last. */
static void
send_many(struct ratchet *r, struct msg *last, unsigned int n)
{
	unsigned int	i;

	for (i = 0; i < n; i++)
		send_msg(r, last, i);
}

static void
skip_bound_new_chain(void **state)
{
	struct pair	*p = *state;
	struct msg	 far, farther;

	/* Bob's first message from Alice: N = MAX_SKIP skips MAX_SKIP. */
	send_many(p->alice, &far, RATCHET_MAX_SKIP + 1);
	send_msg(p->alice, &farther, RATCHET_MAX_SKIP + 1);
	recv_rejected(p->bob, &farther);
	assert_false(ratchet_can_send(p->bob));
	recv_msg(p->bob, &far);
	assert_int_equal(ratchet_skipped_count(p->bob), RATCHET_MAX_SKIP);
	recv_msg(p->bob, &farther);
}

static void
skip_bound_same_chain(void **state)
{
	struct pair	*p = *state;
	struct msg	 first, far, farther;
	unsigned int	 i;

	send_msg(p->alice, &first, 0);
	recv_msg(p->bob, &first);
	/* Nr is 1: N = 1 + MAX_SKIP is the farthest reachable. */
	for (i = 1; i <= RATCHET_MAX_SKIP + 1; i++)
		send_msg(p->alice, &far, i);
	send_msg(p->alice, &farther, i);
	recv_rejected(p->bob, &farther);
	assert_int_equal(ratchet_skipped_count(p->bob), 0);
	recv_msg(p->bob, &far);
	assert_int_equal(ratchet_skipped_count(p->bob), RATCHET_MAX_SKIP);
}

static void
skip_bound_previous_chain(void **state)
{
	struct pair	*p = *state;
	struct msg	 first, b0, next;
	unsigned int	 i;

	send_msg(p->alice, &first, 0);
	recv_msg(p->bob, &first);
	/* MAX_SKIP + 1 messages of Alice's first chain never arrive... */
	for (i = 1; i <= RATCHET_MAX_SKIP + 1; i++)
		send_msg(p->alice, &next, i);
	send_msg(p->bob, &b0, 0);
	recv_msg(p->alice, &b0);
	/* ...so her next chain's PN asks Bob to skip too many. */
	send_msg(p->alice, &next, 0);
	recv_rejected(p->bob, &next);
}

static void
skipped_total_bound_evicts_oldest(void **state)
{
	struct pair	*p = *state;
	struct msg	 first[3], last, reply;
	unsigned int	 chain;

	/* Three chains of Alice's, each read at its MAX_SKIP + 1st only. */
	for (chain = 0; chain < 3; chain++) {
		send_msg(p->alice, &first[chain], 0);
		send_many(p->alice, &last, RATCHET_MAX_SKIP);
		recv_msg(p->bob, &last);
		send_msg(p->bob, &reply, chain);
		recv_msg(p->alice, &reply);
		assert_int_equal(ratchet_skipped_count(p->bob),
		    chain < 2 ? (chain + 1) * RATCHET_MAX_SKIP :
		    RATCHET_MAX_SKIPPED);
	}
	/* The first chain's keys were evicted; the others remain. */
	recv_rejected(p->bob, &first[0]);
	recv_msg(p->bob, &first[1]);
	recv_msg(p->bob, &first[2]);
	assert_int_equal(ratchet_skipped_count(p->bob),
	    RATCHET_MAX_SKIPPED - 2);
	/* With the store nearly full, in-order messages go on as usual. */
	send_msg(p->alice, &last, 0);
	recv_msg(p->bob, &last);
	send_msg(p->alice, &last, 1);
	recv_msg(p->bob, &last);
	assert_int_equal(ratchet_skipped_count(p->bob),
	    RATCHET_MAX_SKIPPED - 2);
}

/* Every single-bit flip of header, ciphertext and AD is rejected. */
static void
tamper_all(struct ratchet *r, const struct msg *orig)
{
	struct msg	 t;
	uint8_t		*before, out[MSGMAX], bad_ad[sizeof(ad)];
	size_t		 len, i;

	before = blob(r, &len);
	for (i = 0; i < RATCHET_HEADERBYTES; i++) {
		t = *orig;
		t.header[i] ^= (uint8_t)(1U << (i % 8));
		assert_int_equal(try_recv(r, &t), -1);
	}
	for (i = 0; i < orig->clen; i++) {
		t = *orig;
		t.c[i] ^= (uint8_t)(1U << (i % 8));
		assert_int_equal(try_recv(r, &t), -1);
	}
	for (i = 0; i < sizeof(ad); i++) {
		memcpy(bad_ad, ad, sizeof(ad));
		bad_ad[i] ^= 0x20;
		assert_int_equal(ratchet_decrypt(r, out, orig->mlen,
		    orig->header, sizeof(orig->header), orig->c, orig->clen,
		    bad_ad, sizeof(bad_ad)), -1);
	}
	/* Truncated AD, header and ciphertext; a wrong output length. */
	assert_int_equal(ratchet_decrypt(r, out, orig->mlen, orig->header,
	    sizeof(orig->header), orig->c, orig->clen, ad, sizeof(ad) - 1),
	    -1);
	assert_int_equal(ratchet_decrypt(r, out, orig->mlen, orig->header,
	    sizeof(orig->header) - 1, orig->c, orig->clen, ad, sizeof(ad)),
	    -1);
	assert_int_equal(ratchet_decrypt(r, out, orig->mlen - 1, orig->header,
	    sizeof(orig->header), orig->c, orig->clen - 1, ad, sizeof(ad)),
	    -1);
	assert_int_equal(ratchet_decrypt(r, out, orig->mlen + 1, orig->header,
	    sizeof(orig->header), orig->c, orig->clen, ad, sizeof(ad)), -1);
	assert_int_equal(ratchet_decrypt(r, out, 0, orig->header,
	    sizeof(orig->header), orig->c, RATCHET_ABYTES - 1, ad,
	    sizeof(ad)), -1);
	assert_state_is(r, before, len);
	free(before);
	/* The untouched message still decrypts: nothing was used up. */
	recv_msg(r, orig);
}

static void
tampering_rejected(void **state)
{
	struct pair	*p = *state;
	struct msg	 a[3], b;

	send_msg(p->alice, &a[0], 0);
	send_msg(p->alice, &a[1], 1);
	send_msg(p->alice, &a[2], 2);
	tamper_all(p->bob, &a[0]);	/* starts a DH ratchet step */
	tamper_all(p->bob, &a[2]);	/* same chain, skipping one */
	tamper_all(p->bob, &a[1]);	/* from the skipped keys */
	send_msg(p->bob, &b, 3);
	tamper_all(p->alice, &b);
}

static void
bad_keys_rejected(void **state)
{
	struct pair	*p = *state;
	struct ratchet	*r;
	struct msg	 a;
	uint8_t		 sk[RATCHET_SHAREDKEYBYTES] = { 1 };
	uint8_t		 zero[RATCHET_PUBLICKEYBYTES] = { 0 };
	uint8_t		 one[RATCHET_PUBLICKEYBYTES] = { 1 };
	uint8_t		 good[RATCHET_PUBLICKEYBYTES];

	assert_int_equal(ratchet_init_alice(&r, sk, zero), -1);
	assert_null(r);
	assert_int_equal(ratchet_init_alice(&r, sk, one), -1);
	assert_null(r);
	/* An all-zero private key is refused, as ratchet_load() refuses it. */
	assert_int_equal(ratchet_init_bob(&r, sk, zero), -1);
	assert_null(r);
	assert_int_equal(crypto_scalarmult_base(good, sk), 0);
	assert_int_equal(ratchet_init_alice_with_keypair(&r, sk, good, zero),
	    -1);
	assert_null(r);
	assert_int_equal(ratchet_init_alice_with_keypair(&r, sk, good, sk), 0);
	RATCHET_FREE(r);

	/* A header carrying a low-order point: the DH step fails. */
	send_msg(p->alice, &a, 0);
	memset(a.header, 0, 32);
	recv_rejected(p->bob, &a);
}

static void
replay_rejected(void **state)
{
	struct pair	*p = *state;
	struct msg	 a[3], b;

	send_msg(p->alice, &a[0], 0);
	send_msg(p->alice, &a[1], 1);
	send_msg(p->alice, &a[2], 2);
	recv_msg(p->bob, &a[0]);
	recv_rejected(p->bob, &a[0]);	/* first of a chain */
	recv_msg(p->bob, &a[2]);
	recv_rejected(p->bob, &a[2]);	/* in order */
	recv_msg(p->bob, &a[1]);
	recv_rejected(p->bob, &a[1]);	/* from the skipped keys */
	/* After both sides moved on, an old chain's message. */
	send_msg(p->bob, &b, 3);
	recv_msg(p->alice, &b);
	send_msg(p->alice, &b, 4);
	recv_msg(p->bob, &b);
	recv_rejected(p->bob, &a[0]);
	recv_rejected(p->bob, &a[2]);
}

static void
encrypt_arguments_checked(void **state)
{
	struct pair	*p = *state;
	uint8_t		 hdr[RATCHET_HEADERBYTES], m[4] = "abc";
	uint8_t		 c[sizeof(m) + RATCHET_ABYTES + 1];
	uint8_t		 big_ad[RATCHET_ADMAXBYTES + 1];
	uint8_t		*before;
	size_t		 len;

	memset(big_ad, 'a', sizeof(big_ad));
	before = blob(p->alice, &len);
	assert_int_equal(ratchet_encrypt(p->alice, hdr, c, sizeof(c),
	    m, sizeof(m), ad, sizeof(ad)), -1);
	assert_int_equal(ratchet_encrypt(p->alice, hdr, c, sizeof(c) - 2,
	    m, sizeof(m), ad, sizeof(ad)), -1);
	assert_int_equal(ratchet_encrypt(p->alice, hdr, c, sizeof(c) - 1,
	    m, sizeof(m), big_ad, sizeof(big_ad)), -1);
	assert_state_is(p->alice, before, len);
	assert_int_equal(ratchet_encrypt(p->alice, hdr, c, sizeof(c) - 1,
	    m, sizeof(m), big_ad, sizeof(big_ad) - 1), 0);
	free(before);
}

static void
save_restore_mid_conversation(void **state)
{
	struct pair	*p = *state;
	struct msg	 a[6], b[3];
	uint8_t		*ba, *bb, *again;
	size_t		 lena, lenb, len;
	unsigned int	 i;

	for (i = 0; i < 4; i++)
		send_msg(p->alice, &a[i], i);
	recv_msg(p->bob, &a[0]);
	recv_msg(p->bob, &a[3]);		/* 1 and 2 pending */
	for (i = 0; i < 3; i++)
		send_msg(p->bob, &b[i], 10 + i);
	recv_msg(p->alice, &b[2]);		/* b0 and b1 pending */
	assert_int_equal(ratchet_skipped_count(p->bob), 2);
	assert_int_equal(ratchet_skipped_count(p->alice), 2);

	/* Save both, drop them, load them back. */
	ba = blob(p->alice, &lena);
	bb = blob(p->bob, &lenb);
	assert_int_equal(ratchet_save(ba, lena - 1, p->alice), -1);
	assert_int_equal(ratchet_save(ba, lena + 1, p->alice), -1);
	RATCHET_FREE(p->alice);
	RATCHET_FREE(p->bob);
	assert_int_equal(ratchet_load(&p->alice, ba, lena), 0);
	assert_int_equal(ratchet_load(&p->bob, bb, lenb), 0);
	again = blob(p->alice, &len);
	assert_int_equal(len, lena);
	assert_memory_equal(again, ba, len);
	free(again);
	sodium_memzero(ba, lena);
	sodium_memzero(bb, lenb);
	free(ba);
	free(bb);

	/* Pending messages still read; the conversation goes on. */
	recv_msg(p->bob, &a[2]);
	recv_msg(p->alice, &b[0]);
	send_msg(p->alice, &a[4], 4);
	recv_msg(p->bob, &a[4]);
	recv_msg(p->bob, &a[1]);
	recv_msg(p->alice, &b[1]);
	send_msg(p->bob, &b[0], 13);
	recv_msg(p->alice, &b[0]);
	assert_int_equal(ratchet_skipped_count(p->bob), 0);
	assert_int_equal(ratchet_skipped_count(p->alice), 0);

	/* Bob saved before his first message loads and works too. */
	RATCHET_FREE(p->bob);
	assert_int_equal(pair_teardown(state), 0);
	assert_int_equal(pair_setup(state), 0);
	p = *state;
	bb = blob(p->bob, &lenb);
	RATCHET_FREE(p->bob);
	assert_int_equal(ratchet_load(&p->bob, bb, lenb), 0);
	free(bb);
	send_msg(p->alice, &a[5], 5);
	recv_msg(p->bob, &a[5]);
}

static void
load_rejects(const uint8_t *b, size_t len)
{
	struct ratchet	*r = (struct ratchet *)&r;	/* not NULL */

	assert_int_equal(ratchet_load(&r, b, len), -1);
	assert_null(r);
}

static void
load_rejects_bad_blobs(void **state)
{
	struct pair	*p = *state;
	struct ratchet	*r;
	struct msg	 a[3];
	uint8_t		*good, *bad, *b;
	size_t		 len, blen, i;

	send_msg(p->alice, &a[0], 0);
	send_msg(p->alice, &a[1], 1);
	send_msg(p->alice, &a[2], 2);
	recv_msg(p->bob, &a[2]);		/* two skipped keys */
	good = blob(p->bob, &len);
	assert_int_equal(ratchet_load(&r, good, len), 0);
	RATCHET_FREE(r);

	/* Every truncation, and one byte too many. */
	for (i = 0; i < len; i++)
		load_rejects(good, i);
	assert_non_null(bad = malloc(len + 1));
	memcpy(bad, good, len);
	bad[len] = 0;
	load_rejects(bad, len + 1);

	/* Unknown version, unknown flag. */
	memcpy(bad, good, len);
	bad[0] = RATCHET_STATE_VERSION + 1;
	load_rejects(bad, len);
	bad[0] = 0;
	load_rejects(bad, len);
	memcpy(bad, good, len);
	bad[1] |= 0x08;
	load_rejects(bad, len);

	/* A count of skipped keys that disagrees with the length. */
	memcpy(bad, good, len);
	bad[2 + 5 * 32 + 15] = 3;
	load_rejects(bad, len);
	bad[2 + 5 * 32 + 15] = 1;
	load_rejects(bad, len);
	memset(bad + 2 + 5 * 32 + 12, 0xff, 4);
	load_rejects(bad, len);
	free(bad);

	/* Too many skipped keys, even at a consistent length. */
	blen = 2 + 5 * 32 + 16 + (RATCHET_MAX_SKIPPED + 1) * 68;
	assert_non_null(b = calloc(1, blen));
	memcpy(b, good, 2 + 5 * 32 + 12);
	b[2 + 5 * 32 + 12] = (RATCHET_MAX_SKIPPED + 1) >> 24;
	b[2 + 5 * 32 + 13] = (RATCHET_MAX_SKIPPED + 1) >> 16;
	b[2 + 5 * 32 + 14] = (RATCHET_MAX_SKIPPED + 1) >> 8;
	b[2 + 5 * 32 + 15] = (RATCHET_MAX_SKIPPED + 1) & 0xff;
	load_rejects(b, blen);
	free(b);

	/* Garbage and empty input. */
	load_rejects(NULL, 0);
	assert_non_null(b = malloc(len));
	memset(b, 0xff, len);
	load_rejects(b, len);
	memset(b, 0, len);
	load_rejects(b, len);
	free(b);

	sodium_memzero(good, len);
	free(good);
}

static void
load_rejects_impossible_states(void **state)
{
	struct pair	*p = *state;
	uint8_t		*b;
	size_t		 len;

	/* Bob before his first message: no DHr, no chains. */
	b = blob(p->bob, &len);
	assert_int_equal(len, 2 + 5 * 32 + 16);
	b[1] = 0x02;				/* CKs without DHr */
	load_rejects(b, len);
	b[1] = 0x04;				/* CKr without DHr */
	load_rejects(b, len);
	b[1] = 0;
	b[2 + 32] = 1;				/* DHr present but absent */
	load_rejects(b, len);
	b[2 + 32] = 0;
	b[2 + 5 * 32 + 3] = 1;			/* Ns without CKs */
	load_rejects(b, len);
	b[2 + 5 * 32 + 3] = 0;
	b[2 + 5 * 32 + 7] = 1;			/* Nr without CKr */
	load_rejects(b, len);
	b[2 + 5 * 32 + 7] = 0;
	memset(b + 2, 0, 32);			/* no DHs */
	load_rejects(b, len);
	free(b);
}

static void
forward_secrecy(void **state)
{
	struct pair	*p = *state;
	struct ratchet	*before, *after;
	struct msg	 a[5], b, c;
	unsigned int	 i;

	for (i = 0; i < 5; i++)
		send_msg(p->alice, &a[i], i);
	before = copy_of(p->bob);
	recv_msg(p->bob, &a[0]);
	recv_msg(p->bob, &a[1]);
	recv_msg(p->bob, &a[2]);
	recv_msg(p->bob, &a[4]);		/* a[3] not yet arrived */

	/* A copy taken now cannot read what was read... */
	after = copy_of(p->bob);
	assert_int_equal(try_recv(after, &a[0]), -1);
	assert_int_equal(try_recv(after, &a[1]), -1);
	assert_int_equal(try_recv(after, &a[2]), -1);
	assert_int_equal(try_recv(after, &a[4]), -1);
	/* ...but reads what is still to come, as Bob does. */
	assert_int_equal(try_recv(after, &a[3]), 0);
	RATCHET_FREE(after);
	/* The copy taken before reading could read them all. */
	for (i = 0; i < 5; i++)
		assert_int_equal(try_recv(before, &a[i]), 0);
	RATCHET_FREE(before);

	/* Also after DH ratchet steps, on both sides. */
	send_msg(p->bob, &b, 10);
	recv_msg(p->alice, &b);
	send_msg(p->alice, &c, 11);
	recv_msg(p->bob, &c);
	after = copy_of(p->bob);
	assert_int_equal(try_recv(after, &c), -1);
	for (i = 0; i < 5; i++)
		assert_int_equal(try_recv(after, &a[i]), i == 3 ? 0 : -1);
	RATCHET_FREE(after);
	after = copy_of(p->alice);
	assert_int_equal(try_recv(after, &b), -1);
	RATCHET_FREE(after);
}

static void
free_accepts_null(void **state)
{
	struct ratchet	*r = NULL;

	ratchet_free(NULL);
	RATCHET_FREE(r);
	assert_null(r);
}

#define PAIR_TEST(f) cmocka_unit_test_setup_teardown(f, pair_setup, \
	pair_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_answers),
		cmocka_unit_test(header_encoding),
		PAIR_TEST(both_directions),
		PAIR_TEST(long_alternating_conversation),
		PAIR_TEST(out_of_order),
		PAIR_TEST(lost_messages),
		PAIR_TEST(skip_bound_new_chain),
		PAIR_TEST(skip_bound_same_chain),
		PAIR_TEST(skip_bound_previous_chain),
		PAIR_TEST(skipped_total_bound_evicts_oldest),
		PAIR_TEST(tampering_rejected),
		PAIR_TEST(bad_keys_rejected),
		PAIR_TEST(replay_rejected),
		PAIR_TEST(encrypt_arguments_checked),
		PAIR_TEST(save_restore_mid_conversation),
		PAIR_TEST(load_rejects_bad_blobs),
		PAIR_TEST(load_rejects_impossible_states),
		PAIR_TEST(forward_secrecy),
		cmocka_unit_test(free_accepts_null),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
