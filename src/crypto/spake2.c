/*
 * SPAKE2, symmetric mode, on Ed25519, compatible with python-spake2's
 * SPAKE2_Symmetric. With B the base point, L its order, S the fixed
 * element below and w the password's scalar, each side picks x and sends
 * 'S' || X* with X* = x*B + w*S; from the peer's Y* it computes
 * K = x*(Y* - w*S) and the key
 * SHA-256(SHA-256(pw) || SHA-256(id) || min(X*, Y*) || max(X*, Y*) || K).
 * doc/spake2.md has the details.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "crypto/hkdf.h"
#include "crypto/spake2.h"

#define SPAKE2_SCALARBYTES	32U
#define SPAKE2_WIDEBYTES	48U	/* HKDF output reduced mod L or p */
#define SPAKE2_MAXTRIES		256	/* y candidates in arbitrary_element */

static const char spake2_pw_info[] = "SPAKE2 pw";
static const char spake2_elem_info[] = "SPAKE2 arbitrary element";

/*
 * S = spake2_arbitrary_element("symmetric"), as python-spake2's
 * params.S; test_spake2 checks it against the derivation.
 */
static const uint8_t spake2_S[SPAKE2_ELEMENTBYTES] = {
	0x6f, 0x00, 0xda, 0xe8, 0x7c, 0x1b, 0xe1, 0xa7,
	0x3b, 0x59, 0x22, 0xef, 0x43, 0x1c, 0xd8, 0xf5,
	0x78, 0x79, 0x56, 0x9c, 0x22, 0x2d, 0x22, 0xb1,
	0xcd, 0x71, 0xe8, 0x54, 0x6a, 0xb8, 0xe6, 0xf1,
};

/* The identity (0, 1). */
static const uint8_t spake2_identity[SPAKE2_ELEMENTBYTES] = { 1 };

struct spake2_state {
	uint8_t	x[SPAKE2_SCALARBYTES];		/* our secret scalar */
	uint8_t	pw_s[SPAKE2_ELEMENTBYTES];	/* w*S: as secret as pw */
	uint8_t	pw_hash[crypto_hash_sha256_BYTES];
	uint8_t	id_hash[crypto_hash_sha256_BYTES];
	uint8_t	msg[SPAKE2_ELEMENTBYTES];	/* X*, without side byte */
	int	finished;
};

/*
 * A big-endian number of n <= 64 bytes, reduced mod L into a
 * little-endian scalar (python-spake2 reads its byte strings big-endian).
 */
static void
scalar_from_be(uint8_t s[SPAKE2_SCALARBYTES], const uint8_t *be, size_t n)
{
	uint8_t	le[crypto_core_ed25519_NONREDUCEDSCALARBYTES];
	size_t	i;

	memset(le, 0, sizeof(le));
	for (i = 0; i < n && i < sizeof(le); i++)
		le[i] = be[n - 1 - i];
	crypto_core_ed25519_scalar_reduce(s, le);
	sodium_memzero(le, sizeof(le));
}

/* python-spake2's password_to_scalar(): HKDF to 48 bytes, mod L. */
static int
password_scalar(uint8_t w[SPAKE2_SCALARBYTES], const uint8_t *pw,
    size_t pwlen)
{
	uint8_t	wide[SPAKE2_WIDEBYTES];

	if (hkdf_sha256(wide, sizeof(wide), NULL, 0, pw, pwlen,
	    (const uint8_t *)spake2_pw_info, sizeof(spake2_pw_info) - 1) != 0)
		return -1;
	scalar_from_be(w, wide, sizeof(wide));
	sodium_memzero(wide, sizeof(wide));
	return 0;
}

/*
 * Field elements mod p = 2^255 - 19, public values only (the seed of S),
 * as eight little-endian 32-bit limbs. fe_canon takes v < 2^255 to v mod p:
 * v >= p exactly when v + 19 >= 2^255, and then v - p = v + 19 - 2^255.
 */
static void
fe_canon(uint32_t v[8])
{
	uint32_t	t[8];
	uint64_t	c;
	size_t		i;

	for (i = 0, c = 19; i < 8; i++) {
		c += v[i];
		t[i] = (uint32_t)c;
		c >>= 32;
	}
	if (t[7] & 0x80000000U) {
		t[7] &= 0x7fffffffU;
		memcpy(v, t, sizeof(t));
	}
}

/* A big-endian number of SPAKE2_WIDEBYTES bytes, mod p. */
static void
fe_from_wide_be(uint32_t v[8], const uint8_t be[SPAKE2_WIDEBYTES])
{
	uint32_t	w[SPAKE2_WIDEBYTES / 4], hi[SPAKE2_WIDEBYTES / 4 - 7];
	uint64_t	c;
	size_t		i, k, nw = SPAKE2_WIDEBYTES / 4, nh = nw - 7;
	int		more;

	memset(w, 0, sizeof(w));
	for (i = 0; i < SPAKE2_WIDEBYTES; i++) {
		k = SPAKE2_WIDEBYTES - 1 - i;
		w[k / 4] |= (uint32_t)be[i] << (8 * (k % 4));
	}
	/* Fold with 2^255 = 19 (mod p) until the value is below 2^255. */
	for (;;) {
		for (i = 0, more = 0; i < nh; i++) {
			hi[i] = w[7 + i] >> 31;
			if (8 + i < nw)
				hi[i] |= w[8 + i] << 1;
			more |= hi[i] != 0;
		}
		if (!more)
			break;
		w[7] &= 0x7fffffffU;
		for (i = 8; i < nw; i++)
			w[i] = 0;
		for (i = 0, c = 0; i < nw; i++) {
			c += w[i];
			if (i < nh)
				c += (uint64_t)hi[i] * 19;
			w[i] = (uint32_t)c;
			c >>= 32;
		}
	}
	memcpy(v, w, 8 * sizeof(v[0]));
	fe_canon(v);
}

static void
fe_to_le(uint8_t out[SPAKE2_ELEMENTBYTES], const uint32_t v[8])
{
	size_t	i;

	for (i = 0; i < SPAKE2_ELEMENTBYTES; i++)
		out[i] = (uint8_t)(v[i / 4] >> (8 * (i % 4)));
}

/*
 * python-spake2's arbitrary_element(): y = HKDF(seed) mod p; the first of
 * y, y+1, ... that is the y of a curve point P (taking the even x, so the
 * sign bit is clear) such that 8*P is not the identity gives 8*P.
 */
int
spake2_arbitrary_element(uint8_t elem[SPAKE2_ELEMENTBYTES],
    const uint8_t *seed, size_t seedlen)
{
	uint8_t		wide[SPAKE2_WIDEBYTES], p[SPAKE2_ELEMENTBYTES];
	uint8_t		p2[SPAKE2_ELEMENTBYTES], p4[SPAKE2_ELEMENTBYTES];
	uint8_t		p8[SPAKE2_ELEMENTBYTES];
	uint32_t	y[8];
	size_t		i;
	int		tries;

	if (seedlen > SPAKE2_SEEDMAXBYTES || (seed == NULL && seedlen != 0))
		return -1;
	if (seedlen == 0)
		seed = (const uint8_t *)"";
	if (hkdf_sha256(wide, sizeof(wide), NULL, 0, seed, seedlen,
	    (const uint8_t *)spake2_elem_info,
	    sizeof(spake2_elem_info) - 1) != 0)
		return -1;
	fe_from_wide_be(y, wide);
	for (tries = 0; tries < SPAKE2_MAXTRIES; tries++) {
		fe_to_le(p, y);
		/* add() refuses encodings that are not on the curve. */
		if (crypto_core_ed25519_add(p2, p, p) == 0 &&
		    crypto_core_ed25519_add(p4, p2, p2) == 0 &&
		    crypto_core_ed25519_add(p8, p4, p4) == 0 &&
		    crypto_core_ed25519_is_valid_point(p8)) {
			memcpy(elem, p8, SPAKE2_ELEMENTBYTES);
			return 0;
		}
		for (i = 0; i < 8 && ++y[i] == 0; i++)
			;
		fe_canon(y);
	}
	return -1;	/* about 2^-256 likely */
}

int
spake2_start_entropy(struct spake2_state **statep,
    uint8_t msg_out[SPAKE2_MSGBYTES], const uint8_t *password, size_t pwlen,
    const uint8_t *id, size_t idlen, const uint8_t entropy[SPAKE2_ENTROPYBYTES])
{
	struct spake2_state	*st;
	uint8_t			 w[SPAKE2_SCALARBYTES];
	uint8_t			 xb[SPAKE2_ELEMENTBYTES];
	int			 rc = -1;

	if (msg_out != NULL)
		memset(msg_out, 0, SPAKE2_MSGBYTES);
	if (statep == NULL)
		return -1;
	*statep = NULL;
	if (msg_out == NULL || entropy == NULL || password == NULL ||
	    pwlen < SPAKE2_PASSWORDMINBYTES ||
	    pwlen > SPAKE2_PASSWORDMAXBYTES ||
	    (id == NULL && idlen != 0) || idlen > SPAKE2_IDMAXBYTES)
		return -1;
	if (idlen == 0)
		id = (const uint8_t *)"";
	if ((st = sodium_malloc(sizeof(*st))) == NULL)
		return -1;
	memset(st, 0, sizeof(*st));

	scalar_from_be(st->x, entropy, SPAKE2_ENTROPYBYTES);
	if (sodium_is_zero(st->x, sizeof(st->x)))
		goto out;
	if (password_scalar(w, password, pwlen) != 0)
		goto out;
	/*
	 * w = 0 would make python-spake2 use w*S = identity; HKDF output
	 * that is a multiple of L is not a password anyone can find.
	 */
	if (sodium_is_zero(w, sizeof(w)))
		goto out;
	if (crypto_scalarmult_ed25519_noclamp(st->pw_s, w, spake2_S) != 0 ||
	    crypto_scalarmult_ed25519_base_noclamp(xb, st->x) != 0 ||
	    crypto_core_ed25519_add(st->msg, xb, st->pw_s) != 0)
		goto out;
	/* X* = identity (x*B = -w*S) would be refused by the peer. */
	if (memcmp(st->msg, spake2_identity, sizeof(st->msg)) == 0)
		goto out;
	crypto_hash_sha256(st->pw_hash, password, pwlen);
	crypto_hash_sha256(st->id_hash, id, idlen);

	msg_out[0] = SPAKE2_SIDE_SYMMETRIC;
	memcpy(msg_out + 1, st->msg, SPAKE2_ELEMENTBYTES);
	*statep = st;
	st = NULL;
	rc = 0;
out:
	sodium_memzero(w, sizeof(w));
	sodium_memzero(xb, sizeof(xb));
	spake2_free(st);
	return rc;
}

int
spake2_start(struct spake2_state **statep, uint8_t msg_out[SPAKE2_MSGBYTES],
    const uint8_t *password, size_t pwlen, const uint8_t *id, size_t idlen)
{
	uint8_t	entropy[SPAKE2_ENTROPYBYTES];
	int	rc;

	randombytes_buf(entropy, sizeof(entropy));
	rc = spake2_start_entropy(statep, msg_out, password, pwlen, id, idlen,
	    entropy);
	sodium_memzero(entropy, sizeof(entropy));
	return rc;
}

int
spake2_finish(uint8_t key_out[SPAKE2_KEYBYTES], struct spake2_state *st,
    const uint8_t *peer_msg, size_t peer_msglen)
{
	crypto_hash_sha256_state	 h;
	uint8_t				 t[SPAKE2_ELEMENTBYTES];
	uint8_t				 k[SPAKE2_ELEMENTBYTES];
	const uint8_t			*peer, *first, *second;
	int				 rc = -1;

	if (key_out == NULL)
		return -1;
	memset(key_out, 0, SPAKE2_KEYBYTES);
	if (st == NULL || st->finished)
		return -1;
	st->finished = 1;	/* one try, whatever happens next */

	if (peer_msg == NULL || peer_msglen != SPAKE2_MSGBYTES ||
	    peer_msg[0] != SPAKE2_SIDE_SYMMETRIC)
		goto out;
	peer = peer_msg + 1;
	if (memcmp(peer, st->msg, SPAKE2_ELEMENTBYTES) == 0)
		goto out;	/* our own message, reflected */
	/* Canonical, on the curve, in the prime-order subgroup, not small. */
	if (!crypto_core_ed25519_is_valid_point(peer))
		goto out;
	/*
	 * K = x*(Y* - w*S). Y* = w*S gives the identity, which the scalar
	 * multiplication refuses (python-spake2 would go on with K = identity;
	 * only a peer that knows the password can send that).
	 */
	if (crypto_core_ed25519_sub(t, peer, st->pw_s) != 0 ||
	    crypto_scalarmult_ed25519_noclamp(k, st->x, t) != 0)
		goto out;

	if (memcmp(st->msg, peer, SPAKE2_ELEMENTBYTES) < 0) {
		first = st->msg;
		second = peer;
	} else {
		first = peer;
		second = st->msg;
	}
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, st->pw_hash, sizeof(st->pw_hash));
	crypto_hash_sha256_update(&h, st->id_hash, sizeof(st->id_hash));
	crypto_hash_sha256_update(&h, first, SPAKE2_ELEMENTBYTES);
	crypto_hash_sha256_update(&h, second, SPAKE2_ELEMENTBYTES);
	crypto_hash_sha256_update(&h, k, sizeof(k));
	crypto_hash_sha256_final(&h, key_out);
	rc = 0;
out:
	sodium_memzero(&h, sizeof(h));
	sodium_memzero(t, sizeof(t));
	sodium_memzero(k, sizeof(k));
	sodium_memzero(st->x, sizeof(st->x));
	sodium_memzero(st->pw_s, sizeof(st->pw_s));
	sodium_memzero(st->pw_hash, sizeof(st->pw_hash));
	sodium_memzero(st->id_hash, sizeof(st->id_hash));
	return rc;
}

void
spake2_free(struct spake2_state *st)
{
	if (st == NULL)
		return;
	sodium_memzero(st, sizeof(*st));
	sodium_free(st);
}
