/*
 * bench-fill: grows a stopped agent's petmail.db to the resource
 * benchmark's size: contacts up to CONTACTS in all (each a ready contact
 * with its own real ratchet session, tokens and a well-formed onion
 * address that nothing ever contacts), and MESSAGES delivered messages,
 * CONVERSATION of them with the first new contact, the rest spread over
 * the others, half in and half out, 40 to 200 bytes each. Nothing is
 * left in the outbox, so the agent sends nothing to these contacts. One
 * transaction, through the store's own open (schema and migrations).
 * Prints the petname of the big conversation. Not installed.
 *
 *	usage: bench-fill DB_PATH CONTACTS MESSAGES CONVERSATION
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#include "crypto/ratchet.h"
#include "log.h"
#include "store-int.h"
#include "store.h"

static void __attribute__((noreturn))
die(const char *what, struct store *st)
{
	fprintf(stderr, "bench-fill: %s%s%s\n", what, st ? ": " : "",
	    st ? sqlite3_errmsg(st->db) : "");
	exit(1);
}

static long
num(const char *s)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 10000000) {
		fprintf(stderr, "usage: bench-fill DB_PATH CONTACTS MESSAGES "
		    "CONVERSATION\n");
		exit(64);
	}
	return v;
}

static long
count(struct store *st, const char *sql)
{
	sqlite3_stmt	*stmt;
	long		 n = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		die("prepare", st);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

/* A v3-looking onion address: 56 base32 characters, ".onion". */
static void
onion_name(char out[63])
{
	static const char	b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	int			i;

	for (i = 0; i < 56; i++)
		out[i] = b32[randombytes_uniform(32)];
	memcpy(out + 56, ".onion", 7);
}

/* A session as an introduction leaves it, saved. */
static uint8_t *
session(size_t *len)
{
	struct ratchet	*r;
	uint8_t		 sk[RATCHET_SHAREDKEYBYTES];
	uint8_t		 bsk[RATCHET_SECRETKEYBYTES];
	uint8_t		 bpk[RATCHET_PUBLICKEYBYTES], *blob;

	randombytes_buf(sk, sizeof(sk));
	randombytes_buf(bsk, sizeof(bsk));
	crypto_scalarmult_base(bpk, bsk);
	if (ratchet_init_alice(&r, sk, bpk) != 0)
		die("ratchet_init_alice", NULL);
	*len = ratchet_save_size(r);
	if ((blob = malloc(*len)) == NULL || ratchet_save(blob, *len, r) != 0)
		die("ratchet_save", NULL);
	RATCHET_FREE(r);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(bsk, sizeof(bsk));
	return blob;
}

int
main(int argc, char **argv)
{
	static const char	 words[] = "the quick brown fox jumps over the "
	    "lazy dog while we meet at eight near the old station and bring "
	    "the tickets, the map and something warm to drink for later on ";
	struct store		*st;
	sqlite3_stmt		*cst, *mst;
	uint8_t			 pk[32], tok[32], mytok[32], *blob;
	char			 err[512], name[65], onion[63], first[65];
	long			 want_contacts, nmsg, conv, have, i, m, cid;
	long			*ids, nids = 0, seq;
	long long		 now = (long long)time(NULL), t;
	size_t			 bloblen, len, off;

	if (argc != 5)
		num("");
	want_contacts = num(argv[2]);
	nmsg = num(argv[3]);
	conv = num(argv[4]);
	if (sodium_init() < 0)
		die("sodium_init", NULL);
	log_init("bench-fill", LOG_LEVEL_WARN);
	if (store_open(&st, argv[1], err, sizeof(err)) == -1) {
		fprintf(stderr, "bench-fill: %s\n", err);
		return 1;
	}
	have = count(st, "SELECT count(*) FROM contacts");
	if (have >= want_contacts || conv > nmsg) {
		fprintf(stderr, "bench-fill: nothing to do (%ld contacts)\n",
		    have);
		return 1;
	}
	if (store_begin(st) == -1)
		die("begin", st);
	if (sqlite3_prepare_v2(st->db, "INSERT INTO contacts (petname, state, "
	    "identity_pk, onion_address, their_token, my_token, ratchet, "
	    "verification, suggested_name, next_seq, created) VALUES (?, "
	    "'ready', ?, ?, ?, ?, ?, 'bench bench bench bench', ?, ?, ?)", -1,
	    &cst, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO messages (contact_id, "
	    "direction, state, kind, seq, body, envelope, created, delivered) "
	    "VALUES (?, ?, 'delivered', 1, ?, ?, NULL, ?, ?)", -1, &mst,
	    NULL) != SQLITE_OK)
		die("prepare", st);

	ids = calloc((size_t)(want_contacts - have), sizeof(*ids));
	if (ids == NULL)
		die("out of memory", NULL);
	for (i = 0; i < want_contacts - have; i++) {
		snprintf(name, sizeof(name), "bench-%04ld", i + 1);
		if (i == 0)
			memcpy(first, name, sizeof(first));
		randombytes_buf(pk, sizeof(pk));
		randombytes_buf(tok, sizeof(tok));
		randombytes_buf(mytok, sizeof(mytok));
		onion_name(onion);
		blob = session(&bloblen);
		sqlite3_reset(cst);
		sqlite3_bind_text(cst, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(cst, 2, pk, 32, SQLITE_TRANSIENT);
		sqlite3_bind_text(cst, 3, onion, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(cst, 4, tok, 32, SQLITE_TRANSIENT);
		sqlite3_bind_blob(cst, 5, mytok, 32, SQLITE_TRANSIENT);
		sqlite3_bind_blob(cst, 6, blob, (int)bloblen, SQLITE_TRANSIENT);
		sqlite3_bind_text(cst, 7, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(cst, 8, 1);
		sqlite3_bind_int64(cst, 9, now - 86400 * 30);
		sodium_memzero(blob, bloblen);
		free(blob);
		if (sqlite3_step(cst) != SQLITE_DONE)
			die("insert a contact", st);
		ids[nids++] = (long)sqlite3_last_insert_rowid(st->db);
	}

	/* CONVERSATION with the first, the rest round-robin. */
	for (m = 0; m < nmsg; m++) {
		if (m < conv || nids == 1) {
			cid = ids[0];
			seq = m;
		} else {
			cid = ids[1 + (m - conv) % (nids - 1)];
			seq = (m - conv) / (nids - 1);
		}
		len = 40 + randombytes_uniform(161);
		off = randombytes_uniform(sizeof(words) - 1);
		snprintf(err, sizeof(err), "%s%s%s", words + off, words, words);
		t = now - (nmsg - m) * 30;
		sqlite3_reset(mst);
		sqlite3_bind_int64(mst, 1, cid);
		sqlite3_bind_text(mst, 2, seq % 2 ? "in" : "out", -1,
		    SQLITE_STATIC);
		/* Each direction numbers its own messages from 1. */
		sqlite3_bind_int64(mst, 3, seq / 2 + 1);
		sqlite3_bind_blob(mst, 4, err, (int)len, SQLITE_TRANSIENT);
		sqlite3_bind_int64(mst, 5, t);
		sqlite3_bind_int64(mst, 6, t + 2);
		if (sqlite3_step(mst) != SQLITE_DONE)
			die("insert a message", st);
	}
	/* The contacts' next numbers follow what they hold. */
	if (store_exec(st, "UPDATE contacts SET next_seq = 1 + coalesce((SELECT "
	    "max(seq) FROM messages WHERE contact_id = contacts.id AND "
	    "direction = 'out'), 0) WHERE petname LIKE 'bench-%'") == -1)
		die("update next_seq", st);
	sqlite3_finalize(cst);
	sqlite3_finalize(mst);
	if (store_commit(st) == -1)
		die("commit", st);
	printf("%s\n", first);
	fprintf(stderr, "bench-fill: %ld contacts, %ld messages in all\n",
	    count(st, "SELECT count(*) FROM contacts"),
	    count(st, "SELECT count(*) FROM messages"));
	free(ids);
	store_close(st);
	return 0;
}
