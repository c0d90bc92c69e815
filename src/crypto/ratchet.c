/*
 * The Double Ratchet, following the published specification (section 3,
 * without header encryption). Names match the specification's pseudocode:
 * DHs, DHr, RK, CKs, CKr, Ns, Nr, PN, MKSKIPPED. doc/ratchet.md gives the
 * concrete functions and the saved state's layout.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/hkdf.h"
#include "crypto/ratchet.h"

#define RATCHET_KEYBYTES	32U	/* root, chain and message keys */

static const char ratchet_info_root[] = "petmail v1 ratchet root";
static const char ratchet_info_msg[] = "petmail v1 message key";

/* One stored key of a skipped message, found by (DH public, N). */
struct ratchet_skipped {
	uint8_t		dh[RATCHET_PUBLICKEYBYTES];
	uint32_t	n;
	uint8_t		mk[RATCHET_KEYBYTES];
};

#define RATCHET_HAS_DHR	0x01U
#define RATCHET_HAS_CKS	0x02U
#define RATCHET_HAS_CKR	0x04U
#define RATCHET_FLAGS	(RATCHET_HAS_DHR | RATCHET_HAS_CKS | RATCHET_HAS_CKR)

struct ratchet {
	uint8_t		 dhs_sk[RATCHET_SECRETKEYBYTES];
	uint8_t		 dhs_pk[RATCHET_PUBLICKEYBYTES];
	uint8_t		 dhr[RATCHET_PUBLICKEYBYTES];
	uint8_t		 rk[RATCHET_KEYBYTES];
	uint8_t		 cks[RATCHET_KEYBYTES];
	uint8_t		 ckr[RATCHET_KEYBYTES];
	uint32_t	 ns;
	uint32_t	 nr;
	uint32_t	 pn;
	unsigned int	 flags;
	/* MKSKIPPED, oldest first; allocated when first needed. */
	size_t		 nskipped;
	struct ratchet_skipped	*skipped;
	/* Not saved: HMAC keyed with HKDF's empty salt, for message keys. */
	crypto_auth_hmacsha256_state	 zero_salt;
};

/* A message starting a DH step may skip MAX_SKIP keys in each of 2 chains. */
_Static_assert(2 * RATCHET_MAX_SKIP <= RATCHET_MAX_SKIPPED,
    "one message's skipped keys must fit the store");

/*
 * Saved state, version 1: version (1), flags (1), DHs private, DHr, RK, CKs,
 * CKr (32 each, zero when absent), Ns, Nr, PN, count of skipped keys (4
 * each, big-endian), then per skipped key: DH public (32), N (4), MK (32).
 */
#define RATCHET_SAVE_FIXED	(2U + 5U * 32U + 4U * 4U)
#define RATCHET_SAVE_ENTRY	(32U + 4U + 32U)

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

void
ratchet_header_encode(uint8_t out[RATCHET_HEADERBYTES],
    const struct ratchet_header *h)
{
	memcpy(out, h->dh, RATCHET_PUBLICKEYBYTES);
	put_be32(out + 32, h->pn);
	put_be32(out + 36, h->n);
}

int
ratchet_header_parse(struct ratchet_header *h, const uint8_t *in,
    size_t inlen)
{
	if (inlen != RATCHET_HEADERBYTES)
		return -1;
	memcpy(h->dh, in, RATCHET_PUBLICKEYBYTES);
	h->pn = get_be32(in + 32);
	h->n = get_be32(in + 36);
	return 0;
}

/* DH(sk, pk) with X25519; -1 on an all-zero output (a low-order point). */
static int
ratchet_dh(uint8_t out[crypto_scalarmult_BYTES],
    const uint8_t sk[RATCHET_SECRETKEYBYTES],
    const uint8_t pk[RATCHET_PUBLICKEYBYTES])
{
	if (crypto_scalarmult(out, sk, pk) != 0 ||
	    sodium_is_zero(out, crypto_scalarmult_BYTES)) {
		sodium_memzero(out, crypto_scalarmult_BYTES);
		return -1;
	}
	return 0;
}

/* KDF_RK: HKDF(salt = rk, ikm = dh_out) -> new root key, chain key. */
static int
kdf_rk(uint8_t rk_out[RATCHET_KEYBYTES], uint8_t ck_out[RATCHET_KEYBYTES],
    const uint8_t rk[RATCHET_KEYBYTES],
    const uint8_t dh_out[crypto_scalarmult_BYTES])
{
	uint8_t	okm[2 * RATCHET_KEYBYTES];

	if (hkdf_sha256(okm, sizeof(okm), rk, RATCHET_KEYBYTES, dh_out,
	    crypto_scalarmult_BYTES, (const uint8_t *)ratchet_info_root,
	    sizeof(ratchet_info_root) - 1) != 0)
		return -1;
	memcpy(rk_out, okm, RATCHET_KEYBYTES);
	memcpy(ck_out, okm + RATCHET_KEYBYTES, RATCHET_KEYBYTES);
	sodium_memzero(okm, sizeof(okm));
	return 0;
}

/*
 * KDF_CK: mk = HMAC(ck, 0x01), next ck = HMAC(ck, 0x02). ck_out may be ck.
 * The keyed HMAC state is computed once for both.
 */
static void
kdf_ck(uint8_t ck_out[RATCHET_KEYBYTES], uint8_t mk[RATCHET_KEYBYTES],
    const uint8_t ck[RATCHET_KEYBYTES])
{
	crypto_auth_hmacsha256_state	keyed, st;
	static const uint8_t		one = 0x01, two = 0x02;

	crypto_auth_hmacsha256_init(&keyed, ck, RATCHET_KEYBYTES);
	st = keyed;
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, mk);
	crypto_auth_hmacsha256_update(&keyed, &two, 1);
	crypto_auth_hmacsha256_final(&keyed, ck_out);
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(&keyed, sizeof(keyed));
}

/*
 * ENCRYPT / DECRYPT: key and nonce from HKDF(ikm = mk), XChaCha20-Poly1305
 * over the message with associated data ad || header.
 */
#define RATCHET_AEAD_KEYBYTES	crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define RATCHET_AEAD_NPUBBYTES	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

_Static_assert(RATCHET_ABYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES,
    "RATCHET_ABYTES is the AEAD's tag");

/*
 * hkdf_sha256(kn, 56, NULL, 0, mk, 32, info, infolen), with the extract
 * step's HMAC keyed in advance: hashing dominates a message's cost.
 */
static int
message_key(uint8_t kn[RATCHET_AEAD_KEYBYTES + RATCHET_AEAD_NPUBBYTES],
    const crypto_auth_hmacsha256_state *zero_salt,
    const uint8_t mk[RATCHET_KEYBYTES])
{
	crypto_auth_hmacsha256_state	st = *zero_salt;
	uint8_t				prk[HKDF_SHA256_PRKBYTES];
	int				rc;

	crypto_auth_hmacsha256_update(&st, mk, RATCHET_KEYBYTES);
	crypto_auth_hmacsha256_final(&st, prk);
	rc = hkdf_sha256_expand(kn,
	    RATCHET_AEAD_KEYBYTES + RATCHET_AEAD_NPUBBYTES, prk,
	    (const uint8_t *)ratchet_info_msg, sizeof(ratchet_info_msg) - 1);
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(prk, sizeof(prk));
	return rc;
}

static int
message_seal(const struct ratchet *r, uint8_t *c, const uint8_t *m,
    size_t mlen, const uint8_t *ad, size_t adlen,
    const uint8_t header[RATCHET_HEADERBYTES],
    const uint8_t mk[RATCHET_KEYBYTES])
{
	uint8_t	kn[RATCHET_AEAD_KEYBYTES + RATCHET_AEAD_NPUBBYTES];
	uint8_t	fullad[RATCHET_ADMAXBYTES + RATCHET_HEADERBYTES];
	int	rc = -1;

	if (adlen > RATCHET_ADMAXBYTES)
		return -1;
	if (adlen > 0)
		memcpy(fullad, ad, adlen);
	memcpy(fullad + adlen, header, RATCHET_HEADERBYTES);
	if (message_key(kn, &r->zero_salt, mk) != 0)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(c, NULL, m, mlen,
	    fullad, adlen + RATCHET_HEADERBYTES, NULL,
	    kn + RATCHET_AEAD_KEYBYTES, kn) != 0)
		goto out;
	rc = 0;
 out:
	sodium_memzero(kn, sizeof(kn));
	return rc;
}

static int
message_open(const struct ratchet *r, uint8_t *m, const uint8_t *c,
    size_t clen, const uint8_t *ad, size_t adlen,
    const uint8_t header[RATCHET_HEADERBYTES],
    const uint8_t mk[RATCHET_KEYBYTES])
{
	uint8_t	kn[RATCHET_AEAD_KEYBYTES + RATCHET_AEAD_NPUBBYTES];
	uint8_t	fullad[RATCHET_ADMAXBYTES + RATCHET_HEADERBYTES];
	int	rc = -1;

	if (adlen > RATCHET_ADMAXBYTES)
		return -1;
	if (adlen > 0)
		memcpy(fullad, ad, adlen);
	memcpy(fullad + adlen, header, RATCHET_HEADERBYTES);
	if (message_key(kn, &r->zero_salt, mk) != 0)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m, NULL, NULL, c, clen,
	    fullad, adlen + RATCHET_HEADERBYTES,
	    kn + RATCHET_AEAD_KEYBYTES, kn) != 0)
		goto out;
	rc = 0;
 out:
	sodium_memzero(kn, sizeof(kn));
	return rc;
}

static struct ratchet *
ratchet_alloc(void)
{
	struct ratchet	*r;

	static const uint8_t	no_salt[HKDF_SHA256_PRKBYTES];

	if ((r = sodium_malloc(sizeof(*r))) == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	crypto_auth_hmacsha256_init(&r->zero_salt, no_salt, sizeof(no_salt));
	return r;
}

void
ratchet_free(struct ratchet *r)
{
	if (r == NULL)
		return;
	if (r->skipped != NULL) {
		sodium_memzero(r->skipped,
		    RATCHET_MAX_SKIPPED * sizeof(*r->skipped));
		sodium_free(r->skipped);
	}
	sodium_memzero(r, sizeof(*r));
	sodium_free(r);
}

/* Allocates MKSKIPPED if it is not yet; -1 if memory runs out. */
static int
skipped_alloc(struct ratchet *r)
{
	if (r->skipped != NULL)
		return 0;
	r->skipped = sodium_malloc(RATCHET_MAX_SKIPPED * sizeof(*r->skipped));
	if (r->skipped == NULL)
		return -1;
	memset(r->skipped, 0, RATCHET_MAX_SKIPPED * sizeof(*r->skipped));
	return 0;
}

static int
skipped_find(const struct ratchet *r, const uint8_t dh[RATCHET_PUBLICKEYBYTES],
    uint32_t n, size_t *idx)
{
	size_t	i;

	for (i = 0; i < r->nskipped; i++) {
		if (r->skipped[i].n == n &&
		    memcmp(r->skipped[i].dh, dh, RATCHET_PUBLICKEYBYTES) == 0) {
			*idx = i;
			return 0;
		}
	}
	return -1;
}

/* Wipes and removes entries [i, i + count), keeping the order. */
static void
skipped_remove(struct ratchet *r, size_t i, size_t count)
{
	struct ratchet_skipped	*s = r->skipped;

	sodium_memzero(&s[i], count * sizeof(*s));
	memmove(&s[i], &s[i + count],
	    (r->nskipped - i - count) * sizeof(*s));
	r->nskipped -= count;
	sodium_memzero(&s[r->nskipped], count * sizeof(*s));
}

/* Evicts the oldest keys so that count more fit. */
static void
skipped_make_room(struct ratchet *r, size_t count)
{
	if (r->nskipped + count > RATCHET_MAX_SKIPPED)
		skipped_remove(r, 0, r->nskipped + count - RATCHET_MAX_SKIPPED);
}

/* SkipMessageKeys: stores keys of messages [from, until) of chain ck. */
static void
skipped_store(struct ratchet *r, uint8_t ck[RATCHET_KEYBYTES],
    const uint8_t dh[RATCHET_PUBLICKEYBYTES], uint32_t from, uint32_t until)
{
	struct ratchet_skipped	*s;

	for (; from < until; from++) {
		s = &r->skipped[r->nskipped++];
		memcpy(s->dh, dh, RATCHET_PUBLICKEYBYTES);
		s->n = from;
		kdf_ck(ck, s->mk, ck);
	}
}

/* Advances ck by count steps, keeping none of the message keys. */
static void
chain_advance(uint8_t ck[RATCHET_KEYBYTES], uint32_t count)
{
	uint8_t	mk[RATCHET_KEYBYTES];

	while (count-- > 0)
		kdf_ck(ck, mk, ck);
	sodium_memzero(mk, sizeof(mk));
}

int
ratchet_init_alice_with_keypair(struct ratchet **rp,
    const uint8_t sk[RATCHET_SHAREDKEYBYTES],
    const uint8_t bob_public[RATCHET_PUBLICKEYBYTES],
    const uint8_t alice_secret[RATCHET_SECRETKEYBYTES])
{
	struct ratchet	*r;
	uint8_t		 dh_out[crypto_scalarmult_BYTES];
	int		 rc = -1;

	*rp = NULL;
	if (sodium_is_zero(alice_secret, RATCHET_SECRETKEYBYTES) ||
	    (r = ratchet_alloc()) == NULL)
		return -1;
	memcpy(r->dhs_sk, alice_secret, RATCHET_SECRETKEYBYTES);
	if (crypto_scalarmult_base(r->dhs_pk, r->dhs_sk) != 0)
		goto out;
	memcpy(r->dhr, bob_public, RATCHET_PUBLICKEYBYTES);
	if (ratchet_dh(dh_out, r->dhs_sk, r->dhr) != 0 ||
	    kdf_rk(r->rk, r->cks, sk, dh_out) != 0)
		goto out;
	r->flags = RATCHET_HAS_DHR | RATCHET_HAS_CKS;
	*rp = r;
	r = NULL;
	rc = 0;
 out:
	sodium_memzero(dh_out, sizeof(dh_out));
	ratchet_free(r);
	return rc;
}

int
ratchet_init_alice(struct ratchet **rp,
    const uint8_t sk[RATCHET_SHAREDKEYBYTES],
    const uint8_t bob_public[RATCHET_PUBLICKEYBYTES])
{
	uint8_t	alice_secret[RATCHET_SECRETKEYBYTES];
	int	rc;

	randombytes_buf(alice_secret, sizeof(alice_secret));
	rc = ratchet_init_alice_with_keypair(rp, sk, bob_public,
	    alice_secret);
	sodium_memzero(alice_secret, sizeof(alice_secret));
	return rc;
}

int
ratchet_init_bob(struct ratchet **rp, const uint8_t sk[RATCHET_SHAREDKEYBYTES],
    const uint8_t bob_secret[RATCHET_SECRETKEYBYTES])
{
	struct ratchet	*r;

	*rp = NULL;
	if (sodium_is_zero(bob_secret, RATCHET_SECRETKEYBYTES) ||
	    (r = ratchet_alloc()) == NULL)
		return -1;
	memcpy(r->dhs_sk, bob_secret, RATCHET_SECRETKEYBYTES);
	if (crypto_scalarmult_base(r->dhs_pk, r->dhs_sk) != 0) {
		ratchet_free(r);
		return -1;
	}
	memcpy(r->rk, sk, RATCHET_KEYBYTES);
	*rp = r;
	return 0;
}

int
ratchet_can_send(const struct ratchet *r)
{
	return (r->flags & RATCHET_HAS_CKS) != 0;
}

size_t
ratchet_skipped_count(const struct ratchet *r)
{
	return r->nskipped;
}

int
ratchet_encrypt(struct ratchet *r, uint8_t header[RATCHET_HEADERBYTES],
    uint8_t *c, size_t clen, const uint8_t *m, size_t mlen,
    const uint8_t *ad, size_t adlen)
{
	struct ratchet_header	h;
	uint8_t			ck[RATCHET_KEYBYTES], mk[RATCHET_KEYBYTES];
	int			rc = -1;

	if (!(r->flags & RATCHET_HAS_CKS) || r->ns == UINT32_MAX ||
	    mlen > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX ||
	    clen != mlen + RATCHET_ABYTES || adlen > RATCHET_ADMAXBYTES)
		return -1;
	kdf_ck(ck, mk, r->cks);
	memcpy(h.dh, r->dhs_pk, RATCHET_PUBLICKEYBYTES);
	h.pn = r->pn;
	h.n = r->ns;
	ratchet_header_encode(header, &h);
	if (message_seal(r, c, m, mlen, ad, adlen, header, mk) != 0)
		goto out;
	memcpy(r->cks, ck, RATCHET_KEYBYTES);
	r->ns++;
	rc = 0;
 out:
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(mk, sizeof(mk));
	return rc;
}

/*
 * A message in the current receiving chain: skip to h->n, decrypt, and only
 * then store the skipped keys and move the chain on.
 */
static int
decrypt_same_chain(struct ratchet *r, uint8_t *m, const uint8_t *c,
    size_t clen, const uint8_t *ad, size_t adlen,
    const uint8_t header[RATCHET_HEADERBYTES], const struct ratchet_header *h)
{
	uint8_t	ck[RATCHET_KEYBYTES], mk[RATCHET_KEYBYTES];
	int	rc = -1;

	/* Older than Nr and not in MKSKIPPED: a replay, or evicted. */
	if (!(r->flags & RATCHET_HAS_CKR) || h->n < r->nr ||
	    h->n == UINT32_MAX || h->n - r->nr > RATCHET_MAX_SKIP)
		return -1;
	if (h->n > r->nr && skipped_alloc(r) != 0)
		return -1;
	memcpy(ck, r->ckr, RATCHET_KEYBYTES);
	chain_advance(ck, h->n - r->nr);
	kdf_ck(ck, mk, ck);
	if (message_open(r, m, c, clen, ad, adlen, header, mk) != 0)
		goto out;

	skipped_make_room(r, h->n - r->nr);
	skipped_store(r, r->ckr, r->dhr, r->nr, h->n);
	memcpy(r->ckr, ck, RATCHET_KEYBYTES);
	r->nr = h->n + 1;
	rc = 0;
 out:
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(mk, sizeof(mk));
	return rc;
}

/*
 * A message under a new DH public key: DHRatchet with the results held
 * aside until the message decrypts, then SkipMessageKeys for the rest of
 * the old chain and the start of the new one, and commit.
 */
static int
decrypt_new_chain(struct ratchet *r, uint8_t *m, const uint8_t *c,
    size_t clen, const uint8_t *ad, size_t adlen,
    const uint8_t header[RATCHET_HEADERBYTES], const struct ratchet_header *h,
    const uint8_t next_secret[RATCHET_SECRETKEYBYTES])
{
	uint8_t		dh_out[crypto_scalarmult_BYTES];
	uint8_t		rk[RATCHET_KEYBYTES], ckr[RATCHET_KEYBYTES];
	uint8_t		cks[RATCHET_KEYBYTES], ck[RATCHET_KEYBYTES];
	uint8_t		mk[RATCHET_KEYBYTES];
	uint8_t		sk[RATCHET_SECRETKEYBYTES], pk[RATCHET_PUBLICKEYBYTES];
	uint32_t	old_skip;
	int		rc = -1;

	if ((uint64_t)h->pn > (uint64_t)r->nr + RATCHET_MAX_SKIP ||
	    h->n > RATCHET_MAX_SKIP)
		return -1;
	old_skip = (r->flags & RATCHET_HAS_CKR) && h->pn > r->nr ?
	    h->pn - r->nr : 0;
	if (old_skip + h->n > 0 && skipped_alloc(r) != 0)
		return -1;

	/* RK, CKr = KDF_RK(RK, DH(DHs, DHr)) */
	if (ratchet_dh(dh_out, r->dhs_sk, h->dh) != 0 ||
	    kdf_rk(rk, ckr, r->rk, dh_out) != 0)
		goto out;
	/* DHs = GENERATE_DH(); RK, CKs = KDF_RK(RK, DH(DHs, DHr)) */
	if (next_secret != NULL)
		memcpy(sk, next_secret, sizeof(sk));
	else
		randombytes_buf(sk, sizeof(sk));
	/* An all-zero private key would make the state unloadable. */
	if (sodium_is_zero(sk, sizeof(sk)) ||
	    crypto_scalarmult_base(pk, sk) != 0 ||
	    ratchet_dh(dh_out, sk, h->dh) != 0 ||
	    kdf_rk(rk, cks, rk, dh_out) != 0)
		goto out;

	memcpy(ck, ckr, RATCHET_KEYBYTES);
	chain_advance(ck, h->n);
	kdf_ck(ck, mk, ck);
	if (message_open(r, m, c, clen, ad, adlen, header, mk) != 0)
		goto out;

	skipped_make_room(r, (size_t)old_skip + h->n);
	if (old_skip > 0)
		skipped_store(r, r->ckr, r->dhr, r->nr, h->pn);
	skipped_store(r, ckr, h->dh, 0, h->n);
	r->pn = r->ns;
	r->ns = 0;
	r->nr = h->n + 1;
	memcpy(r->dhr, h->dh, RATCHET_PUBLICKEYBYTES);
	memcpy(r->rk, rk, RATCHET_KEYBYTES);
	memcpy(r->ckr, ck, RATCHET_KEYBYTES);
	memcpy(r->cks, cks, RATCHET_KEYBYTES);
	memcpy(r->dhs_sk, sk, RATCHET_SECRETKEYBYTES);
	memcpy(r->dhs_pk, pk, RATCHET_PUBLICKEYBYTES);
	r->flags = RATCHET_FLAGS;
	rc = 0;
 out:
	sodium_memzero(dh_out, sizeof(dh_out));
	sodium_memzero(rk, sizeof(rk));
	sodium_memzero(ckr, sizeof(ckr));
	sodium_memzero(cks, sizeof(cks));
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(mk, sizeof(mk));
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

static int
ratchet_decrypt_internal(struct ratchet *r, uint8_t *m, size_t mlen,
    const uint8_t *header, size_t headerlen, const uint8_t *c, size_t clen,
    const uint8_t *ad, size_t adlen,
    const uint8_t next_secret[RATCHET_SECRETKEYBYTES])
{
	struct ratchet_header	h;
	size_t			i;
	int			same_chain;

	if (clen < RATCHET_ABYTES || mlen != clen - RATCHET_ABYTES ||
	    adlen > RATCHET_ADMAXBYTES ||
	    ratchet_header_parse(&h, header, headerlen) != 0)
		return -1;
	same_chain = (r->flags & RATCHET_HAS_DHR) &&
	    memcmp(h.dh, r->dhr, RATCHET_PUBLICKEYBYTES) == 0;

	/*
	 * TrySkippedMessageKeys. Keys of the current chain are only stored
	 * below Nr, so the usual in-order message need not scan the store.
	 */
	if (!(same_chain && h.n >= r->nr) &&
	    skipped_find(r, h.dh, h.n, &i) == 0) {
		if (message_open(r, m, c, clen, ad, adlen, header,
		    r->skipped[i].mk) != 0)
			return -1;
		skipped_remove(r, i, 1);
		return 0;
	}
	if (same_chain)
		return decrypt_same_chain(r, m, c, clen, ad, adlen, header,
		    &h);
	return decrypt_new_chain(r, m, c, clen, ad, adlen, header, &h,
	    next_secret);
}

int
ratchet_decrypt(struct ratchet *r, uint8_t *m, size_t mlen,
    const uint8_t *header, size_t headerlen, const uint8_t *c, size_t clen,
    const uint8_t *ad, size_t adlen)
{
	return ratchet_decrypt_internal(r, m, mlen, header, headerlen, c, clen,
	    ad, adlen, NULL);
}

int
ratchet_decrypt_with_keypair(struct ratchet *r, uint8_t *m, size_t mlen,
    const uint8_t *header, size_t headerlen, const uint8_t *c, size_t clen,
    const uint8_t *ad, size_t adlen,
    const uint8_t next_secret[RATCHET_SECRETKEYBYTES])
{
	return ratchet_decrypt_internal(r, m, mlen, header, headerlen, c, clen,
	    ad, adlen, next_secret);
}

size_t
ratchet_save_size(const struct ratchet *r)
{
	return RATCHET_SAVE_FIXED + r->nskipped * RATCHET_SAVE_ENTRY;
}

int
ratchet_save(uint8_t *out, size_t outlen, const struct ratchet *r)
{
	uint8_t	*p = out;
	size_t	 i;

	if (outlen != ratchet_save_size(r))
		return -1;
	*p++ = RATCHET_STATE_VERSION;
	*p++ = (uint8_t)r->flags;
	memcpy(p, r->dhs_sk, 32), p += 32;
	memcpy(p, r->dhr, 32), p += 32;
	memcpy(p, r->rk, 32), p += 32;
	memcpy(p, r->cks, 32), p += 32;
	memcpy(p, r->ckr, 32), p += 32;
	put_be32(p, r->ns), p += 4;
	put_be32(p, r->nr), p += 4;
	put_be32(p, r->pn), p += 4;
	put_be32(p, (uint32_t)r->nskipped), p += 4;
	for (i = 0; i < r->nskipped; i++) {
		memcpy(p, r->skipped[i].dh, 32), p += 32;
		put_be32(p, r->skipped[i].n), p += 4;
		memcpy(p, r->skipped[i].mk, 32), p += 32;
	}
	return 0;
}

int
ratchet_load(struct ratchet **rp, const uint8_t *in, size_t inlen)
{
	struct ratchet	*r;
	const uint8_t	*p = in;
	unsigned int	 flags;
	uint32_t	 count;
	size_t		 i;

	*rp = NULL;
	if (inlen < RATCHET_SAVE_FIXED || in[0] != RATCHET_STATE_VERSION)
		return -1;
	flags = in[1];
	count = get_be32(in + RATCHET_SAVE_FIXED - 4);
	if ((flags & ~RATCHET_FLAGS) != 0 || count > RATCHET_MAX_SKIPPED ||
	    inlen != RATCHET_SAVE_FIXED + (size_t)count * RATCHET_SAVE_ENTRY)
		return -1;
	if ((r = ratchet_alloc()) == NULL)
		return -1;
	if (count > 0 && skipped_alloc(r) != 0)
		goto fail;
	p += 2;
	r->flags = flags;
	memcpy(r->dhs_sk, p, 32), p += 32;
	memcpy(r->dhr, p, 32), p += 32;
	memcpy(r->rk, p, 32), p += 32;
	memcpy(r->cks, p, 32), p += 32;
	memcpy(r->ckr, p, 32), p += 32;
	r->ns = get_be32(p), p += 4;
	r->nr = get_be32(p), p += 4;
	r->pn = get_be32(p), p += 4;
	p += 4;
	for (i = 0; i < count; i++) {
		memcpy(r->skipped[i].dh, p, 32), p += 32;
		r->skipped[i].n = get_be32(p), p += 4;
		memcpy(r->skipped[i].mk, p, 32), p += 32;
	}
	r->nskipped = count;

	/*
	 * What the algorithm can reach: a sending or receiving chain only
	 * with a DHr, counters only with their chain, absent keys zero.
	 */
	if (sodium_is_zero(r->dhs_sk, sizeof(r->dhs_sk)))
		goto fail;
	if ((flags & (RATCHET_HAS_CKS | RATCHET_HAS_CKR)) != 0 &&
	    !(flags & RATCHET_HAS_DHR))
		goto fail;
	if (!(flags & RATCHET_HAS_DHR) &&
	    !sodium_is_zero(r->dhr, sizeof(r->dhr)))
		goto fail;
	if (!(flags & RATCHET_HAS_CKS) &&
	    (!sodium_is_zero(r->cks, sizeof(r->cks)) || r->ns != 0))
		goto fail;
	if (!(flags & RATCHET_HAS_CKR) &&
	    (!sodium_is_zero(r->ckr, sizeof(r->ckr)) || r->nr != 0 ||
	    r->pn != 0 || count != 0))
		goto fail;
	if (crypto_scalarmult_base(r->dhs_pk, r->dhs_sk) != 0)
		goto fail;
	*rp = r;
	return 0;
 fail:
	ratchet_free(r);
	return -1;
}
