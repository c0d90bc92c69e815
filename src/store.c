#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "log.h"
#include "store-int.h"
#include "store.h"
#include "xmalloc.h"

/*
 * Schema migrations. Entry i brings the schema from version i to i + 1.
 * Never edit an entry that has been released: append a new one.
 */
static const char *const store_migrations[] = {
	/* 0 -> 1: identity, contacts and messages. */
	"CREATE TABLE identity ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  sign_pk BLOB NOT NULL,"
	"  sign_sk BLOB NOT NULL,"
	"  onion_key TEXT,"
	"  onion_address TEXT,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE contacts ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  petname TEXT NOT NULL UNIQUE,"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'ready')),"
	"  identity_pk BLOB,"
	"  onion_address TEXT,"
	"  their_token BLOB,"
	"  my_token BLOB UNIQUE,"
	"  ratchet BLOB,"
	"  verification TEXT,"
	"  suggested_name TEXT,"
	"  next_seq INTEGER NOT NULL DEFAULT 1,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE invitations ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
	"  role TEXT NOT NULL CHECK (role IN ('inviter', 'accepter')),"
	"  direct INTEGER NOT NULL,"
	"  code TEXT,"
	"  service TEXT,"
	"  nameplate TEXT,"
	"  token TEXT,"
	"  onion_key TEXT,"
	"  entropy BLOB NOT NULL,"
	"  ratchet_sk BLOB NOT NULL,"
	"  my_token BLOB NOT NULL,"
	"  sent INTEGER NOT NULL DEFAULT 0,"
	"  expires INTEGER NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
	"  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),"
	"  state TEXT NOT NULL CHECK (state IN"
	"    ('queued', 'sent', 'delivered', 'failed')),"
	"  kind INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  body BLOB NOT NULL,"
	"  envelope BLOB,"
	"  created INTEGER NOT NULL,"
	"  delivered INTEGER,"
	"  tries INTEGER NOT NULL DEFAULT 0,"
	"  next_try INTEGER NOT NULL DEFAULT 0,"
	"  error TEXT,"
	"  UNIQUE (contact_id, direction, seq));"
	"CREATE INDEX messages_outbox ON messages (contact_id, seq)"
	"  WHERE state IN ('queued', 'sent');"
	"CREATE TABLE seen ("
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
	"  header BLOB NOT NULL,"
	"  PRIMARY KEY (contact_id, header));",
	/*
	 * 1 -> 2: an outgoing message's expiry is its own deadline, which
	 * the agent moves with the wall clock when it jumps (clock.h);
	 * the clock mark it compares with survives restarts.
	 */
	"ALTER TABLE messages ADD COLUMN expires INTEGER;"
	"UPDATE messages SET expires = created + 604800 WHERE"
	"  direction = 'out' AND state IN ('queued', 'sent');"
	"CREATE TABLE clock ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  wall INTEGER NOT NULL,"
	"  boot INTEGER NOT NULL,"
	"  boot_id TEXT NOT NULL);",
};
#define STORE_VERSION \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

const char *
store_errmsg(struct store *st)
{
	return sqlite3_errmsg(st->db);
}

int
store_exec(struct store *st, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warnx("database: %s", msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Run SQL that returns one integer. */
static int
store_int(struct store *st, const char *sql, long *out)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*out = (long)sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
store_migrate(struct store *st, char *err, size_t errlen)
{
	long	version;
	char	sql[64];
	int	v;

	if (store_int(st, "PRAGMA user_version", &version) == -1) {
		snprintf(err, errlen, "cannot read the schema version: %s",
		    sqlite3_errmsg(st->db));
		return -1;
	}
	if (version > STORE_VERSION) {
		snprintf(err, errlen, "the database has schema version %ld, "
		    "newer than this petmail knows (%d): upgrade petmail",
		    version, STORE_VERSION);
		return -1;
	}
	for (v = (int)version; v < STORE_VERSION; v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (store_exec(st, "BEGIN IMMEDIATE") == -1)
			goto fail;
		if (store_exec(st, store_migrations[v]) == -1 ||
		    store_exec(st, sql) == -1 ||
		    store_exec(st, "COMMIT") == -1) {
			store_exec(st, "ROLLBACK");
			goto fail;
		}
		log_info("database schema upgraded to version %d", v + 1);
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot upgrade the database schema to version "
	    "%d: %s", v + 1, sqlite3_errmsg(st->db));
	return -1;
}

static int
store_check(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt	*stmt;
	const char	*res;
	int		 rc;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		goto damaged;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		goto damaged;
	}
	res = (const char *)sqlite3_column_text(stmt, 0);
	if (res == NULL || strcmp(res, "ok") != 0) {
		snprintf(err, errlen, "the database is damaged (%s): the "
		    "agent will not touch it; restore petmail.db from a "
		    "backup or move it away", res ? res : "no answer");
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	return 0;
damaged:
	snprintf(err, errlen, "the database is damaged or is not a petmail "
	    "database (%s): the agent will not touch it; restore petmail.db "
	    "from a backup or move it away", sqlite3_errmsg(st->db));
	return -1;
}

int
store_open(struct store **out, const char *path, char *err, size_t errlen)
{
	struct store	*st;
	struct stat	 sb;
	int		 fd;

	/* Create the file ourselves so that it is 0600 from the start. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		if (errno == EROFS || errno == EACCES || errno == EPERM)
			snprintf(err, errlen, "the database %s cannot be "
			    "written (%s): petmail needs it writable; nothing "
			    "was changed", path, strerror(errno));
		else
			snprintf(err, errlen, "cannot open %s: %s", path,
			    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || (sb.st_mode & 077) != 0) {
		if (fchmod(fd, 0600) == -1) {
			snprintf(err, errlen, "cannot make %s private: %s",
			    path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	close(fd);

	st = xcalloc(1, sizeof(*st));
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(st);
		return -1;
	}
	sqlite3_busy_timeout(st->db, 5000);
	sqlite3_extended_result_codes(st->db, 1);

	if (store_check(st, err, errlen) == -1)
		goto fail;
	if (store_exec(st, "PRAGMA journal_mode = WAL") == -1 ||
	    store_exec(st, "PRAGMA synchronous = FULL") == -1 ||
	    store_exec(st, "PRAGMA secure_delete = ON") == -1 ||
	    store_exec(st, "PRAGMA foreign_keys = ON") == -1) {
		snprintf(err, errlen, "cannot set up %s: %s", path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	if (store_migrate(st, err, errlen) == -1)
		goto fail;
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	/* Fold the WAL back so deleted data leaves the -wal file too. */
	if (st->db != NULL) {
		sqlite3_wal_checkpoint_v2(st->db, NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		sqlite3_close(st->db);
	}
	free(st);
}

int
store_schema_version(struct store *st)
{
	long	v;

	return store_int(st, "PRAGMA user_version", &v) == -1 ? -1 : (int)v;
}

void
store_identity_free(struct identity *id)
{
	if (id != NULL)
		sodium_free(id);
}

static int
store_identity_create(struct store *st)
{
	sqlite3_stmt	*stmt;
	uint8_t		*sk;
	uint8_t		 pk[STORE_SIGN_PKBYTES];
	int		 rc;

	if ((sk = sodium_malloc(STORE_SIGN_SKBYTES)) == NULL)
		fatal("sodium_malloc");
	crypto_sign_ed25519_keypair(pk, sk);
	rc = sqlite3_prepare_v2(st->db, "INSERT INTO identity (id, sign_pk, "
	    "sign_sk, created) VALUES (1, ?, ?, ?)", -1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_blob(stmt, 1, pk, sizeof(pk), SQLITE_STATIC);
		sqlite3_bind_blob(stmt, 2, sk, STORE_SIGN_SKBYTES,
		    SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 3, (sqlite3_int64)time(NULL));
		rc = sqlite3_step(stmt);
		sqlite3_finalize(stmt);
	}
	sodium_free(sk);
	if (rc != SQLITE_DONE) {
		log_warnx("database: cannot store a new identity: %s",
		    sqlite3_errmsg(st->db));
		return -1;
	}
	log_info("created a new identity");
	return 0;
}

void
store_copy_text(char *dst, size_t dstlen, sqlite3_stmt *stmt, int col)
{
	const char	*s = (const char *)sqlite3_column_text(stmt, col);

	dst[0] = '\0';
	if (s != NULL && strlen(s) < dstlen)
		memcpy(dst, s, strlen(s) + 1);
}

int
store_identity_load(struct store *st, struct identity **out)
{
	sqlite3_stmt	*stmt;
	struct identity	*id;
	int		 rc, tries;

	for (tries = 0; tries < 2; tries++) {
		if (sqlite3_prepare_v2(st->db, "SELECT sign_pk, sign_sk, "
		    "onion_key, onion_address FROM identity WHERE id = 1",
		    -1, &stmt, NULL) != SQLITE_OK)
			return -1;
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_DONE) {
			sqlite3_finalize(stmt);
			if (store_identity_create(st) == -1)
				return -1;
			continue;
		}
		if (rc != SQLITE_ROW ||
		    sqlite3_column_bytes(stmt, 0) != STORE_SIGN_PKBYTES ||
		    sqlite3_column_bytes(stmt, 1) != STORE_SIGN_SKBYTES) {
			log_warnx("database: the identity row is damaged");
			sqlite3_finalize(stmt);
			return -1;
		}
		if ((id = sodium_malloc(sizeof(*id))) == NULL)
			fatal("sodium_malloc");
		memcpy(id->sign_pk, sqlite3_column_blob(stmt, 0),
		    STORE_SIGN_PKBYTES);
		memcpy(id->sign_sk, sqlite3_column_blob(stmt, 1),
		    STORE_SIGN_SKBYTES);
		store_copy_text(id->onion_key, sizeof(id->onion_key), stmt, 2);
		store_copy_text(id->onion_address, sizeof(id->onion_address),
		    stmt, 3);
		sqlite3_finalize(stmt);
		*out = id;
		return 0;
	}
	return -1;
}

int
store_identity_set_onion(struct store *st, const char *key,
    const char *address)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "UPDATE identity SET onion_key = ?, "
	    "onion_address = ? WHERE id = 1", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, address, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE || sqlite3_changes(st->db) != 1) {
		log_warnx("database: cannot store the onion key: %s",
		    sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

long
store_count_contacts(struct store *st)
{
	long	n;

	return store_int(st, "SELECT count(*) FROM contacts", &n) == -1 ?
	    -1 : n;
}

long
store_count_outbox(struct store *st)
{
	long	n;

	return store_int(st, "SELECT count(*) FROM messages "
	    "WHERE state IN ('queued', 'sent') AND kind = 1", &n) == -1 ?
	    -1 : n;
}

/*
 * Contacts and invitations.
 */

static int
store_tx(struct store *st, const char *what)
{
	return store_exec(st, what);
}

struct store_invitation *
store_invitation_new(void)
{
	struct store_invitation	*inv;

	if ((inv = sodium_malloc(sizeof(*inv))) == NULL)
		fatal("sodium_malloc");
	memset(inv, 0, sizeof(*inv));
	return inv;
}

void
store_invitation_free(struct store_invitation *inv)
{
	if (inv != NULL)
		sodium_free(inv);
}

static int
store_petname_taken(struct store *st, const char *name)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM contacts WHERE "
	    "petname = ?", -1, &stmt, NULL) != SQLITE_OK)
		return 1;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW;
}

int
store_invitation_create(struct store *st, struct store_invitation *inv,
    const char *petname, char *err, size_t errlen)
{
	sqlite3_stmt	*stmt = NULL;
	time_t		 now = time(NULL);
	int		 rc;

	if (petname != NULL && store_petname_taken(st, petname)) {
		snprintf(err, errlen, "you already have a contact named %s",
		    petname);
		return -1;
	}
	if (store_tx(st, "BEGIN IMMEDIATE") == -1)
		goto fail;
	/* A placeholder name until the peer suggests one. */
	if (sqlite3_prepare_v2(st->db, "INSERT INTO contacts (petname, state, "
	    "created) VALUES (coalesce(?, 'pending-' || (SELECT coalesce("
	    "max(id), 0) + 1 FROM contacts)), 'pending', ?)", -1, &stmt,
	    NULL) != SQLITE_OK)
		goto rollback;
	if (petname != NULL)
		sqlite3_bind_text(stmt, 1, petname, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		goto rollback;
	inv->contact_id = (long)sqlite3_last_insert_rowid(st->db);
	if (sqlite3_prepare_v2(st->db, "INSERT INTO invitations (contact_id, "
	    "role, direct, code, service, nameplate, token, onion_key, "
	    "entropy, ratchet_sk, my_token, sent, expires, created) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &stmt, NULL)
	    != SQLITE_OK)
		goto rollback;
	sqlite3_bind_int64(stmt, 1, inv->contact_id);
	sqlite3_bind_text(stmt, 2, inv->inviter ? "inviter" : "accepter", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, inv->direct);
	sqlite3_bind_text(stmt, 4, inv->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, inv->service, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, inv->nameplate, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, inv->token, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 8, inv->onion_key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 9, inv->entropy, sizeof(inv->entropy),
	    SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 10, inv->ratchet_sk, sizeof(inv->ratchet_sk),
	    SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 11, inv->my_token, sizeof(inv->my_token),
	    SQLITE_STATIC);
	sqlite3_bind_int(stmt, 12, (int)inv->sent);
	sqlite3_bind_int64(stmt, 13, inv->expires);
	sqlite3_bind_int64(stmt, 14, now);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		goto rollback;
	inv->id = (long)sqlite3_last_insert_rowid(st->db);
	inv->created = now;
	if (store_tx(st, "COMMIT") == -1)
		goto rollback;
	if (sqlite3_prepare_v2(st->db, "SELECT petname FROM contacts WHERE "
	    "id = ?", -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, inv->contact_id);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			store_copy_text(inv->petname, sizeof(inv->petname),
			    stmt, 0);
		sqlite3_finalize(stmt);
	}
	return 0;
rollback:
	log_warnx("database: cannot store the invitation: %s",
	    sqlite3_errmsg(st->db));
	store_tx(st, "ROLLBACK");
fail:
	snprintf(err, errlen, "cannot store the invitation (%s)",
	    sqlite3_errmsg(st->db));
	return -1;
}

int
store_invitation_update(struct store *st, const struct store_invitation *inv)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "UPDATE invitations SET code = ?, "
	    "service = ?, nameplate = ?, token = ?, onion_key = ?, sent = ? "
	    "WHERE id = ?", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(stmt, 1, inv->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, inv->service, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, inv->nameplate, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, inv->token, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, inv->onion_key, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 6, (int)inv->sent);
	sqlite3_bind_int64(stmt, 7, inv->id);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		log_warnx("database: cannot update invitation %ld: %s",
		    inv->id, sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

static int
store_copy_blob(uint8_t *dst, size_t len, sqlite3_stmt *stmt, int col)
{
	if (sqlite3_column_bytes(stmt, col) != (int)len)
		return -1;
	memcpy(dst, sqlite3_column_blob(stmt, col), len);
	return 0;
}

int
store_invitation_each(struct store *st,
    void (*cb)(struct store_invitation *, void *), void *arg)
{
	struct store_invitation	*inv;
	sqlite3_stmt		*stmt;

	if (sqlite3_prepare_v2(st->db, "SELECT i.id, i.contact_id, i.role, "
	    "i.direct, i.code, i.service, i.nameplate, i.token, i.onion_key, "
	    "i.entropy, i.ratchet_sk, i.my_token, i.sent, i.expires, "
	    "i.created, c.petname FROM invitations i JOIN contacts c ON "
	    "c.id = i.contact_id ORDER BY i.id", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		inv = store_invitation_new();
		inv->id = (long)sqlite3_column_int64(stmt, 0);
		inv->contact_id = (long)sqlite3_column_int64(stmt, 1);
		inv->inviter = strcmp((const char *)sqlite3_column_text(stmt,
		    2), "inviter") == 0;
		inv->direct = sqlite3_column_int(stmt, 3);
		store_copy_text(inv->code, sizeof(inv->code), stmt, 4);
		store_copy_text(inv->service, sizeof(inv->service), stmt, 5);
		store_copy_text(inv->nameplate, sizeof(inv->nameplate), stmt, 6);
		store_copy_text(inv->token, sizeof(inv->token), stmt, 7);
		store_copy_text(inv->onion_key, sizeof(inv->onion_key), stmt, 8);
		if (store_copy_blob(inv->entropy, sizeof(inv->entropy), stmt,
		    9) == -1 || store_copy_blob(inv->ratchet_sk,
		    sizeof(inv->ratchet_sk), stmt, 10) == -1 ||
		    store_copy_blob(inv->my_token, sizeof(inv->my_token), stmt,
		    11) == -1) {
			log_warnx("database: invitation %ld is damaged; "
			    "skipping it", inv->id);
			store_invitation_free(inv);
			continue;
		}
		inv->sent = (unsigned)sqlite3_column_int(stmt, 12);
		inv->expires = sqlite3_column_int64(stmt, 13);
		inv->created = sqlite3_column_int64(stmt, 14);
		store_copy_text(inv->petname, sizeof(inv->petname), stmt, 15);
		cb(inv, arg);
	}
	sqlite3_finalize(stmt);
	return 0;
}

int
store_invitation_burn(struct store *st, long id)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	/* The contact's deletion cascades to the invitation. */
	if (sqlite3_prepare_v2(st->db, "DELETE FROM contacts WHERE id = "
	    "(SELECT contact_id FROM invitations WHERE id = ?) AND "
	    "state = 'pending'", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_prepare_v2(st->db, "DELETE FROM invitations WHERE id = ?",
	    -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_invitation_finish(struct store *st, struct store_invitation *inv,
    const struct store_peer *p)
{
	sqlite3_stmt	*stmt;
	int		 rc, placeholder;

	if (store_tx(st, "BEGIN IMMEDIATE") == -1)
		return -1;
	placeholder = strncmp(inv->petname, "pending-", 8) == 0;
	if (sqlite3_prepare_v2(st->db, "UPDATE contacts SET state = 'ready', "
	    "identity_pk = ?, onion_address = ?, their_token = ?, my_token = ?, "
	    "ratchet = ?, verification = ?, suggested_name = ? WHERE id = ?",
	    -1, &stmt, NULL) != SQLITE_OK)
		goto rollback;
	sqlite3_bind_blob(stmt, 1, p->identity_pk, 32, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, p->onion_address, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, p->their_token, 32, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 4, inv->my_token, 32, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 5, p->ratchet, (int)p->ratchetlen,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, p->verification, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, p->suggested_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 8, inv->contact_id);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		goto rollback;
	/*
	 * A placeholder name gives way to the peer's suggestion, or to
	 * "NAME-2" ... when that is taken, or to "contact-ID".
	 */
	if (placeholder) {
		char	name[sizeof(inv->petname)];
		int	i;

		snprintf(name, sizeof(name), "contact-%ld", inv->contact_id);
		for (i = 1; p->suggested_name[0] != '\0' && i <= 9; i++) {
			char	try[sizeof(inv->petname)];

			if (i == 1)
				snprintf(try, sizeof(try), "%s",
				    p->suggested_name);
			else
				snprintf(try, sizeof(try), "%.60s-%c",
				    p->suggested_name, '0' + i);
			if (!store_petname_taken(st, try)) {
				memcpy(name, try, sizeof(name));
				break;
			}
		}
		if (sqlite3_prepare_v2(st->db, "UPDATE contacts SET petname = ? "
		    "WHERE id = ?", -1, &stmt, NULL) != SQLITE_OK)
			goto rollback;
		sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, inv->contact_id);
		rc = sqlite3_step(stmt);
		sqlite3_finalize(stmt);
		if (rc != SQLITE_DONE)
			goto rollback;
		snprintf(inv->petname, sizeof(inv->petname), "%s", name);
	}
	if (sqlite3_prepare_v2(st->db, "DELETE FROM invitations WHERE id = ?",
	    -1, &stmt, NULL) != SQLITE_OK)
		goto rollback;
	sqlite3_bind_int64(stmt, 1, inv->id);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE || store_tx(st, "COMMIT") == -1)
		goto rollback;
	return 0;
rollback:
	log_warnx("database: cannot store the new contact: %s",
	    sqlite3_errmsg(st->db));
	store_tx(st, "ROLLBACK");
	return -1;
}

static json_t *
store_contact_row(sqlite3_stmt *stmt)
{
	const char	*state = (const char *)sqlite3_column_text(stmt, 2);
	char		 hex[65] = "";
	json_t		*j;

	if (sqlite3_column_bytes(stmt, 7) == 32)
		sodium_bin2hex(hex, sizeof(hex), sqlite3_column_blob(stmt, 7),
		    32);
	j = json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:I}",
	    "id", (json_int_t)sqlite3_column_int64(stmt, 0),
	    "petname", (const char *)sqlite3_column_text(stmt, 1),
	    "state", state,
	    "verification", (const char *)sqlite3_column_text(stmt, 3),
	    "address", (const char *)sqlite3_column_text(stmt, 4),
	    "suggested_name", (const char *)sqlite3_column_text(stmt, 5),
	    "created", (json_int_t)sqlite3_column_int64(stmt, 6));
	json_object_set_new(j, "identity", hex[0] ? json_string(hex) :
	    json_null());
	return j;
}

#define STORE_CONTACT_COLUMNS "id, petname, state, verification, " \
	"onion_address, suggested_name, created, identity_pk"

json_t *
store_contacts_json(struct store *st)
{
	sqlite3_stmt	*stmt;
	json_t		*arr = json_array();

	if (sqlite3_prepare_v2(st->db, "SELECT " STORE_CONTACT_COLUMNS
	    " FROM contacts ORDER BY petname", -1, &stmt, NULL) != SQLITE_OK)
		return arr;
	while (sqlite3_step(stmt) == SQLITE_ROW)
		json_array_append_new(arr, store_contact_row(stmt));
	sqlite3_finalize(stmt);
	return arr;
}

json_t *
store_contact_json(struct store *st, long id)
{
	sqlite3_stmt	*stmt;
	json_t		*j = NULL;

	if (sqlite3_prepare_v2(st->db, "SELECT " STORE_CONTACT_COLUMNS
	    " FROM contacts WHERE id = ?", -1, &stmt, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		j = store_contact_row(stmt);
	sqlite3_finalize(stmt);
	return j;
}

int
store_contact_rename(struct store *st, const char *old, const char *new_name,
    char *err, size_t errlen)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (store_petname_taken(st, new_name)) {
		snprintf(err, errlen, "you already have a contact named %s",
		    new_name);
		return -1;
	}
	if (sqlite3_prepare_v2(st->db, "UPDATE contacts SET petname = ? WHERE "
	    "petname = ?", -1, &stmt, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(stmt, 1, new_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, old, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		goto fail;
	if (sqlite3_changes(st->db) == 0) {
		snprintf(err, errlen, "no contact named %s", old);
		return -1;
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot rename: %s", sqlite3_errmsg(st->db));
	return -1;
}

int
store_contact_remove(struct store *st, const char *petname, long *id,
    char *err, size_t errlen)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "DELETE FROM contacts WHERE petname = ? "
	    "RETURNING id", -1, &stmt, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(stmt, 1, petname, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*id = (long)sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_DONE) {
		snprintf(err, errlen, "no contact named %s", petname);
		return -1;
	}
	if (rc != SQLITE_ROW)
		goto fail;
	/* Let deleted rows leave the -wal file too. */
	sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL);
	return 0;
fail:
	snprintf(err, errlen, "cannot remove: %s", sqlite3_errmsg(st->db));
	return -1;
}
