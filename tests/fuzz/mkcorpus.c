/*
 * Writes the seed corpora of the fuzz targets that need real crypto or
 * real codes: envelopes and batches sealed by dave's side of the session
 * the targets hold (fuzz.h), contact records and introduction messages
 * from a real introduction, codes from code_make(), and rendezvous and
 * API sessions around them. Run by hand; the output is committed:
 *
 *	make tests/fuzz/mkcorpus && tests/fuzz/mkcorpus $(srcdir)/tests/fuzz/corpus
 *
 * Sealing draws fresh randomness, so each run writes other bytes with
 * the same meaning.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "code.h"
#include "crypto/ratchet.h"
#include "envelope.h"
#include "intro.h"
#include "fuzz.h"

static const char	*outdir;

void
fuzz_die(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void
put(const char *target, const char *name, const void *a, size_t alen,
    const void *b, size_t blen)
{
	char	 path[1024];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		fuzz_die("mkdir %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(a, 1, alen, f) != alen ||
	    (blen > 0 && fwrite(b, 1, blen, f) != blen) || fclose(f) != 0)
		fuzz_die("cannot write %s", path);
}

static void
put_text(const char *target, const char *name, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fuzz_die("out of memory");
	va_end(ap);
	put(target, name, s, strlen(s), NULL, 0);
	free(s);
}

static char *
b64(const uint8_t *bin, size_t len)
{
	size_t	 n = sodium_base64_ENCODED_LEN(len,
		    sodium_base64_VARIANT_ORIGINAL);
	char	*s = malloc(n);

	if (s == NULL)
		fuzz_die("out of memory");
	sodium_bin2base64(s, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

/* Dave's side: the ratchet's Alice, towards the targets' Bob. */
static struct ratchet *
dave_alice(void)
{
	struct ratchet	*r;
	uint8_t		 sk[RATCHET_SHAREDKEYBYTES];
	uint8_t		 secret[RATCHET_SECRETKEYBYTES];
	uint8_t		 pub[RATCHET_PUBLICKEYBYTES];

	memset(sk, FUZZ_SK_BYTE, sizeof(sk));
	memset(secret, FUZZ_BOB_SECRET_BYTE, sizeof(secret));
	crypto_scalarmult_base(pub, secret);
	if (ratchet_init_alice(&r, sk, pub) == -1)
		fuzz_die("ratchet_init_alice");
	return r;
}

static size_t
seal(uint8_t *out, size_t outlen, struct ratchet *r, enum envelope_type type,
    uint64_t seq, const char *body)
{
	struct envelope_msg	m;
	uint8_t			token[ENVELOPE_TOKENBYTES];
	size_t			n;

	memset(token, FUZZ_DAVE_TOKEN_BYTE, sizeof(token));
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.seq = seq;
	m.created = 1700000000 + seq;
	m.body = (const uint8_t *)body;
	m.bodylen = strlen(body);
	if (envelope_seal(out, outlen, &n, r, token, &m) == -1)
		fuzz_die("envelope_seal");
	return n;
}

static void
envelopes(void)
{
	static const uint8_t	 mode0[] = { 0 }, mode1[] = { 1 };
	static const uint8_t	 mode2[] = { 2 };
	struct envelope_batch	 b;
	struct envelope_msg	 m;
	struct ratchet		*r = dave_alice();
	uint8_t			*env, *batch, *state, plain[1024], hl[2];
	size_t			 n, blen, slen;
	char			*big, *b64s;

	env = malloc(ENVELOPE_MAX_BYTES);
	batch = malloc(ENVELOPE_BATCH_MAX_BYTES);
	if (env == NULL || batch == NULL)
		fuzz_die("out of memory");

	/* What dave sends first: the session start, then text. */
	envelope_batch_init(&b, batch, ENVELOPE_BATCH_MAX_BYTES);
	n = seal(env, ENVELOPE_MAX_BYTES, r, ENVELOPE_SESSION_START, 1, "");
	put("envelope", "session-start", mode0, 1, env, n);
	if (envelope_batch_add(&b, env, n) == -1)
		fuzz_die("envelope_batch_add");
	n = seal(env, ENVELOPE_MAX_BYTES, r, ENVELOPE_TEXT, 2, "hello");
	put("envelope", "text", mode0, 1, env, n);
	if (envelope_batch_add(&b, env, n) == -1)
		fuzz_die("envelope_batch_add");
	n = seal(env, ENVELOPE_MAX_BYTES, r, ENVELOPE_TEXT, 3,
	    "gr\xc3\xbc\xc3\x9f""e \xe2\x98\x83 \xf0\x9f\x90\x88");
	if (envelope_batch_add(&b, env, n) == -1 ||
	    envelope_batch_finish(&b, &blen) == -1)
		fuzz_die("envelope_batch_add");
	put("envelope", "batch-3", mode0, 1, batch, blen);
	b64s = b64(batch, blen);
	put_text("rendezvous", "msg-batch", "h\nm \"%s\"\nm \"%s\"\n", b64s,
	    b64s);
	free(b64s);

	/* A second bucket. */
	if ((big = malloc(600)) == NULL)
		fuzz_die("out of memory");
	memset(big, 'x', 599);
	big[599] = '\0';
	n = seal(env, ENVELOPE_MAX_BYTES, r, ENVELOPE_TEXT, 4, big);
	put("envelope", "text-1024", mode0, 1, env, n);
	free(big);

	/* A saved state with skipped keys, then one more envelope. */
	n = seal(env, ENVELOPE_MAX_BYTES, r, ENVELOPE_TEXT, 5, "five");
	slen = ratchet_save_size(r);
	if ((state = malloc(slen)) == NULL || ratchet_save(state, slen, r))
		fuzz_die("ratchet_save");
	hl[0] = (uint8_t)(slen >> 8);
	hl[1] = (uint8_t)slen;
	{
		uint8_t	*s = malloc(1 + 2 + slen + n);

		if (s == NULL)
			fuzz_die("out of memory");
		memcpy(s, mode1, 1);
		memcpy(s + 1, hl, 2);
		memcpy(s + 3, state, slen);
		memcpy(s + 3 + slen, env, n);
		put("envelope", "state-alice", s, 3 + slen + n, NULL, 0);
		free(s);
	}
	free(state);

	/*
	 * The receiver's side with a skipped key: the targets' Bob opened
	 * dave's messages 1 and 3; then message 2 (from the skipped key)
	 * and message 4 (the chain), each after that state.
	 */
	{
		struct envelope_view	 v;
		struct ratchet		*bob, *alice = dave_alice();
		uint8_t			 sk[RATCHET_SHAREDKEYBYTES];
		uint8_t			 secret[RATCHET_SECRETKEYBYTES];
		uint8_t			 e[4][1024], body[ENVELOPE_MAX_BODY];
		size_t			 el[4], i;
		const int		 order[2] = { 0, 2 };

		memset(sk, FUZZ_SK_BYTE, sizeof(sk));
		memset(secret, FUZZ_BOB_SECRET_BYTE, sizeof(secret));
		if (ratchet_init_bob(&bob, sk, secret) == -1)
			fuzz_die("ratchet_init_bob");
		for (i = 0; i < 4; i++)
			el[i] = seal(e[i], sizeof(e[i]), alice, i == 0 ?
			    ENVELOPE_SESSION_START : ENVELOPE_TEXT, i + 1,
			    i == 0 ? "" : "out of order");
		for (i = 0; i < 2; i++)
			if (envelope_peek(&v, e[order[i]], el[order[i]]) ||
			    envelope_open(&m, body, sizeof(body), bob, &v) !=
			    ENVELOPE_OPENED)
				fuzz_die("envelope_open");
		slen = ratchet_save_size(bob);
		if ((state = malloc(slen)) == NULL ||
		    ratchet_save(state, slen, bob))
			fuzz_die("ratchet_save");
		for (i = 1; i < 4; i += 2) {
			uint8_t	*s = malloc(3 + slen + el[i]);

			if (s == NULL)
				fuzz_die("out of memory");
			s[0] = 1;
			s[1] = (uint8_t)(slen >> 8);
			s[2] = (uint8_t)slen;
			memcpy(s + 3, state, slen);
			memcpy(s + 3 + slen, e[i], el[i]);
			put("envelope", i == 1 ? "state-skipped" :
			    "state-chain", s, 3 + slen + el[i], NULL, 0);
			free(s);
		}
		free(state);
		ratchet_free(bob);
		ratchet_free(alice);
	}

	/* Plaintexts and a header. */
	memset(&m, 0, sizeof(m));
	m.type = ENVELOPE_TEXT;
	m.seq = 7;
	m.created = 1700000007;
	m.body = (const uint8_t *)"plain text";
	m.bodylen = 10;
	n = envelope_plain_encode(plain, sizeof(plain), &m);
	put("envelope", "plain-text", mode2, 1, plain, n);
	m.type = ENVELOPE_SESSION_START;
	m.body = NULL;
	m.bodylen = 0;
	n = envelope_plain_encode(plain, sizeof(plain), &m);
	put("envelope", "plain-start", mode2, 1, plain, n);
	n = seal(env, ENVELOPE_MAX_BYTES, r, ENVELOPE_TEXT, 8, "h");
	put("envelope", "header", mode2, 1, env + ENVELOPE_ADBYTES,
	    RATCHET_HEADERBYTES);

	ratchet_free(r);
	free(env);
	free(batch);
}

/* Records, and messages of fuzz_record.c's sides (fuzz_intro.c). */
static void
records(void)
{
	static const uint8_t	 mode0[] = { 0 };
	struct intro_record	 ra, rb;
	struct intro		*a, *b;
	uint8_t			 ska[INTRO_SIGNBYTES], skb[INTRO_SIGNBYTES];
	uint8_t			 ea[INTRO_ENTROPYBYTES], eb[INTRO_ENTROPYBYTES];
	uint8_t			 ma[INTRO_MSG_MAX], mb[INTRO_MSG_MAX];
	uint8_t			 mb2[INTRO_MSG_MAX], out[INTRO_MSG_MAX];
	uint8_t			 enc[INTRO_RECORD_MAX], hdr[2];
	size_t			 la, lb, lb2, lo, n;
	char			 err[256];

	fuzz_intro_side(&ra, ska, ea, 0);
	fuzz_intro_side(&rb, skb, eb, 1);

	n = intro_record_encode(enc, sizeof(enc), &rb);
	put("record", "record-bob", mode0, 1, enc, n);
	snprintf(rb.name, sizeof(rb.name), "J\xc3\xbcrgen M\xc3\xbcller");
	n = intro_record_encode(enc, sizeof(enc), &rb);
	put("record", "record-utf8", mode0, 1, enc, n);
	rb.name[0] = '\0';
	n = intro_record_encode(enc, sizeof(enc), &rb);
	put("record", "record-noname", mode0, 1, enc, n);
	snprintf(rb.name, sizeof(rb.name), "bob");

	/* The accepter's three messages, each where the inviter reads it. */
	if (intro_new(&a, INTRO_INVITER, FUZZ_INTRO_CODE, ea, &ra, ska,
	    ma, &la) == -1 ||
	    intro_new(&b, INTRO_ACCEPTER, FUZZ_INTRO_CODE, eb, &rb,
	    skb, mb, &lb) == -1)
		fuzz_die("intro_new");
	hdr[0] = 1;
	hdr[1] = 0;
	put("record", "exchange-pake", hdr, 2, mb, lb);
	if (intro_receive(b, ma, la, mb2, &lb2, err, sizeof(err)) !=
	    INTRO_CONTINUE)
		fuzz_die("%s", err);
	hdr[1] = 1;
	put("record", "exchange-confirm", hdr, 2, mb2, lb2);
	if (intro_receive(a, mb, lb, out, &lo, err, sizeof(err)) !=
	    INTRO_CONTINUE ||
	    intro_receive(b, out, lo, mb, &lb, err, sizeof(err)) !=
	    INTRO_CONTINUE)
		fuzz_die("%s", err);
	hdr[1] = 2;
	put("record", "exchange-record", hdr, 2, mb, lb);
	intro_free(a);
	intro_free(b);
}

static void
codes(void)
{
	struct code	c;
	char		name[32];
	int		i;

	for (i = 0; i < 3; i++) {
		if (code_make(&c, i == 0 ? "7" : i == 1 ? "1234567" :
		    "kgzho6cfgqam2t4oeoulbhadg374aainuh5ewrqgxgrnfxqykfbxfyyd",
		    i + 2) == -1)
			fuzz_die("code_make");
		snprintf(name, sizeof(name), "made-%d", i);
		put_text("code", name, "%s", c.canonical);
	}
	if (code_make(&c, "42", 3) == -1)
		fuzz_die("code_make");
	/* As people type them: blanks, capitals, surrounding space. */
	for (i = 0; c.canonical[i] != '\0'; i++)
		if (c.canonical[i] == '-')
			c.canonical[i] = ' ';
	c.canonical[0] = '4';
	put_text("code", "typed", "  %s\t\n", c.canonical);
	put_text("api", "accept", "\004{\"code\":\"7-crossover-clockwork\","
	    "\"petname\":\"erin\"}");
}

int
main(int argc, char **argv)
{
	if (argc != 2)
		fuzz_die("usage: mkcorpus OUTDIR");
	if (sodium_init() < 0)
		fuzz_die("sodium_init");
	outdir = argv[1];
	if (mkdir(outdir, 0755) == -1 && errno != EEXIST)
		fuzz_die("mkdir %s: %s", outdir, strerror(errno));
	envelopes();
	records();
	codes();
	return 0;
}
