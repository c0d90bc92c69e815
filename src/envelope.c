#include "config.h"

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "crypto/ratchet.h"
#include "envelope.h"

#if ENVELOPE_HEADERBYTES != 74
#error "the envelope's clear part is 74 bytes in version 1"
#endif
#if ENVELOPE_BATCH_MAX_BYTES < ENVELOPE_BATCH_HEADERBYTES + \
    ENVELOPE_BATCH_LENBYTES + ENVELOPE_MAX_BYTES
#error "a batch must hold at least one envelope of the largest bucket"
#endif
#if ENVELOPE_BATCH_MAX > 255
#error "the batch count is one byte"
#endif

static const size_t envelope_buckets[ENVELOPE_BUCKETS] = {
	256, 1024, 4096, 16384, ENVELOPE_BUCKET_MAX,
};

size_t
envelope_bucket(unsigned int i)
{
	return i < ENVELOPE_BUCKETS ? envelope_buckets[i] : 0;
}

static int
envelope_is_bucket(size_t n)
{
	unsigned int	i;

	for (i = 0; i < ENVELOPE_BUCKETS; i++)
		if (envelope_buckets[i] == n)
			return 1;
	return 0;
}

size_t
envelope_padded_size(size_t bodylen)
{
	unsigned int	i;

	if (bodylen > ENVELOPE_MAX_BODY)
		return 0;
	for (i = 0; i < ENVELOPE_BUCKETS; i++)
		if (ENVELOPE_PLAIN_HEADERBYTES + bodylen <= envelope_buckets[i])
			return envelope_buckets[i];
	return 0;
}

size_t
envelope_sealed_size(size_t bodylen)
{
	size_t	padded;

	if ((padded = envelope_padded_size(bodylen)) == 0)
		return 0;
	return ENVELOPE_HEADERBYTES + padded + RATCHET_ABYTES;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)(v >> 32));
	put_u32(p + 4, (uint32_t)v);
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t
get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

/*
 * Well-formed UTF-8 as in Unicode's table 3-7: the lead byte fixes the
 * length and the range of the second byte, which rules out overlong forms,
 * surrogates and code points past U+10FFFF. NUL is refused as well.
 */
int
envelope_body_check(const uint8_t *body, size_t len)
{
	size_t	i = 0, n, k;
	uint8_t	c, lo, hi;

	while (i < len) {
		c = body[i];
		if (c == 0)
			return -1;
		if (c < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return -1;
		if (len - i < n)
			return -1;
		if (body[i + 1] < lo || body[i + 1] > hi)
			return -1;
		for (k = 2; k < n; k++)
			if (body[i + k] < 0x80 || body[i + k] > 0xbf)
				return -1;
		i += n;
	}
	return 0;
}

static int
envelope_msg_check(const struct envelope_msg *m)
{
	if (m->seq == 0 || m->bodylen > ENVELOPE_MAX_BODY)
		return -1;
	switch (m->type) {
	case ENVELOPE_TEXT:
		break;
	case ENVELOPE_SESSION_START:
		if (m->bodylen != 0)
			return -1;
		break;
	default:
		return -1;
	}
	if (m->bodylen > 0 && m->body == NULL)
		return -1;
	return envelope_body_check(m->body, m->bodylen);
}

size_t
envelope_plain_encode(uint8_t *out, size_t outlen, const struct envelope_msg *m)
{
	size_t	padded;

	if (envelope_msg_check(m) == -1 ||
	    (padded = envelope_padded_size(m->bodylen)) == 0 ||
	    outlen < padded)
		return 0;
	out[0] = ENVELOPE_INNER_VERSION;
	out[1] = (uint8_t)m->type;
	put_u64(out + 2, m->seq);
	put_u64(out + 10, m->created);
	put_u32(out + 18, (uint32_t)m->bodylen);
	if (m->bodylen > 0)
		memcpy(out + ENVELOPE_PLAIN_HEADERBYTES, m->body, m->bodylen);
	memset(out + ENVELOPE_PLAIN_HEADERBYTES + m->bodylen, 0,
	    padded - ENVELOPE_PLAIN_HEADERBYTES - m->bodylen);
	return padded;
}

int
envelope_plain_decode(struct envelope_msg *m, const uint8_t *in, size_t len)
{
	struct envelope_msg	d;
	uint32_t		bodylen;
	size_t			i;
	uint8_t			acc = 0;

	memset(m, 0, sizeof(*m));
	if (!envelope_is_bucket(len) || in[0] != ENVELOPE_INNER_VERSION)
		return -1;
	memset(&d, 0, sizeof(d));
	d.type = (enum envelope_type)in[1];
	d.seq = get_u64(in + 2);
	d.created = get_u64(in + 10);
	bodylen = get_u32(in + 18);
	if (bodylen > len - ENVELOPE_PLAIN_HEADERBYTES)
		return -1;
	d.bodylen = bodylen;
	d.body = in + ENVELOPE_PLAIN_HEADERBYTES;
	/* The smallest bucket that fits, and nothing but zeros after. */
	if (envelope_padded_size(d.bodylen) != len)
		return -1;
	for (i = ENVELOPE_PLAIN_HEADERBYTES + d.bodylen; i < len; i++)
		acc |= in[i];
	if (acc != 0 || envelope_msg_check(&d) == -1)
		return -1;
	*m = d;
	return 0;
}

int
envelope_peek(struct envelope_view *v, const uint8_t *in, size_t len)
{
	memset(v, 0, sizeof(*v));
	if (len < ENVELOPE_MIN_BYTES || len > ENVELOPE_MAX_BYTES ||
	    !envelope_is_bucket(len - ENVELOPE_HEADERBYTES - RATCHET_ABYTES))
		return -1;
	if (in[0] != ENVELOPE_VERSION || in[1] != ENVELOPE_KIND_MESSAGE)
		return -1;
	v->ad = in;
	v->token = in + 2;
	v->header = in + ENVELOPE_ADBYTES;
	v->c = in + ENVELOPE_HEADERBYTES;
	v->clen = len - ENVELOPE_HEADERBYTES;
	v->bucket = v->clen - RATCHET_ABYTES;
	v->len = len;
	return 0;
}

int
envelope_seal(uint8_t *out, size_t outlen, size_t *written, struct ratchet *r,
    const uint8_t token[ENVELOPE_TOKENBYTES], const struct envelope_msg *m)
{
	uint8_t	*plain;
	size_t	 padded, total;
	int	 rc = -1;

	*written = 0;
	if (envelope_msg_check(m) == -1 ||
	    (total = envelope_sealed_size(m->bodylen)) == 0 || outlen < total)
		return -1;
	padded = total - ENVELOPE_HEADERBYTES - RATCHET_ABYTES;
	if ((plain = sodium_malloc(padded)) == NULL)
		return -1;
	if (envelope_plain_encode(plain, padded, m) != padded)
		goto out;
	out[0] = ENVELOPE_VERSION;
	out[1] = ENVELOPE_KIND_MESSAGE;
	memcpy(out + 2, token, ENVELOPE_TOKENBYTES);
	if (ratchet_encrypt(r, out + ENVELOPE_ADBYTES,
	    out + ENVELOPE_HEADERBYTES, padded + RATCHET_ABYTES, plain, padded,
	    out, ENVELOPE_ADBYTES) != 0)
		goto out;
	*written = total;
	rc = 0;
 out:
	sodium_free(plain);	/* wipes */
	return rc;
}

enum envelope_open_status
envelope_open(struct envelope_msg *m, uint8_t *bodybuf, size_t bodybuflen,
    struct ratchet *r, const struct envelope_view *v)
{
	struct envelope_msg		 d;
	enum envelope_open_status	 st = ENVELOPE_REJECTED;
	uint8_t				*plain = NULL;

	memset(m, 0, sizeof(*m));
	/* The view is the caller's: hold it to what envelope_peek() makes. */
	if (v->ad == NULL || v->token != v->ad + 2 ||
	    v->header != v->ad + ENVELOPE_ADBYTES ||
	    v->c != v->ad + ENVELOPE_HEADERBYTES ||
	    !envelope_is_bucket(v->bucket) ||
	    v->clen != v->bucket + RATCHET_ABYTES ||
	    v->len != ENVELOPE_HEADERBYTES + v->clen ||
	    v->ad[0] != ENVELOPE_VERSION || v->ad[1] != ENVELOPE_KIND_MESSAGE)
		goto out;
	/* Checked before the message key is used, so never lost to it. */
	if (bodybuflen < v->bucket - ENVELOPE_PLAIN_HEADERBYTES)
		goto out;
	if ((plain = sodium_malloc(v->bucket)) == NULL)
		goto out;
	if (ratchet_decrypt(r, plain, v->bucket, v->header, RATCHET_HEADERBYTES,
	    v->c, v->clen, v->ad, ENVELOPE_ADBYTES) != 0)
		goto out;
	st = ENVELOPE_MALFORMED;
	if (envelope_plain_decode(&d, plain, v->bucket) == -1)
		goto out;
	if (d.bodylen > 0)
		memcpy(bodybuf, d.body, d.bodylen);
	d.body = bodybuf;
	*m = d;
	st = ENVELOPE_OPENED;
 out:
	if (st != ENVELOPE_OPENED)
		sodium_memzero(bodybuf, bodybuflen);
	sodium_free(plain);	/* wipes; accepts NULL */
	return st;
}

void
envelope_batch_init(struct envelope_batch *b, uint8_t *buf, size_t buflen)
{
	b->buf = buf;
	b->cap = buflen < ENVELOPE_BATCH_MAX_BYTES ? buflen :
	    ENVELOPE_BATCH_MAX_BYTES;
	b->len = ENVELOPE_BATCH_HEADERBYTES;
	b->count = 0;
}

int
envelope_batch_fits(const struct envelope_batch *b, size_t envlen)
{
	return b->count < ENVELOPE_BATCH_MAX && b->len <= b->cap &&
	    envlen <= ENVELOPE_MAX_BYTES &&
	    ENVELOPE_BATCH_LENBYTES + envlen <= b->cap - b->len;
}

int
envelope_batch_add(struct envelope_batch *b, const uint8_t *env, size_t envlen)
{
	struct envelope_view	v;

	if (!envelope_batch_fits(b, envlen) || envelope_peek(&v, env, envlen)
	    == -1)
		return -1;
	put_u32(b->buf + b->len, (uint32_t)envlen);
	memcpy(b->buf + b->len + ENVELOPE_BATCH_LENBYTES, env, envlen);
	b->len += ENVELOPE_BATCH_LENBYTES + envlen;
	b->count++;
	return 0;
}

int
envelope_batch_finish(struct envelope_batch *b, size_t *len)
{
	*len = 0;
	if (b->count == 0 || b->len > b->cap)
		return -1;
	b->buf[0] = ENVELOPE_VERSION;
	b->buf[1] = (uint8_t)b->count;
	*len = b->len;
	return 0;
}

int
envelope_batch_decode(struct envelope_view views[ENVELOPE_BATCH_MAX],
    size_t *count, const uint8_t *in, size_t len)
{
	size_t		off, n, i;
	uint32_t	envlen;

	*count = 0;
	if (len < ENVELOPE_BATCH_HEADERBYTES ||
	    len > ENVELOPE_BATCH_MAX_BYTES || in[0] != ENVELOPE_VERSION)
		return -1;
	n = in[1];
	if (n == 0 || n > ENVELOPE_BATCH_MAX)
		return -1;
	off = ENVELOPE_BATCH_HEADERBYTES;
	for (i = 0; i < n; i++) {
		if (len - off < ENVELOPE_BATCH_LENBYTES)
			goto bad;
		envlen = get_u32(in + off);
		off += ENVELOPE_BATCH_LENBYTES;
		if (envlen < ENVELOPE_MIN_BYTES ||
		    envlen > ENVELOPE_MAX_BYTES || envlen > len - off ||
		    envelope_peek(&views[i], in + off, envlen) == -1)
			goto bad;
		off += envlen;
	}
	if (off != len)
		goto bad;
	*count = n;
	return 0;
 bad:
	memset(views, 0, ENVELOPE_BATCH_MAX * sizeof(views[0]));
	return -1;
}
