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
#include "store.h"
#include "xmalloc.h"

struct store {
	sqlite3	*db;
};

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
	"  id INTEGER PRIMARY KEY,"
	"  petname TEXT NOT NULL UNIQUE,"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'ready')),"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY,"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
	"  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),"
	"  state TEXT NOT NULL CHECK (state IN"
	"    ('queued', 'sent', 'delivered', 'failed', 'received')),"
	"  body BLOB NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  delivered INTEGER);"
	"CREATE INDEX messages_contact ON messages (contact_id, id);"
	"CREATE INDEX messages_outbox ON messages (state) WHERE state = 'queued';",
};
#define STORE_VERSION \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

const char *
store_errmsg(struct store *st)
{
	return sqlite3_errmsg(st->db);
}

static int
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

static void
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
	    "WHERE state = 'queued'", &n) == -1 ? -1 : n;
}
