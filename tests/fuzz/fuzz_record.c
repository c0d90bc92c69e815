/*
 * Fuzz target: contact records and the introduction's messages.
 *
 * The first byte chooses; the rest is the input proper.
 *   0: a contact record's plaintext (intro_record_decode()); one that
 *	decodes must encode back to the same bytes, with a valid onion id
 *	and petname.
 *   1: an introduction between two real sides (intro.c) on one code, in
 *	which the inviter gets the input's bytes after the first one
 *	instead of the accepter's message number (byte 1 mod 3): PAKE,
 *	CONFIRM or RECORD. The accepter's earlier messages are its own.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "intro.h"
#include "petname.h"
#include "fuzz.h"

struct side {
	struct intro_record	rec;
	uint8_t			sign_sk[INTRO_SIGNBYTES];
	uint8_t			entropy[INTRO_ENTROPYBYTES];
};

static struct side	inviter, accepter;

static void
fuzz_decode(const uint8_t *in, size_t len)
{
	struct intro_record	 r;
	uint8_t			 out[INTRO_RECORD_MAX];
	char			 err[128];
	size_t			 n, namelen;

	if (intro_record_decode(&r, in, len) == -1)
		return;
	namelen = strnlen(r.name, sizeof(r.name));
	if (namelen == sizeof(r.name) || strlen(r.onion_id) !=
	    INTRO_ONION_ID_LEN || (namelen > 0 && petname_check(r.name,
	    namelen, err, sizeof(err)) == -1))
		fuzz_die("a decoded record holds a bad name or onion id");
	n = intro_record_encode(out, sizeof(out), &r);
	if (n != len || memcmp(out, in, len) != 0)
		fuzz_die("encode(decode(record)) != record");
}

/*
 * The inviter's messages are PAKE, CONFIRM, RECORD; so are the
 * accepter's, the accepter's CONFIRM after the inviter's PAKE and its
 * RECORD after the inviter's CONFIRM.
 */
static void
fuzz_exchange(const uint8_t *in, size_t len)
{
	struct intro		*a, *b;
	uint8_t			 ma[3][INTRO_MSG_MAX], mb[3][INTRO_MSG_MAX];
	uint8_t			 out[INTRO_MSG_MAX];
	size_t			 la[3], lb[3], lo;
	char			 err[256];
	enum intro_status	 st;
	int			 step, k;

	if (len < 1)
		return;
	step = in[0] % 3;
	in++;
	len--;
	if (intro_new(&a, INTRO_INVITER, FUZZ_INTRO_CODE, inviter.entropy, &inviter.rec,
	    inviter.sign_sk, ma[0], &la[0]) == -1 ||
	    intro_new(&b, INTRO_ACCEPTER, FUZZ_INTRO_CODE, accepter.entropy,
	    &accepter.rec, accepter.sign_sk, mb[0], &lb[0]) == -1)
		fuzz_die("intro_new");
	if (intro_receive(b, ma[0], la[0], mb[1], &lb[1], err, sizeof(err)) !=
	    INTRO_CONTINUE)
		fuzz_die("the honest exchange failed: %s", err);
	for (k = 0; k < 3; k++) {
		err[0] = '\0';
		if (k == step) {
			st = intro_receive(a, in, len, out, &lo, err,
			    sizeof(err));
			if (st == INTRO_FAILED && err[0] == '\0')
				fuzz_die("a failure without a reason");
			if (st == INTRO_DONE && (intro_peer(a) == NULL ||
			    strlen(intro_peer(a)->onion_id) !=
			    INTRO_ONION_ID_LEN))
				fuzz_die("done without a whole peer");
			if (st == INTRO_FAILED && intro_receive(a, mb[k],
			    lb[k], out, &lo, err, sizeof(err)) != INTRO_FAILED)
				fuzz_die("a failed introduction went on");
			break;
		}
		st = intro_receive(a, mb[k], lb[k], out, &lo, err, sizeof(err));
		if (st != (k == 2 ? INTRO_DONE : INTRO_CONTINUE))
			fuzz_die("the honest exchange failed: %s", err);
		if (k < 2) {
			memcpy(ma[k + 1], out, lo);
			la[k + 1] = lo;
		}
		if (k == 0 && intro_receive(b, ma[1], la[1], mb[2], &lb[2],
		    err, sizeof(err)) != INTRO_CONTINUE)
			fuzz_die("the honest exchange failed: %s", err);
	}
	intro_free(a);
	intro_free(b);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (sodium_init() < 0)
		fuzz_die("sodium_init");
	fuzz_intro_side(&inviter.rec, inviter.sign_sk, inviter.entropy, 0);
	fuzz_intro_side(&accepter.rec, accepter.sign_sk, accepter.entropy, 1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] == 0)
		fuzz_decode(data + 1, size - 1);
	else if (data[0] == 1)
		fuzz_exchange(data + 1, size - 1);
	return 0;
}
