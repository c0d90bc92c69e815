#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "crypto/ratchet.h"
#include "ratchet_scenario.h"

#define SCENARIO_MAXMSGS	8
#define SCENARIO_MAXMSGBYTES	512
#define SCENARIO_LINEBYTES	4096
#define SCENARIO_MAXSTATE	1024

static const char scenario_ad[] = "petmail ratchet vectors";

struct scenario {
	void		(*emit)(const char *, void *);
	void		*arg;
	struct ratchet	*alice, *bob;
	uint8_t		 alice_next, bob_next;	/* first byte of next key */
	size_t		 nsent;
	uint8_t		 header[SCENARIO_MAXMSGS][RATCHET_HEADERBYTES];
	uint8_t		 c[SCENARIO_MAXMSGS][SCENARIO_MAXMSGBYTES +
			    RATCHET_ABYTES];
	size_t		 clen[SCENARIO_MAXMSGS];
	char		 line[SCENARIO_LINEBYTES];
	int		 failed;
};

/* The fixed key of ratchet_ref.py: first, first + 1, ... (mod 256). */
static void
scenario_key(uint8_t out[32], uint8_t first)
{
	size_t	i;

	for (i = 0; i < 32; i++)
		out[i] = (uint8_t)(first + i);
}

static void
scenario_error(struct scenario *s, const char *what)
{
	if (s->failed)
		return;
	snprintf(s->line, sizeof(s->line), "error %s", what);
	s->emit(s->line, s->arg);
	s->failed = 1;
}

/* Appends bin as hex to the line, "-" if empty. */
static void
scenario_hex(struct scenario *s, const uint8_t *bin, size_t len)
{
	size_t	used = strlen(s->line);

	if (used + 2 * len + 2 > sizeof(s->line)) {
		scenario_error(s, "line too long");
		return;
	}
	if (len == 0)
		strcpy(s->line + used, "-");
	else
		sodium_bin2hex(s->line + used, sizeof(s->line) - used, bin,
		    len);
}

/* The saved state, or -1. */
static int
scenario_save(struct scenario *s, struct ratchet *r, uint8_t *out,
    size_t *outlen)
{
	*outlen = ratchet_save_size(r);
	if (*outlen > SCENARIO_MAXSTATE ||
	    ratchet_save(out, *outlen, r) != 0) {
		scenario_error(s, "save failed");
		return -1;
	}
	return 0;
}

static void
scenario_send(struct scenario *s, const char *who, const char *m,
    size_t mlen)
{
	struct ratchet	*r = strcmp(who, "alice") == 0 ? s->alice : s->bob;
	size_t		 i = s->nsent;

	if (s->failed)
		return;
	if (i >= SCENARIO_MAXMSGS || mlen > SCENARIO_MAXMSGBYTES) {
		scenario_error(s, "scenario too big");
		return;
	}
	s->clen[i] = mlen + RATCHET_ABYTES;
	if (ratchet_encrypt(r, s->header[i], s->c[i], s->clen[i],
	    (const uint8_t *)m, mlen, (const uint8_t *)scenario_ad,
	    sizeof(scenario_ad) - 1) != 0) {
		scenario_error(s, "encrypt failed");
		return;
	}
	s->nsent++;
	snprintf(s->line, sizeof(s->line), "send %s %zu ", who, i);
	scenario_hex(s, s->header[i], RATCHET_HEADERBYTES);
	strcat(s->line, " ");
	scenario_hex(s, s->c[i], s->clen[i]);
	if (!s->failed)
		s->emit(s->line, s->arg);
}

/*
 * Decrypts message i, offering the side's next fixed ratchet key; the key
 * counts as used if the saved DHs private key (bytes 2..33) changed.
 */
static void
scenario_recv(struct scenario *s, const char *who, size_t i)
{
	struct ratchet	*r;
	uint8_t		*next, key[32], m[SCENARIO_MAXMSGBYTES];
	uint8_t		 before[SCENARIO_MAXSTATE], after[SCENARIO_MAXSTATE];
	size_t		 beforelen, afterlen;

	if (s->failed)
		return;
	if (i >= s->nsent) {
		scenario_error(s, "no such message");
		return;
	}
	if (strcmp(who, "alice") == 0) {
		r = s->alice;
		next = &s->alice_next;
	} else {
		r = s->bob;
		next = &s->bob_next;
	}
	scenario_key(key, *next);
	if (scenario_save(s, r, before, &beforelen) != 0)
		return;
	if (ratchet_decrypt_with_keypair(r, m, s->clen[i] - RATCHET_ABYTES,
	    s->header[i], RATCHET_HEADERBYTES, s->c[i], s->clen[i],
	    (const uint8_t *)scenario_ad, sizeof(scenario_ad) - 1, key) != 0) {
		scenario_error(s, "decrypt failed");
		return;
	}
	if (scenario_save(s, r, after, &afterlen) != 0)
		return;
	if (memcmp(before + 2, after + 2, 32) != 0)
		(*next)++;
	snprintf(s->line, sizeof(s->line), "recv %s %zu ", who, i);
	scenario_hex(s, m, s->clen[i] - RATCHET_ABYTES);
	if (!s->failed)
		s->emit(s->line, s->arg);
}

static void
scenario_state(struct scenario *s, const char *who)
{
	struct ratchet	*r = strcmp(who, "alice") == 0 ? s->alice : s->bob;
	uint8_t		 blob[SCENARIO_MAXSTATE];
	size_t		 bloblen;

	if (s->failed || scenario_save(s, r, blob, &bloblen) != 0)
		return;
	snprintf(s->line, sizeof(s->line), "state %s ", who);
	scenario_hex(s, blob, bloblen);
	if (!s->failed)
		s->emit(s->line, s->arg);
	sodium_memzero(blob, sizeof(blob));
}

#define SEND(s, who, lit) scenario_send(s, who, lit, sizeof(lit) - 1)

int
ratchet_scenario(void (*emit)(const char *, void *), void *arg)
{
	static struct scenario	s0;
	struct scenario		*s = &s0;
	uint8_t			 sk[32], bob_secret[32], bob_public[32];
	uint8_t			 alice_secret[32];
	char			 big[9 + 256];
	size_t			 i;
	int			 rc;

	memset(s, 0, sizeof(*s));
	s->emit = emit;
	s->arg = arg;
	s->alice_next = 0x81;
	s->bob_next = 0x41;
	scenario_key(sk, 0x00);
	scenario_key(bob_secret, 0x40);
	scenario_key(alice_secret, 0x80);
	if (crypto_scalarmult_base(bob_public, bob_secret) != 0 ||
	    ratchet_init_bob(&s->bob, sk, bob_secret) != 0 ||
	    ratchet_init_alice_with_keypair(&s->alice, sk, bob_public,
	    alice_secret) != 0) {
		scenario_error(s, "init failed");
		goto out;
	}

	memcpy(big, "alice 1: ", 9);
	for (i = 0; i < 256; i++)
		big[9 + i] = (char)i;

	SEND(s, "alice", "alice 0: hello bob");
	scenario_send(s, "alice", big, sizeof(big));
	scenario_send(s, "alice", "", 0);
	scenario_recv(s, "bob", 0);
	scenario_recv(s, "bob", 2);
	scenario_recv(s, "bob", 1);
	SEND(s, "bob", "bob 3: hello alice");
	SEND(s, "bob", "bob 4");
	SEND(s, "bob", "bob 5");
	scenario_recv(s, "alice", 5);
	scenario_recv(s, "alice", 3);
	SEND(s, "alice", "alice 6: a new chain");
	scenario_recv(s, "bob", 6);
	SEND(s, "bob", "bob 7");
	scenario_recv(s, "alice", 7);
	scenario_state(s, "alice");
	scenario_state(s, "bob");
 out:
	rc = s->failed ? -1 : 0;
	RATCHET_FREE(s->alice);
	RATCHET_FREE(s->bob);
	sodium_memzero(s, sizeof(*s));
	return rc;
}
