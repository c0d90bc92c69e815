/*
 * tests/fs-check DB PETNAME ENVELOPE: try to open a captured envelope
 * with the session stored for PETNAME in a copy of an agent's database.
 * Prints "opened" (exit 0) or "rejected" (exit 1); 2 on other errors.
 * Used by the forward secrecy check of tests/net/messaging.sh.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "crypto/ratchet.h"
#include "envelope.h"
#include "store.h"

int
main(int argc, char **argv)
{
	struct store		*st;
	struct store_contact	 c;
	struct envelope_view	 v;
	struct envelope_msg	 m;
	struct ratchet		*r;
	enum envelope_open_status st_open;
	static uint8_t		 env[ENVELOPE_MAX_BYTES + 1];
	static uint8_t		 body[ENVELOPE_MAX_BODY + 1];
	char			 err[512];
	size_t			 len;
	FILE			*f;

	if (argc != 4 || sodium_init() < 0) {
		fprintf(stderr, "usage: fs-check db petname envelope\n");
		return 2;
	}
	if ((f = fopen(argv[3], "rb")) == NULL) {
		perror(argv[3]);
		return 2;
	}
	len = fread(env, 1, sizeof(env), f);
	fclose(f);
	if (store_open(&st, argv[1], err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (store_contact_find(st, argv[2], &c) == -1 ||
	    store_ratchet_load(st, c.id, &r) == -1 ||
	    envelope_peek(&v, env, len) == -1) {
		fprintf(stderr, "fs-check: no session or not an envelope\n");
		store_close(st);
		return 2;
	}
	st_open = envelope_open(&m, body, sizeof(body), r, &v);
	ratchet_free(r);
	store_close(st);
	if (st_open == ENVELOPE_OPENED) {
		printf("opened\n");
		return 0;
	}
	printf("rejected (%d)\n", (int)st_open);
	return 1;
}
