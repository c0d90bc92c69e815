/*
 * The agent's durable state: one sqlite file (petmail.db, mode 0600) in
 * WAL mode with secure_delete on, foreign keys on and synchronous=FULL,
 * since a delivery ack promises the message is on disk. The schema has a
 * version (PRAGMA user_version); migrations run at open, in order, each
 * in its own transaction.
 */
#ifndef PETMAIL_STORE_H
#define PETMAIL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

struct store;

#define STORE_SIGN_PKBYTES	crypto_sign_ed25519_PUBLICKEYBYTES
#define STORE_SIGN_SKBYTES	crypto_sign_ed25519_SECRETKEYBYTES
#define STORE_ONION_KEY_MAX	128	/* "ED25519-V3:" + base64 of 64 bytes */
#define STORE_ONION_ADDR_LEN	62	/* 56 base32 chars + ".onion" */

/* The agent's long-term identity, in sodium_malloc memory. */
struct identity {
	uint8_t	 sign_pk[STORE_SIGN_PKBYTES];
	uint8_t	 sign_sk[STORE_SIGN_SKBYTES];
	char	 onion_key[STORE_ONION_KEY_MAX + 1];	/* "" until tor made one */
	char	 onion_address[STORE_ONION_ADDR_LEN + 1];	/* "" until known */
};

/*
 * Open (creating if needed) the database at PATH, check its integrity,
 * and bring its schema up to date. -1 with a sentence in ERR: a damaged
 * file is reported, never repaired or replaced.
 */
int	store_open(struct store **, const char *path, char *err,
	    size_t errlen);
void	store_close(struct store *);
int	store_schema_version(struct store *);

/*
 * Load the identity into *ID (allocated with sodium_malloc, free with
 * store_identity_free), creating the signing key on first use.
 */
int	store_identity_load(struct store *, struct identity **);
void	store_identity_free(struct identity *);
/* Record the onion key and address tor made for us (first start only). */
int	store_identity_set_onion(struct store *, const char *key,
	    const char *address);

/* Counts shown by `petmail status`; -1 on error. */
long	store_count_contacts(struct store *);
long	store_count_outbox(struct store *);

/* The last error, for logs. */
const char *store_errmsg(struct store *);

#endif
