/*
 * Message envelopes, version 1: what one agent POSTs to a contact's onion
 * (POST /v1/msg). A pure module: no I/O, no logging.
 *
 * Envelope (one message), integers big-endian:
 *
 *	0	version		u8 = ENVELOPE_VERSION
 *	1	kind		u8 = ENVELOPE_KIND_MESSAGE
 *	2..33	token		the recipient's channel token
 *	34..73	header		the Double Ratchet header
 *	74..	ciphertext	the padded plaintext sealed by the ratchet
 *				(bucket + RATCHET_ABYTES bytes)
 *
 * The ratchet's associated data is bytes 0..33 (version, kind, token).
 *
 * Plaintext, before sealing:
 *
 *	0	inner version	u8 = ENVELOPE_INNER_VERSION
 *	1	type		u8, enum envelope_type
 *	2..9	seq		u64, the sender's per-contact number, from 1
 *	10..17	created		u64, unix seconds when the sender queued it
 *	18..21	body length	u32
 *	22..	body		UTF-8 without NUL (empty for a session start)
 *	then	zeros up to the bucket size
 *
 * The bucket is the smallest of the ENVELOPE_BUCKETS sizes 256, 1024, 4096,
 * 16384 and 65536 that holds 22 + body (a receiver refuses a larger one),
 * so an envelope's length tells only its bucket: it is always
 * ENVELOPE_HEADERBYTES + bucket + RATCHET_ABYTES.
 *
 * Batch (the body of one POST /v1/msg):
 *
 *	0	version		u8 = ENVELOPE_VERSION
 *	1	count		u8, 1 .. ENVELOPE_BATCH_MAX
 *	then count times	u32 length || envelope
 *
 * and at most ENVELOPE_BATCH_MAX_BYTES in all: a receiver can refuse any
 * longer request body before reading it.
 *
 * Receiving: envelope_batch_decode() (or envelope_peek() for one envelope)
 * checks the clear part without keys; the receiver finds the contact by the
 * token, checks the header against replays, then envelope_open() decrypts.
 *
 * Fuzzing: envelope_peek(), envelope_batch_decode() and
 * envelope_plain_decode() are pure functions of (buffer, length), need no
 * keys and never allocate: a libFuzzer target calls each directly on the
 * fuzzer's bytes. envelope_plain_decode() is the parser envelope_open()
 * runs on decrypted plaintext, exposed for that and for tests.
 */
#ifndef PETMAIL_ENVELOPE_H
#define PETMAIL_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/ratchet.h"

#define ENVELOPE_VERSION	1U
#define ENVELOPE_KIND_MESSAGE	1U
#define ENVELOPE_TOKENBYTES	32U
#define ENVELOPE_ADBYTES	(2U + ENVELOPE_TOKENBYTES)	/* 34 */
/* The clear part, 74 bytes: version, kind, token, ratchet header. */
#define ENVELOPE_HEADERBYTES	(ENVELOPE_ADBYTES + RATCHET_HEADERBYTES)

#define ENVELOPE_INNER_VERSION	1U
#define ENVELOPE_PLAIN_HEADERBYTES 22U	/* plaintext before the body */

#define ENVELOPE_BUCKETS	5U
#define ENVELOPE_BUCKET_MIN	256U
#define ENVELOPE_BUCKET_MAX	65536U
#define ENVELOPE_MAX_BODY \
	(ENVELOPE_BUCKET_MAX - ENVELOPE_PLAIN_HEADERBYTES)

/* Smallest and largest envelope. */
#define ENVELOPE_MIN_BYTES \
	(ENVELOPE_HEADERBYTES + ENVELOPE_BUCKET_MIN + RATCHET_ABYTES)
#define ENVELOPE_MAX_BYTES \
	(ENVELOPE_HEADERBYTES + ENVELOPE_BUCKET_MAX + RATCHET_ABYTES)

#define ENVELOPE_BATCH_MAX	32U		/* envelopes per batch */
#define ENVELOPE_BATCH_MAX_BYTES (256U * 1024U)	/* a whole batch */
#define ENVELOPE_BATCH_HEADERBYTES 2U		/* version, count */
#define ENVELOPE_BATCH_LENBYTES	4U		/* before each envelope */

enum envelope_type {
	ENVELOPE_TEXT = 1,
	ENVELOPE_SESSION_START = 2,	/* empty body */
};

/* One message, as sealed or opened. body is not NUL-terminated. */
struct envelope_msg {
	enum envelope_type	 type;
	uint64_t		 seq;		/* from 1 */
	uint64_t		 created;	/* unix seconds */
	const uint8_t		*body;		/* UTF-8, no NUL */
	size_t			 bodylen;	/* <= ENVELOPE_MAX_BODY */
};

/* The clear part of an envelope; pointers into the caller's buffer. */
struct envelope_view {
	const uint8_t	*ad;		/* ENVELOPE_ADBYTES: version..token */
	const uint8_t	*token;		/* ENVELOPE_TOKENBYTES */
	const uint8_t	*header;	/* RATCHET_HEADERBYTES */
	const uint8_t	*c;		/* the ciphertext */
	size_t		 clen;		/* bucket + RATCHET_ABYTES */
	size_t		 bucket;	/* padded plaintext size */
	size_t		 len;		/* the whole envelope */
};

/* ENVELOPE_BUCKETS[i], or 0 past the last. */
size_t	envelope_bucket(unsigned int i);
/* The bucket a body of BODYLEN bytes is padded to; 0 if too long. */
size_t	envelope_padded_size(size_t bodylen);
/* The envelope's length for such a body; 0 if too long. */
size_t	envelope_sealed_size(size_t bodylen);

/*
 * Pads M, seals it with the ratchet R and writes the envelope for TOKEN to
 * OUT (at least envelope_sealed_size(m->bodylen) bytes); *WRITTEN gets its
 * length. The plaintext copy is wiped. -1, with R unchanged and *WRITTEN 0,
 * if M is invalid (type, seq 0, body too long, not UTF-8, NUL, a session
 * start with a body), OUT is too short, R cannot send yet, or memory runs
 * out. After 0 the caller saves R with the envelope.
 */
int	envelope_seal(uint8_t *out, size_t outlen, size_t *written,
	    struct ratchet *r, const uint8_t token[ENVELOPE_TOKENBYTES],
	    const struct envelope_msg *m)
	    __attribute__((warn_unused_result));

/*
 * Checks the clear part of the LEN bytes at IN exactly (version, kind, a
 * length of ENVELOPE_HEADERBYTES + bucket + RATCHET_ABYTES) without keys
 * and fills V with pointers into IN. -1 on anything else.
 */
int	envelope_peek(struct envelope_view *v, const uint8_t *in, size_t len)
	    __attribute__((warn_unused_result));

enum envelope_open_status {
	/* Authentic, but the plaintext is malformed (the sender is broken
	 * or hostile): R used the message key up as for a good message. */
	ENVELOPE_MALFORMED = -2,
	/* Not authentic, a replay, or bad arguments: R is unchanged. */
	ENVELOPE_REJECTED = -1,
	ENVELOPE_OPENED = 0,
};

/*
 * Decrypts the envelope V (from envelope_peek()) with R and checks its
 * plaintext (padding all zero, known type, seq >= 1, UTF-8 body without
 * NUL, empty session start). On ENVELOPE_OPENED, M holds the message and
 * M->body points into BODYBUF, which must hold at least
 * V->bucket - ENVELOPE_PLAIN_HEADERBYTES bytes (ENVELOPE_MAX_BODY always
 * does; a shorter one is ENVELOPE_REJECTED before decrypting). On anything
 * else M and BODYBUF are zeroed. The caller saves R after ENVELOPE_OPENED
 * or ENVELOPE_MALFORMED (a malformed message can never open later).
 */
enum envelope_open_status envelope_open(struct envelope_msg *m,
	    uint8_t *bodybuf, size_t bodybuflen, struct ratchet *r,
	    const struct envelope_view *v)
	    __attribute__((warn_unused_result));

/*
 * The plaintext codec under envelope_seal() and envelope_open().
 * envelope_plain_encode() writes M padded to its bucket into OUT and
 * returns that size, or 0 if M is invalid or OUTLEN too short.
 * envelope_plain_decode() needs LEN to be a bucket size exactly; M->body
 * points into IN.
 */
size_t	envelope_plain_encode(uint8_t *out, size_t outlen,
	    const struct envelope_msg *m);
int	envelope_plain_decode(struct envelope_msg *m, const uint8_t *in,
	    size_t len) __attribute__((warn_unused_result));

/* 0 if BODY is well-formed UTF-8 without NUL, else -1. */
int	envelope_body_check(const uint8_t *body, size_t len)
	    __attribute__((warn_unused_result));

/*
 * Building a batch in the caller's BUF: init, add envelopes (each checked
 * with envelope_peek()), finish. The batch never exceeds BUFLEN nor
 * ENVELOPE_BATCH_MAX_BYTES nor ENVELOPE_BATCH_MAX envelopes.
 */
struct envelope_batch {
	uint8_t		*buf;
	size_t		 cap;	/* min(buflen, ENVELOPE_BATCH_MAX_BYTES) */
	size_t		 len;
	unsigned int	 count;
};

void	envelope_batch_init(struct envelope_batch *b, uint8_t *buf,
	    size_t buflen);
/* 1 if an envelope of ENVLEN bytes would still fit, else 0. */
int	envelope_batch_fits(const struct envelope_batch *b, size_t envlen);
/* -1, with the batch unchanged, if ENV is malformed or does not fit. */
int	envelope_batch_add(struct envelope_batch *b, const uint8_t *env,
	    size_t envlen) __attribute__((warn_unused_result));
/* Writes the count; *LEN gets the batch's length. -1 if it is empty. */
int	envelope_batch_finish(struct envelope_batch *b, size_t *len)
	    __attribute__((warn_unused_result));

/*
 * Checks a whole batch (version, count, every length, every envelope's
 * clear part, no trailing bytes) and fills VIEWS[0 .. *COUNT - 1], in
 * order, pointing into IN. -1 on anything malformed: nothing of a bad
 * batch is to be used.
 */
int	envelope_batch_decode(struct envelope_view views[ENVELOPE_BATCH_MAX],
	    size_t *count, const uint8_t *in, size_t len)
	    __attribute__((warn_unused_result));

#endif
