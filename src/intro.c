#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "code.h"
#include "crypto/hkdf.h"
#include "intro.h"
#include "log.h"
#include "petname.h"

enum intro_phase {
	PHASE_WAIT_PAKE,
	PHASE_WAIT_CONFIRM,
	PHASE_WAIT_RECORD,
	PHASE_DONE,
	PHASE_FAILED,
};

/* Lives in sodium_malloc memory: it holds every secret of the exchange. */
struct intro {
	enum intro_role		 role;
	enum intro_phase	 phase;
	struct spake2_state	*spake;
	uint8_t			 my_pake[SPAKE2_MSGBYTES];
	uint8_t			 transcript[crypto_hash_sha256_BYTES];
	uint8_t			 confirm_key[32];
	uint8_t			 record_key_a[32];
	uint8_t			 record_key_b[32];
	uint8_t			 session[INTRO_SESSIONBYTES];
	uint8_t			 sign_sk[INTRO_SIGNBYTES];
	struct intro_record	 self;
	struct intro_record	 peer;
};

static const char *const intro_side[] = { "a", "b" };

size_t
intro_record_encode(uint8_t *out, size_t outlen, const struct intro_record *r)
{
	size_t	namelen = strlen(r->name), n = 0;

	if (outlen < INTRO_RECORD_MAX || namelen > INTRO_NAME_MAX ||
	    strlen(r->onion_id) != INTRO_ONION_ID_LEN)
		return 0;
	out[n++] = INTRO_VERSION;
	memcpy(out + n, r->identity_pk, INTRO_KEYBYTES);
	n += INTRO_KEYBYTES;
	memcpy(out + n, r->ratchet_pk, INTRO_KEYBYTES);
	n += INTRO_KEYBYTES;
	memcpy(out + n, r->token, INTRO_KEYBYTES);
	n += INTRO_KEYBYTES;
	memcpy(out + n, r->onion_id, INTRO_ONION_ID_LEN);
	n += INTRO_ONION_ID_LEN;
	out[n++] = (uint8_t)namelen;
	memcpy(out + n, r->name, namelen);
	return n + namelen;
}

int
intro_record_decode(struct intro_record *r, const uint8_t *in, size_t len)
{
	const size_t	fixed = 1 + 3 * INTRO_KEYBYTES + INTRO_ONION_ID_LEN + 1;
	char		err[128];
	size_t		namelen, i;

	memset(r, 0, sizeof(*r));
	if (len < fixed || in[0] != INTRO_VERSION)
		return -1;
	namelen = in[fixed - 1];
	if (namelen > INTRO_NAME_MAX || len != fixed + namelen)
		return -1;
	memcpy(r->identity_pk, in + 1, INTRO_KEYBYTES);
	memcpy(r->ratchet_pk, in + 1 + INTRO_KEYBYTES, INTRO_KEYBYTES);
	memcpy(r->token, in + 1 + 2 * INTRO_KEYBYTES, INTRO_KEYBYTES);
	for (i = 0; i < INTRO_ONION_ID_LEN; i++) {
		uint8_t	c = in[1 + 3 * INTRO_KEYBYTES + i];

		if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')))
			return -1;
		r->onion_id[i] = (char)c;
	}
	memcpy(r->name, in + fixed, namelen);
	if (namelen > 0 && petname_check(r->name, namelen, err,
	    sizeof(err)) == -1)
		return -1;
	return 0;
}

static void
intro_fail(struct intro *in, char *err, size_t errlen, const char *why)
{
	in->phase = PHASE_FAILED;
	snprintf(err, errlen, "%s", why);
	sodium_memzero(in->session, sizeof(in->session));
}

int
intro_new(struct intro **out, enum intro_role role, const char *password,
    const uint8_t entropy[INTRO_ENTROPYBYTES], const struct intro_record *self,
    const uint8_t sign_sk[INTRO_SIGNBYTES], uint8_t msg[INTRO_MSG_MAX],
    size_t *msglen)
{
	struct intro	*in;

	if ((in = sodium_malloc(sizeof(*in))) == NULL)
		fatal("sodium_malloc");
	memset(in, 0, sizeof(*in));
	in->role = role;
	in->phase = PHASE_WAIT_PAKE;
	in->self = *self;
	memcpy(in->sign_sk, sign_sk, INTRO_SIGNBYTES);
	if (spake2_start_entropy(&in->spake, in->my_pake,
	    (const uint8_t *)password, strlen(password),
	    (const uint8_t *)INTRO_SPAKE2_ID, strlen(INTRO_SPAKE2_ID),
	    entropy) == -1) {
		intro_free(in);
		return -1;
	}
	msg[0] = INTRO_VERSION;
	msg[1] = INTRO_MSG_PAKE;
	memcpy(msg + 2, in->my_pake, SPAKE2_MSGBYTES);
	*msglen = 2 + SPAKE2_MSGBYTES;
	*out = in;
	return 0;
}

/* From the SPAKE2 key and both PAKE messages, every key we need. */
static void
intro_derive(struct intro *in, const uint8_t key[SPAKE2_KEYBYTES],
    const uint8_t peer_pake[SPAKE2_MSGBYTES])
{
	crypto_hash_sha256_state	 h;
	const uint8_t			*pake_a, *pake_b;
	uint8_t				 prk[HKDF_SHA256_PRKBYTES];
	static const char		 label[] = "petmail v1 transcript";

	pake_a = in->role == INTRO_INVITER ? in->my_pake : peer_pake;
	pake_b = in->role == INTRO_INVITER ? peer_pake : in->my_pake;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const uint8_t *)label,
	    sizeof(label) - 1);
	crypto_hash_sha256_update(&h, pake_a, SPAKE2_MSGBYTES);
	crypto_hash_sha256_update(&h, pake_b, SPAKE2_MSGBYTES);
	crypto_hash_sha256_final(&h, in->transcript);

	hkdf_sha256_extract(prk, in->transcript, sizeof(in->transcript), key,
	    SPAKE2_KEYBYTES);
#define EXPAND(out, info) \
	if (hkdf_sha256_expand(out, sizeof(out), prk, \
	    (const uint8_t *)(info), sizeof(info) - 1) == -1) \
		fatalx("hkdf")
	EXPAND(in->confirm_key, "petmail v1 confirm");
	EXPAND(in->record_key_a, "petmail v1 record a");
	EXPAND(in->record_key_b, "petmail v1 record b");
	EXPAND(in->session, "petmail v1 ratchet");
#undef EXPAND
	sodium_memzero(prk, sizeof(prk));
}

static void
intro_confirm_mac(uint8_t mac[crypto_auth_hmacsha256_BYTES],
    const struct intro *in, enum intro_role side)
{
	crypto_auth_hmacsha256(mac, (const uint8_t *)intro_side[side], 1,
	    in->confirm_key);
}

/* What a record's signature covers. */
static void
intro_signed_part(crypto_hash_sha512_state *h, const struct intro *in,
    enum intro_role side, const uint8_t *rec, size_t reclen)
{
	static const char	label[] = "petmail v1 record";

	crypto_hash_sha512_init(h);
	crypto_hash_sha512_update(h, (const uint8_t *)label, sizeof(label) - 1);
	crypto_hash_sha512_update(h, (const uint8_t *)intro_side[side], 1);
	crypto_hash_sha512_update(h, in->transcript, sizeof(in->transcript));
	crypto_hash_sha512_update(h, rec, reclen);
}

static size_t
intro_seal_record(struct intro *in, uint8_t out[INTRO_MSG_MAX])
{
	crypto_hash_sha512_state	 h;
	uint8_t				 plain[INTRO_RECORD_MAX];
	uint8_t				 digest[crypto_hash_sha512_BYTES];
	unsigned long long		 ctlen;
	size_t				 n;

	n = intro_record_encode(plain, sizeof(plain), &in->self);
	if (n == 0)
		fatalx("intro: our own record does not encode");
	intro_signed_part(&h, in, in->role, plain, n);
	crypto_hash_sha512_final(&h, digest);
	crypto_sign_detached(plain + n, NULL, digest, sizeof(digest),
	    in->sign_sk);
	n += INTRO_SIGNBYTES;

	out[0] = INTRO_VERSION;
	out[1] = INTRO_MSG_RECORD;
	randombytes_buf(out + 2, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 2 + 24, &ctlen,
	    plain, n, out, 2, NULL, out + 2,
	    in->role == INTRO_INVITER ? in->record_key_a : in->record_key_b);
	sodium_memzero(plain, sizeof(plain));
	return 2 + 24 + (size_t)ctlen;
}

static int
intro_open_record(struct intro *in, const uint8_t *msg, size_t len)
{
	crypto_hash_sha512_state	 h;
	uint8_t				 plain[INTRO_RECORD_MAX];
	uint8_t				 digest[crypto_hash_sha512_BYTES];
	unsigned long long		 plen;
	enum intro_role			 peer;

	peer = in->role == INTRO_INVITER ? INTRO_ACCEPTER : INTRO_INVITER;
	if (len < 2 + 24 + 16 + INTRO_SIGNBYTES ||
	    len - 2 - 24 - 16 > sizeof(plain))
		return -1;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL,
	    msg + 2 + 24, len - 2 - 24, msg, 2, msg + 2,
	    peer == INTRO_INVITER ? in->record_key_a : in->record_key_b) != 0)
		return -1;
	if (plen < INTRO_SIGNBYTES ||
	    intro_record_decode(&in->peer, plain,
	    (size_t)plen - INTRO_SIGNBYTES) == -1)
		goto bad;
	intro_signed_part(&h, in, peer, plain, (size_t)plen - INTRO_SIGNBYTES);
	crypto_hash_sha512_final(&h, digest);
	if (crypto_sign_verify_detached(plain + plen - INTRO_SIGNBYTES, digest,
	    sizeof(digest), in->peer.identity_pk) != 0)
		goto bad;
	sodium_memzero(plain, sizeof(plain));
	return 0;
bad:
	sodium_memzero(plain, sizeof(plain));
	return -1;
}

enum intro_status
intro_receive(struct intro *in, const uint8_t *msg, size_t len,
    uint8_t out[INTRO_MSG_MAX], size_t *outlen, char *err, size_t errlen)
{
	uint8_t	key[SPAKE2_KEYBYTES], mac[crypto_auth_hmacsha256_BYTES];
	int	type;

	*outlen = 0;
	if (in->phase == PHASE_FAILED || in->phase == PHASE_DONE) {
		snprintf(err, errlen, "the introduction is over");
		return INTRO_FAILED;
	}
	if (len < 2 || len > INTRO_MSG_MAX || msg[0] != INTRO_VERSION) {
		intro_fail(in, err, errlen, len >= 1 && msg[0] !=
		    INTRO_VERSION ? "the other side speaks another protocol "
		    "version" : "malformed introduction message");
		return INTRO_FAILED;
	}
	type = msg[1];
	switch (in->phase) {
	case PHASE_WAIT_PAKE:
		if (type != INTRO_MSG_PAKE ||
		    len != 2 + SPAKE2_MSGBYTES) {
			intro_fail(in, err, errlen, "malformed introduction "
			    "message");
			return INTRO_FAILED;
		}
		if (spake2_finish(key, in->spake, msg + 2, SPAKE2_MSGBYTES)
		    == -1) {
			intro_fail(in, err, errlen, "wrong code or tampering");
			return INTRO_FAILED;
		}
		SPAKE2_FREE(in->spake);
		intro_derive(in, key, msg + 2);
		sodium_memzero(key, sizeof(key));
		out[0] = INTRO_VERSION;
		out[1] = INTRO_MSG_CONFIRM;
		intro_confirm_mac(out + 2, in, in->role);
		*outlen = 2 + crypto_auth_hmacsha256_BYTES;
		in->phase = PHASE_WAIT_CONFIRM;
		return INTRO_CONTINUE;
	case PHASE_WAIT_CONFIRM:
		if (type != INTRO_MSG_CONFIRM ||
		    len != 2 + crypto_auth_hmacsha256_BYTES) {
			intro_fail(in, err, errlen, "malformed introduction "
			    "message");
			return INTRO_FAILED;
		}
		intro_confirm_mac(mac, in, in->role == INTRO_INVITER ?
		    INTRO_ACCEPTER : INTRO_INVITER);
		if (sodium_memcmp(mac, msg + 2, sizeof(mac)) != 0) {
			intro_fail(in, err, errlen, "wrong code or tampering");
			return INTRO_FAILED;
		}
		*outlen = intro_seal_record(in, out);
		in->phase = PHASE_WAIT_RECORD;
		return INTRO_CONTINUE;
	case PHASE_WAIT_RECORD:
		if (type != INTRO_MSG_RECORD || intro_open_record(in, msg,
		    len) == -1) {
			intro_fail(in, err, errlen, "the other side's contact "
			    "record is invalid (tampering?)");
			return INTRO_FAILED;
		}
		if (sodium_memcmp(in->peer.identity_pk, in->self.identity_pk,
		    INTRO_KEYBYTES) == 0) {
			intro_fail(in, err, errlen, "the other side is this "
			    "agent itself");
			return INTRO_FAILED;
		}
		in->phase = PHASE_DONE;
		return INTRO_DONE;
	default:
		break;
	}
	intro_fail(in, err, errlen, "the introduction is over");
	return INTRO_FAILED;
}

const struct intro_record *
intro_peer(const struct intro *in)
{
	return in->phase == PHASE_DONE ? &in->peer : NULL;
}

void
intro_session_key(const struct intro *in, uint8_t sk[INTRO_SESSIONBYTES])
{
	memcpy(sk, in->session, INTRO_SESSIONBYTES);
}

void
intro_free(struct intro *in)
{
	if (in == NULL)
		return;
	spake2_free(in->spake);
	sodium_free(in);
}

void
intro_verification(char out[INTRO_VERIFY_MAX], const uint8_t a[INTRO_KEYBYTES],
    const uint8_t b[INTRO_KEYBYTES])
{
	crypto_hash_sha256_state	 h;
	const uint8_t			*lo = a, *hi = b;
	uint8_t				 d[crypto_hash_sha256_BYTES];
	static const char		 label[] = "petmail v1 verify";
	size_t				 n = 0;
	int				 i;

	if (memcmp(a, b, INTRO_KEYBYTES) > 0) {
		lo = b;
		hi = a;
	}
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const uint8_t *)label,
	    sizeof(label) - 1);
	crypto_hash_sha256_update(&h, lo, INTRO_KEYBYTES);
	crypto_hash_sha256_update(&h, hi, INTRO_KEYBYTES);
	crypto_hash_sha256_final(&h, d);
	for (i = 0; i < INTRO_VERIFY_WORDS; i++)
		n += (size_t)snprintf(out + n, INTRO_VERIFY_MAX - n, "%s%s",
		    i ? " " : "", code_word(d[i], i));
}
