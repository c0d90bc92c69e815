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

#include <jansson.h>
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

/*
 * A pending introduction, as stored so that it survives a restart. It
 * holds secrets (the code, SPAKE2's entropy, the ratchet key): allocate
 * it with store_invitation_new() and free it with store_invitation_free().
 */
struct store_invitation {
	long		 id;
	long		 contact_id;
	int		 inviter;		/* 1: we invited; 0: we accepted */
	int		 direct;		/* a direct code (invitation onion) */
	char		 code[160];		/* canonical; "" until known */
	char		 service[STORE_ONION_ADDR_LEN + 1]; /* channel's onion */
	char		 nameplate[64];
	char		 token[72];		/* our side's channel token */
	char		 onion_key[STORE_ONION_KEY_MAX + 1]; /* direct inviter */
	uint8_t		 entropy[64];		/* SPAKE2 randomness */
	uint8_t		 ratchet_sk[32];	/* our first ratchet key */
	uint8_t		 my_token[32];		/* peers put it in envelopes */
	unsigned	 sent;			/* messages we sent */
	long long	 expires;
	long long	 created;
	char		 petname[65];
};

struct store_invitation *store_invitation_new(void);
void	store_invitation_free(struct store_invitation *);
/* Add a pending contact named PETNAME (NULL: a placeholder name) and the
 * invitation; sets ->id, ->contact_id and ->petname. -1 with ERR. */
int	store_invitation_create(struct store *, struct store_invitation *,
	    const char *petname, char *err, size_t errlen);
/* Save code, service, nameplate, token, onion key and sent. */
int	store_invitation_update(struct store *,
	    const struct store_invitation *);
/* Each stored invitation in turn; CB takes ownership. */
int	store_invitation_each(struct store *,
	    void (*cb)(struct store_invitation *, void *), void *arg);
/* Forget an invitation and its pending contact (a failure or expiry). */
int	store_invitation_burn(struct store *, long id);

/* What the peer told us, to turn the pending contact into a ready one. */
struct store_peer {
	const uint8_t	*identity_pk;		/* 32 bytes */
	const char	*onion_address;		/* "<56>.onion" */
	const uint8_t	*their_token;		/* 32 bytes */
	const char	*suggested_name;
	const char	*verification;
	const uint8_t	*ratchet;		/* saved ratchet state */
	size_t		 ratchetlen;
};
/* In one transaction: the contact becomes ready (renamed to the peer's
 * suggested name if it had a placeholder and that name is free) and the
 * invitation is deleted. Sets INV->petname to the final name. */
int	store_invitation_finish(struct store *, struct store_invitation *,
	    const struct store_peer *);

/* Contacts as JSON: [{id, petname, state, verification, address, ...}]. */
json_t	*store_contacts_json(struct store *);
json_t	*store_contact_json(struct store *, long id);
int	store_contact_rename(struct store *, const char *old,
	    const char *new_name, char *err, size_t errlen);
/* Remove a contact (its messages go with it). -1 with ERR. */
int	store_contact_remove(struct store *, const char *petname,
	    long *contact_id, char *err, size_t errlen);

/*
 * Messaging (store-messages.c).
 */
struct ratchet;

int	store_begin(struct store *);
int	store_commit(struct store *);		/* rolls back on failure */
void	store_rollback(struct store *);
/* Inside a transaction: a part that can be undone alone (SAVEPOINT). */
int	store_savepoint(struct store *);
int	store_release(struct store *);
void	store_rollback_to(struct store *);	/* and release it */

struct store_contact {
	long		 id;
	char		 petname[65];
	int		 ready;
	char		 onion[STORE_ONION_ADDR_LEN + 1];
	uint8_t		 their_token[32];	/* put in envelopes to them */
	long		 next_seq;
};
int	store_contact_find(struct store *, const char *petname,
	    struct store_contact *);
int	store_contact_get(struct store *, long id, struct store_contact *);
/* The ready contact whose envelopes carry TOKEN. */
int	store_contact_by_token(struct store *, const uint8_t token[32],
	    struct store_contact *);
/* The contact's session; free with ratchet_free(). */
int	store_ratchet_load(struct store *, long contact_id, struct ratchet **);
int	store_ratchet_save(struct store *, long contact_id,
	    const struct ratchet *);
/* Take the contact's next outgoing sequence number. */
int	store_contact_take_seq(struct store *, long contact_id, long *seq);

struct store_message {
	long		 id;
	long		 contact_id;
	int		 incoming;
	int		 kind;			/* 1 text, 2 session start */
	long		 seq;
	const void	*body;
	size_t		 bodylen;
	const void	*envelope;		/* outgoing, until delivered */
	size_t		 envelopelen;
	long long	 created;
	long long	 expires;		/* outgoing: when it fails */
};
int	store_message_insert(struct store *, const struct store_message *,
	    long *id);
/* Whether HEADER was seen from the contact (ADD 0), or record it (ADD 1). */
int	store_seen(struct store *, long contact_id, const uint8_t *header,
	    size_t len, int add);
/* Outgoing messages still to deliver, by seq: SEALED 1 every one with an
 * envelope when the contact's earliest try is due by NOW (so none is
 * overtaken), SEALED 0 those not yet sealed. CB returns non-zero to stop.
 * Returns how many were seen, or -1. */
typedef int store_outbox_cb(const struct store_message *, void *);
int	store_outbox_each(struct store *, long contact_id, int sealed,
	    long long now, int max, store_outbox_cb *, void *);
int	store_message_seal(struct store *, long id, const uint8_t *env,
	    size_t len);
/* New state ("queued" counts a try), error (may be NULL), next try. */
int	store_message_update(struct store *, long id, const char *state,
	    const char *error, long long next_try);
int	store_message_tries(struct store *, long id);
/* Mark failed every outgoing message whose expiry is due by NOW. */
int	store_outbox_expire(struct store *, long long now);
int	store_outbox_retry_now(struct store *, long contact_id);
/* Say why the contact's messages not yet sealed wait. */
int	store_outbox_unsealed_error(struct store *, long contact_id,
	    const char *error);
/* Every outgoing message of the contact waits until NEXT_TRY. */
int	store_outbox_defer(struct store *, long contact_id, long long next_try);
int	store_outbox_contacts(struct store *, long *ids, int max);
/* The earliest next try among the contact's sealed messages, or -1. */
long long store_outbox_next_try(struct store *, long contact_id);
json_t	*store_messages_json(struct store *, long contact_id);
/*
 * The same messages one at a time, without holding them all: CB gets each
 * row's object (freed when it returns). The count, or -1.
 */
typedef void store_message_row_cb(json_t *row, void *arg);
int	store_messages_each(struct store *, long contact_id,
	    store_message_row_cb *cb, void *arg);
json_t	*store_message_json(struct store *, long id);
/* Delete by id, contact or age (0: any); the plaintext leaves the files. */
int	store_messages_delete(struct store *, long id, long contact_id,
	    long long before);

/* The wall clock jumped BY seconds: move every waiting deadline too. */
int	store_shift_deadlines(struct store *, long long by);
/* The clock mark saved last (all zero if none), and saving one. */
struct clock_mark;
int	store_clock_load(struct store *, struct clock_mark *);
int	store_clock_save(struct store *, const struct clock_mark *);

/* Counts shown by `petmail status`; -1 on error. */
long	store_count_contacts(struct store *);
long	store_count_outbox(struct store *);

/* The last error, for logs. */
const char *store_errmsg(struct store *);

#endif
