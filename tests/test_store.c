/* The sqlite store: creation, schema, identity, damage detection. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "store-int.h"
#include "store.h"

static char	dir[] = "/tmp/petmail-test-store.XXXXXX";
static char	path[512];

static int
setup(void **state)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/petmail.db", dir);
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
create_is_private_and_versioned(void **state)
{
	struct store	*st;
	struct stat	 sb;
	char		 err[512];

	unlink(path);
	assert_int_equal(store_open(&st, path, err, sizeof(err)), 0);
	assert_true(store_schema_version(st) >= 1);
	assert_int_equal(store_count_contacts(st), 0);
	assert_int_equal(store_count_outbox(st), 0);
	store_close(st);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

static void
identity_is_created_once_and_kept(void **state)
{
	struct store	*st;
	struct identity	*a, *b;
	char		 err[512];
	uint8_t		 sig[crypto_sign_BYTES];

	unlink(path);
	assert_int_equal(store_open(&st, path, err, sizeof(err)), 0);
	assert_int_equal(store_identity_load(st, &a), 0);
	assert_string_equal(a->onion_key, "");
	assert_int_equal(store_identity_set_onion(st, "ED25519-V3:abc",
	    "x.onion"), 0);
	store_close(st);

	assert_int_equal(store_open(&st, path, err, sizeof(err)), 0);
	assert_int_equal(store_identity_load(st, &b), 0);
	assert_memory_equal(a->sign_pk, b->sign_pk, STORE_SIGN_PKBYTES);
	assert_string_equal(b->onion_key, "ED25519-V3:abc");
	assert_string_equal(b->onion_address, "x.onion");
	/* The stored key pair is a working pair. */
	crypto_sign_detached(sig, NULL, (const uint8_t *)"m", 1, b->sign_sk);
	assert_int_equal(crypto_sign_verify_detached(sig, (const uint8_t *)"m",
	    1, a->sign_pk), 0);
	store_identity_free(a);
	store_identity_free(b);
	store_close(st);
}

static void
damaged_file_is_refused_not_replaced(void **state)
{
	struct store	*st;
	char		 err[512], buf[64];
	int		 fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 100; i++)
		assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
	assert_int_equal(store_open(&st, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "damaged"));
	/* Nothing was written over it. */
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(buf[0], 'x');
	close(fd);
}

static void
newer_schema_is_refused(void **state)
{
	struct store	*st;
	char		 err[512], cmd[700];

	unlink(path);
	assert_int_equal(store_open(&st, path, err, sizeof(err)), 0);
	store_close(st);
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' 'PRAGMA user_version = 999'",
	    path);
	if (system(cmd) != 0)
		skip();
	assert_int_equal(store_open(&st, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "upgrade petmail"));
}


static int
collect_seq(const struct store_message *m, void *arg)
{
	long	*seqs = arg;

	seqs[++seqs[0]] = m->seq;
	return 0;
}

/*
 * A message waiting on its backoff is never overtaken: the outbox hands
 * out a contact's messages all together, by seq, once its earliest try
 * is due, and none while every one of them waits.
 */
static void
outbox_keeps_the_senders_order(void **state)
{
	struct store		*st;
	struct store_message	 m;
	char			 err[512];
	long			 seqs[8], id, seq;
	int			 i;

	unlink(path);
	assert_int_equal(store_open(&st, path, err, sizeof(err)), 0);
	assert_int_equal(store_exec(st, "INSERT INTO contacts (petname, "
	    "state, created) VALUES ('bob', 'ready', 0)"), 0);
	for (i = 0; i < 3; i++) {
		memset(&m, 0, sizeof(m));
		m.contact_id = 1;
		m.kind = 1;
		m.body = "hi";
		m.bodylen = 2;
		assert_int_equal(store_contact_take_seq(st, 1, &seq), 0);
		m.seq = seq;
		assert_int_equal(store_message_insert(st, &m, &id), 0);
		assert_int_equal(store_message_seal(st, id,
		    (const uint8_t *)"env", 3), 0);
	}
	/* The first failed and waits until 100; the others are new. */
	assert_int_equal(store_message_update(st, 1, "queued", "away", 100),
	    0);
	seqs[0] = 0;
	assert_int_equal(store_outbox_each(st, 1, 1, 50, 32, collect_seq,
	    seqs), 3);
	assert_int_equal(seqs[0], 3);
	assert_true(seqs[1] < seqs[2] && seqs[2] < seqs[3]);
	/* The contact backs off as a whole: nothing goes before 200. */
	assert_int_equal(store_outbox_defer(st, 1, 200), 0);
	assert_int_equal(store_outbox_next_try(st, 1), 200);
	seqs[0] = 0;
	assert_int_equal(store_outbox_each(st, 1, 1, 199, 32, collect_seq,
	    seqs), 0);
	assert_int_equal(store_outbox_each(st, 1, 1, 200, 32, collect_seq,
	    seqs), 3);
	assert_int_equal(seqs[1], 1);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_is_private_and_versioned),
		cmocka_unit_test(identity_is_created_once_and_kept),
		cmocka_unit_test(damaged_file_is_refused_not_replaced),
		cmocka_unit_test(newer_schema_is_refused),
		cmocka_unit_test(outbox_keeps_the_senders_order),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
