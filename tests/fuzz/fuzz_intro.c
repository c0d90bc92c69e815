/*
 * The two sides of the introductions in fuzz_record.c, shared with
 * mkcorpus.c so that the seeds it writes are messages those sides read.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "intro.h"
#include "fuzz.h"

void
fuzz_intro_side(struct intro_record *rec, uint8_t *sign_sk, uint8_t *entropy,
    int accepter)
{
	uint8_t	seed[crypto_sign_SEEDBYTES];
	uint8_t	b = accepter ? 0x20 : 0x10;

	memset(rec, 0, sizeof(*rec));
	memset(seed, b, sizeof(seed));
	crypto_sign_seed_keypair(rec->identity_pk, sign_sk, seed);
	memset(rec->ratchet_pk, b ^ 1, sizeof(rec->ratchet_pk));
	memset(rec->token, b ^ 2, sizeof(rec->token));
	snprintf(rec->onion_id, sizeof(rec->onion_id), "%s", accepter ?
	    "bobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbo" :
	    "alicealicealicealicealicealicealicealicealicealicealicea");
	snprintf(rec->name, sizeof(rec->name), "%s", accepter ? "bob" :
	    "alice");
	memset(entropy, b ^ 3, INTRO_ENTROPYBYTES);
}
