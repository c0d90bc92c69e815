/*
 * The store's side of messaging: contacts' sessions (ratchet states),
 * messages in and out, the outbox, and the headers already seen.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "clock.h"
#include "crypto/ratchet.h"
#include "log.h"
#include "store-int.h"
#include "store.h"

int
store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *st)
{
	if (store_exec(st, "COMMIT") == -1) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		store_exec(st, "ROLLBACK");
}

int
store_savepoint(struct store *st)
{
	return store_exec(st, "SAVEPOINT one");
}

int
store_release(struct store *st)
{
	return store_exec(st, "RELEASE one");
}

void
store_rollback_to(struct store *st)
{
	if (store_exec(st, "ROLLBACK TO one") == 0)
		store_exec(st, "RELEASE one");
}

static int
store_contact_row_to(struct store_contact *c, sqlite3_stmt *stmt)
{
	memset(c, 0, sizeof(*c));
	c->id = (long)sqlite3_column_int64(stmt, 0);
	store_copy_text(c->petname, sizeof(c->petname), stmt, 1);
	c->ready = strcmp((const char *)sqlite3_column_text(stmt, 2),
	    "ready") == 0;
	store_copy_text(c->onion, sizeof(c->onion), stmt, 3);
	if (sqlite3_column_bytes(stmt, 4) == 32)
		memcpy(c->their_token, sqlite3_column_blob(stmt, 4), 32);
	else if (c->ready)
		return -1;
	c->next_seq = (long)sqlite3_column_int64(stmt, 5);
	return 0;
}

static int
store_contact_where(struct store *st, struct store_contact *c,
    const char *where, int kind, const void *key, size_t keylen)
{
	sqlite3_stmt	*stmt;
	char		 sql[256];
	int		 rc;

	snprintf(sql, sizeof(sql), "SELECT id, petname, state, onion_address, "
	    "their_token, next_seq FROM contacts WHERE %s", where);
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	if (kind == 0)
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	else if (kind == 1)
		sqlite3_bind_int64(stmt, 1, *(const long *)key);
	else
		sqlite3_bind_blob(stmt, 1, key, (int)keylen, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		rc = store_contact_row_to(c, stmt) == 0 ? 0 : -1;
	else
		rc = -1;
	sqlite3_finalize(stmt);
	return rc;
}

int
store_contact_find(struct store *st, const char *petname,
    struct store_contact *c)
{
	return store_contact_where(st, c, "petname = ?", 0, petname, 0);
}

int
store_contact_get(struct store *st, long id, struct store_contact *c)
{
	return store_contact_where(st, c, "id = ?", 1, &id, 0);
}

int
store_contact_by_token(struct store *st, const uint8_t token[32],
    struct store_contact *c)
{
	return store_contact_where(st, c, "my_token = ? AND state = 'ready'",
	    2, token, 32);
}

int
store_ratchet_load(struct store *st, long contact_id, struct ratchet **r)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT ratchet FROM contacts WHERE "
	    "id = ?", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, contact_id);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_bytes(stmt, 0) > 0)
		rc = ratchet_load(r, sqlite3_column_blob(stmt, 0),
		    (size_t)sqlite3_column_bytes(stmt, 0));
	sqlite3_finalize(stmt);
	if (rc == -1)
		log_warnx("database: contact %ld has no usable session",
		    contact_id);
	return rc;
}

int
store_ratchet_save(struct store *st, long contact_id, const struct ratchet *r)
{
	sqlite3_stmt	*stmt;
	uint8_t		*blob;
	size_t		 len = ratchet_save_size(r);
	int		 rc;

	if ((blob = sodium_malloc(len)) == NULL)
		fatal("sodium_malloc");
	if (ratchet_save(blob, len, r) == -1) {
		sodium_free(blob);
		return -1;
	}
	rc = sqlite3_prepare_v2(st->db, "UPDATE contacts SET ratchet = ? "
	    "WHERE id = ?", -1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_blob(stmt, 1, blob, (int)len, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, contact_id);
		rc = sqlite3_step(stmt);
		sqlite3_finalize(stmt);
	}
	sodium_free(blob);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_contact_take_seq(struct store *st, long contact_id, long *seq)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "UPDATE contacts SET next_seq = "
	    "next_seq + 1 WHERE id = ? RETURNING next_seq - 1", -1, &stmt,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, contact_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*seq = (long)sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
store_message_insert(struct store *st, const struct store_message *m,
    long *id)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO messages (contact_id, "
	    "direction, state, kind, seq, body, envelope, created, delivered, "
	    "expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &stmt,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, m->contact_id);
	sqlite3_bind_text(stmt, 2, m->incoming ? "in" : "out", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, m->incoming ? "delivered" : "queued", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, m->kind);
	sqlite3_bind_int64(stmt, 5, m->seq);
	sqlite3_bind_blob(stmt, 6, m->body != NULL ? (const void *)m->body :
	    "", (int)m->bodylen, SQLITE_STATIC);
	if (m->envelope != NULL)
		sqlite3_bind_blob(stmt, 7, m->envelope, (int)m->envelopelen,
		    SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 8, m->created);
	if (m->incoming)
		sqlite3_bind_int64(stmt, 9, (sqlite3_int64)time(NULL));
	else
		sqlite3_bind_int64(stmt, 10, m->expires);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return -1;
	*id = (long)sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_seen(struct store *st, long contact_id, const uint8_t *header,
    size_t len, int add)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, add ? "INSERT INTO seen (contact_id, "
	    "header) VALUES (?, ?)" : "SELECT 1 FROM seen WHERE contact_id = ? "
	    "AND header = ?", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, contact_id);
	sqlite3_bind_blob(stmt, 2, header, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (add)
		return rc == SQLITE_DONE ? 0 : -1;
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * A contact's outbox is read through the partial index of the messages
 * waiting to go: without statistics, sqlite prefers the unique index on
 * (contact_id, direction, seq), which walks the contact's whole history
 * on every delivery (10,000 rows for a conversation of 20,000 messages).
 */
#define STORE_OUTBOX	"INDEXED BY messages_outbox "

int
store_outbox_each(struct store *st, long contact_id, int sealed,
    long long now, int max, store_outbox_cb *cb, void *arg)
{
	sqlite3_stmt	*stmt;
	struct store_message m;
	int		 n = 0;

	if (sqlite3_prepare_v2(st->db, sealed ?
	    /*
	     * The contact is due when its earliest try is: then everything
	     * sealed goes, in seq order, so that a message waiting on its
	     * backoff is never overtaken by a newer one.
	     */
	    "SELECT id, seq, kind, body, envelope, created FROM messages "
	    STORE_OUTBOX "WHERE contact_id = ?1 AND direction = 'out' AND "
	    "state IN ('queued', 'sent') AND envelope IS NOT NULL AND ?2 >= "
	    "(SELECT min(next_try) FROM messages " STORE_OUTBOX "WHERE "
	    "contact_id = ?1 AND direction = 'out' AND state IN ('queued', "
	    "'sent') AND envelope IS NOT NULL) ORDER BY seq LIMIT ?3" :
	    "SELECT id, seq, kind, body, envelope, created FROM messages "
	    STORE_OUTBOX "WHERE contact_id = ? AND direction = 'out' AND "
	    "state IN ('queued', 'sent') AND envelope IS NULL AND ? >= 0 "
	    "ORDER BY seq LIMIT ?",
	    -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, contact_id);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite3_bind_int(stmt, 3, max);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		memset(&m, 0, sizeof(m));
		m.id = (long)sqlite3_column_int64(stmt, 0);
		m.contact_id = contact_id;
		m.seq = (long)sqlite3_column_int64(stmt, 1);
		m.kind = sqlite3_column_int(stmt, 2);
		m.body = sqlite3_column_blob(stmt, 3);
		m.bodylen = (size_t)sqlite3_column_bytes(stmt, 3);
		m.envelope = sqlite3_column_blob(stmt, 4);
		m.envelopelen = (size_t)sqlite3_column_bytes(stmt, 4);
		m.created = sqlite3_column_int64(stmt, 5);
		n++;
		if (cb(&m, arg) != 0)
			break;
	}
	sqlite3_finalize(stmt);
	return n;
}

int
store_message_seal(struct store *st, long id, const uint8_t *env, size_t len)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "UPDATE messages SET envelope = ?, "
	    "error = NULL WHERE id = ?", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_blob(stmt, 1, env, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, id);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_message_update(struct store *st, long id, const char *state,
    const char *error, long long next_try)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	/* Delivered: the envelope is no longer needed; keep no copy. */
	if (sqlite3_prepare_v2(st->db, "UPDATE messages SET state = ?1, "
	    "error = ?2, next_try = ?3, "
	    "tries = tries + (?1 = 'queued'), "
	    "delivered = CASE WHEN ?1 = 'delivered' THEN ?4 ELSE delivered END, "
	    "envelope = CASE WHEN ?1 IN ('delivered', 'failed') THEN NULL "
	    "ELSE envelope END WHERE id = ?5", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(stmt, 1, state, -1, SQLITE_STATIC);
	if (error != NULL)
		sqlite3_bind_text(stmt, 2, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, next_try);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(stmt, 5, id);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_message_tries(struct store *st, long id)
{
	sqlite3_stmt	*stmt;
	int		 n = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT tries FROM messages WHERE "
	    "id = ?", -1, &stmt, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

int
store_outbox_expire(struct store *st, long long now)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "UPDATE messages SET state = 'failed', "
	    "error = 'expired: not delivered in time', envelope = NULL "
	    "WHERE direction = 'out' AND state IN ('queued', 'sent') AND "
	    "expires <= ?", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, now);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? sqlite3_changes(st->db) : -1;
}

int
store_outbox_defer(struct store *st, long contact_id, long long next_try)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "UPDATE messages " STORE_OUTBOX
	    "SET next_try = ?2 WHERE direction = 'out' AND state IN "
	    "('queued', 'sent') AND contact_id = ?1", -1, &stmt, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, contact_id);
	sqlite3_bind_int64(stmt, 2, next_try);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_outbox_unsealed_error(struct store *st, long contact_id,
    const char *error)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "UPDATE messages SET error = ?2 "
	    "WHERE direction = 'out' AND state IN ('queued', 'sent') AND "
	    "envelope IS NULL AND contact_id = ?1", -1, &stmt, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, contact_id);
	sqlite3_bind_text(stmt, 2, error, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_outbox_retry_now(struct store *st, long contact_id)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "UPDATE messages SET next_try = 0 "
	    "WHERE direction = 'out' AND state IN ('queued', 'sent') AND "
	    "(?1 = 0 OR contact_id = ?1)", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, contact_id);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? sqlite3_changes(st->db) : -1;
}

int
store_outbox_contacts(struct store *st, long *ids, int max)
{
	sqlite3_stmt	*stmt;
	int		 n = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT DISTINCT contact_id FROM "
	    "messages WHERE direction = 'out' AND state IN ('queued', 'sent') "
	    "LIMIT ?", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(stmt, 1, max);
	while (n < max && sqlite3_step(stmt) == SQLITE_ROW)
		ids[n++] = (long)sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

long long
store_outbox_next_try(struct store *st, long contact_id)
{
	sqlite3_stmt	*stmt;
	long long	 t = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT min(next_try) FROM messages "
	    STORE_OUTBOX "WHERE contact_id = ? AND direction = 'out' AND "
	    "state IN ('queued', 'sent') AND envelope IS NOT NULL", -1, &stmt,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, contact_id);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		t = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return t;
}

static json_t *
store_message_row(sqlite3_stmt *stmt)
{
	json_t	*j;

	j = json_pack("{s:I, s:s, s:s, s:s%, s:s, s:I, s:I}",
	    "id", (json_int_t)sqlite3_column_int64(stmt, 0),
	    "contact", (const char *)sqlite3_column_text(stmt, 1),
	    "direction", (const char *)sqlite3_column_text(stmt, 2),
	    "body", (const char *)sqlite3_column_blob(stmt, 3),
	    (size_t)sqlite3_column_bytes(stmt, 3),
	    "state", (const char *)sqlite3_column_text(stmt, 4),
	    "created", (json_int_t)sqlite3_column_int64(stmt, 5),
	    "seq", (json_int_t)sqlite3_column_int64(stmt, 8));
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "delivered",
	    sqlite3_column_type(stmt, 6) == SQLITE_NULL ? json_null() :
	    json_integer(sqlite3_column_int64(stmt, 6)));
	json_object_set_new(j, "error",
	    sqlite3_column_type(stmt, 7) == SQLITE_NULL ? json_null() :
	    json_string((const char *)sqlite3_column_text(stmt, 7)));
	return j;
}

#define STORE_MESSAGE_SELECT "SELECT m.id, c.petname, m.direction, m.body, " \
	"m.state, m.created, m.delivered, m.error, m.seq FROM messages m " \
	"JOIN contacts c ON c.id = m.contact_id WHERE m.kind = 1 "

int
store_messages_each(struct store *st, long contact_id,
    store_message_row_cb *cb, void *arg)
{
	sqlite3_stmt	*stmt;
	json_t		*j;
	int		 n = 0;

	/*
	 * In the order this agent queued or stored them: a contact's
	 * messages arrive in its own order (by seq), so they stay in it.
	 */
	if (sqlite3_prepare_v2(st->db, STORE_MESSAGE_SELECT "AND (?1 = 0 OR "
	    "m.contact_id = ?1) ORDER BY m.id",
	    -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, contact_id);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		if ((j = store_message_row(stmt)) != NULL) {
			cb(j, arg);
			json_decref(j);
			n++;
		}
	sqlite3_finalize(stmt);
	return n;
}

static void
store_messages_append(json_t *row, void *arg)
{
	json_array_append(arg, row);
}

json_t *
store_messages_json(struct store *st, long contact_id)
{
	json_t	*arr = json_array();

	store_messages_each(st, contact_id, store_messages_append, arr);
	return arr;
}

json_t *
store_message_json(struct store *st, long id)
{
	sqlite3_stmt	*stmt;
	json_t		*j = NULL;

	if (sqlite3_prepare_v2(st->db, STORE_MESSAGE_SELECT "AND m.id = ?",
	    -1, &stmt, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		j = store_message_row(stmt);
	sqlite3_finalize(stmt);
	return j;
}

int
store_messages_delete(struct store *st, long id, long contact_id,
    long long before)
{
	sqlite3_stmt	*stmt;
	int		 rc, n;

	if (sqlite3_prepare_v2(st->db, "DELETE FROM messages WHERE kind = 1 "
	    "AND (?1 = 0 OR id = ?1) AND (?2 = 0 OR contact_id = ?2) AND "
	    "(?3 = 0 OR created < ?3)", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, contact_id);
	sqlite3_bind_int64(stmt, 3, before);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return -1;
	n = sqlite3_changes(st->db);
	/*
	 * secure_delete has zeroed the rows in the database file's pages;
	 * fold the WAL back and truncate it so no copy stays there either.
	 */
	if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL) != SQLITE_OK)
		log_warnx("database: cannot checkpoint after a deletion: %s",
		    sqlite3_errmsg(st->db));
	return n;
}

int
store_shift_deadlines(struct store *st, long long by)
{
	sqlite3_stmt	*stmt;
	int		 rc, i;
	static const char *const sql[] = {
		"UPDATE messages SET next_try = next_try + ?1 WHERE direction "
		"= 'out' AND state IN ('queued', 'sent') AND next_try > 0",
		"UPDATE messages SET expires = expires + ?1 WHERE direction "
		"= 'out' AND state IN ('queued', 'sent')",
		"UPDATE invitations SET expires = expires + ?1",
	};

	if (store_begin(st) == -1)
		return -1;
	for (i = 0; i < (int)(sizeof(sql) / sizeof(sql[0])); i++) {
		if (sqlite3_prepare_v2(st->db, sql[i], -1, &stmt, NULL) !=
		    SQLITE_OK)
			goto fail;
		sqlite3_bind_int64(stmt, 1, by);
		rc = sqlite3_step(stmt);
		sqlite3_finalize(stmt);
		if (rc != SQLITE_DONE)
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

int
store_clock_load(struct store *st, struct clock_mark *m)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	memset(m, 0, sizeof(*m));
	if (sqlite3_prepare_v2(st->db, "SELECT wall, boot, boot_id FROM clock "
	    "WHERE id = 1", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		m->wall = sqlite3_column_int64(stmt, 0);
		m->boot = sqlite3_column_int64(stmt, 1);
		store_copy_text(m->boot_id, sizeof(m->boot_id), stmt, 2);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_clock_save(struct store *st, const struct clock_mark *m)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO clock (id, "
	    "wall, boot, boot_id) VALUES (1, ?, ?, ?)", -1, &stmt, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, m->wall);
	sqlite3_bind_int64(stmt, 2, m->boot);
	sqlite3_bind_text(stmt, 3, m->boot_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}
