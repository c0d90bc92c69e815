/*
 * Fuzz target: envelopes, batches, their plaintext and the Double
 * Ratchet's header and saved state, as a receiver meets them.
 *
 * The first byte chooses; the rest is the input proper.
 *   0: a batch (POST /v1/msg's body) or, if it is none, one envelope:
 *	envelope_batch_decode() / envelope_peek(), then envelope_open() of
 *	each with dave's session (fuzz.h), in order, as msg_inbound() does;
 *	mkcorpus.c seals real ones that open.
 *   1: a saved ratchet state (u16 length, big-endian) then an envelope:
 *	ratchet_load(), save(load(x)) == x, then envelope_open() with it.
 *   2: a plaintext: envelope_plain_decode(), with encode(decode(x)) == x,
 *	and a ratchet header: parse, with encode(parse(x)) == x.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/ratchet.h"
#include "envelope.h"
#include "fuzz.h"

static uint8_t	*dave_state;
static size_t	 dave_statelen;
static uint8_t	*bodybuf;

static void
check_opened(enum envelope_open_status st, const struct envelope_msg *m,
    const struct envelope_view *v)
{
	if (st != ENVELOPE_OPENED) {
		if (m->body != NULL || m->bodylen != 0 || m->seq != 0)
			fuzz_die("a message that did not open left data");
		return;
	}
	if (m->seq == 0 || m->bodylen > v->bucket - ENVELOPE_PLAIN_HEADERBYTES ||
	    envelope_body_check(m->body, m->bodylen) == -1 ||
	    (m->type != ENVELOPE_TEXT && m->type != ENVELOPE_SESSION_START) ||
	    (m->type == ENVELOPE_SESSION_START && m->bodylen != 0))
		fuzz_die("envelope_open() let a bad message through");
}

/* Open V with R, as the receiver does. */
static void
open_one(struct ratchet **rp, const struct envelope_view *v)
{
	struct envelope_msg		 m;
	enum envelope_open_status	 st;
	uint8_t				*save;
	size_t				 len;

	/* A rejected envelope must leave the session as it was. */
	len = ratchet_save_size(*rp);
	save = malloc(len);
	if (save == NULL || ratchet_save(save, len, *rp) == -1)
		fuzz_die("ratchet_save");
	st = envelope_open(&m, bodybuf, ENVELOPE_MAX_BODY, *rp, v);
	check_opened(st, &m, v);
	if (st == ENVELOPE_REJECTED) {
		uint8_t	*after;

		if (ratchet_save_size(*rp) != len ||
		    (after = malloc(len)) == NULL)
			fuzz_die("a rejected envelope changed the session");
		if (ratchet_save(after, len, *rp) == -1 ||
		    memcmp(after, save, len) != 0)
			fuzz_die("a rejected envelope changed the session");
		free(after);
	}
	sodium_memzero(save, len);
	free(save);
}

static struct ratchet *
dave(void)
{
	struct ratchet	*r;

	if (ratchet_load(&r, dave_state, dave_statelen) == -1)
		fuzz_die("ratchet_load of dave's session");
	return r;
}

static void
fuzz_batch(const uint8_t *in, size_t len)
{
	struct envelope_view	 views[ENVELOPE_BATCH_MAX];
	struct ratchet		*r;
	size_t			 count, i;

	if (envelope_batch_decode(views, &count, in, len) == 0) {
		if (count == 0 || count > ENVELOPE_BATCH_MAX)
			fuzz_die("a batch of %zu", count);
		r = dave();
		for (i = 0; i < count; i++) {
			if (views[i].ad < in || views[i].ad + views[i].len >
			    in + len)
				fuzz_die("a view outside the batch");
			open_one(&r, &views[i]);
		}
		ratchet_free(r);
		return;
	}
	if (envelope_peek(&views[0], in, len) == 0) {
		if (views[0].len != len)
			fuzz_die("peek took %zu of %zu", views[0].len, len);
		r = dave();
		open_one(&r, &views[0]);
		ratchet_free(r);
	}
}

static void
fuzz_state(const uint8_t *in, size_t len)
{
	struct envelope_view	 v;
	struct ratchet		*r;
	uint8_t			*again;
	size_t			 slen;

	if (len < 2)
		return;
	slen = (size_t)in[0] << 8 | in[1];
	if (slen > len - 2)
		return;
	if (ratchet_load(&r, in + 2, slen) == -1)
		return;
	if (ratchet_save_size(r) != slen || (again = malloc(slen)) == NULL ||
	    ratchet_save(again, slen, r) == -1 ||
	    memcmp(again, in + 2, slen) != 0)
		fuzz_die("save(load(state)) != state");
	free(again);
	(void)ratchet_can_send(r);
	(void)ratchet_skipped_count(r);
	if (envelope_peek(&v, in + 2 + slen, len - 2 - slen) == 0)
		open_one(&r, &v);
	ratchet_free(r);
}

static void
fuzz_plain(const uint8_t *in, size_t len)
{
	struct envelope_msg	 m;
	struct ratchet_header	 h;
	uint8_t			*out, hdr[RATCHET_HEADERBYTES];

	if (envelope_plain_decode(&m, in, len) == 0) {
		if ((out = malloc(len)) == NULL)
			fuzz_die("out of memory");
		if (envelope_plain_encode(out, len, &m) != len ||
		    memcmp(out, in, len) != 0)
			fuzz_die("encode(decode(plaintext)) != plaintext");
		free(out);
	}
	if (ratchet_header_parse(&h, in, len) == 0) {
		ratchet_header_encode(hdr, &h);
		if (memcmp(hdr, in, RATCHET_HEADERBYTES) != 0)
			fuzz_die("encode(parse(header)) != header");
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ratchet	*r;
	uint8_t		 sk[RATCHET_SHAREDKEYBYTES];
	uint8_t		 secret[RATCHET_SECRETKEYBYTES];

	if (sodium_init() < 0)
		fuzz_die("sodium_init");
	memset(sk, FUZZ_SK_BYTE, sizeof(sk));
	memset(secret, FUZZ_BOB_SECRET_BYTE, sizeof(secret));
	if (ratchet_init_bob(&r, sk, secret) == -1)
		fuzz_die("ratchet_init_bob");
	dave_statelen = ratchet_save_size(r);
	if ((dave_state = malloc(dave_statelen)) == NULL ||
	    ratchet_save(dave_state, dave_statelen, r) == -1)
		fuzz_die("ratchet_save");
	ratchet_free(r);
	if ((bodybuf = malloc(ENVELOPE_MAX_BODY)) == NULL)
		fuzz_die("out of memory");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0]) {
	case 0:
		fuzz_batch(data + 1, size - 1);
		break;
	case 1:
		fuzz_state(data + 1, size - 1);
		break;
	case 2:
		fuzz_plain(data + 1, size - 1);
		break;
	}
	return 0;
}
