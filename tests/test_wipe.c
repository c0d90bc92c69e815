/*
 * The wiping allocator (src/wipe.c): sizes, realloc that keeps content,
 * and the libraries using it once installed (sqlite, jansson, libevent).
 * That freed memory is zeroed cannot be read back without undefined
 * behaviour; sodium_memzero() is what wipe_free() calls.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "wipe.h"

static void
sizes_and_realloc(void **state)
{
	uint8_t	*p, *q;
	size_t	 i;

	p = wipe_malloc(100);
	assert_non_null(p);
	assert_int_equal(wipe_size(p), 100);
	assert_int_equal((uintptr_t)p % 16, 0);
	for (i = 0; i < 100; i++)
		p[i] = (uint8_t)i;
	q = wipe_realloc(p, 5000);		/* grows: content kept */
	assert_non_null(q);
	assert_int_equal(wipe_size(q), 5000);
	for (i = 0; i < 100; i++)
		assert_int_equal(q[i], (uint8_t)i);
	p = wipe_realloc(q, 10);		/* shrinks: the first bytes */
	assert_int_equal(wipe_size(p), 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(p[i], (uint8_t)i);
	assert_null(wipe_realloc(p, 0));	/* frees */
	p = wipe_realloc(NULL, 7);
	assert_int_equal(wipe_size(p), 7);
	wipe_free(p);
	wipe_free(NULL);
	assert_null(wipe_malloc(SIZE_MAX - 8));
}

/* After wipe_install(), the libraries work on our allocator. */
static void
libraries(void **state)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	struct evbuffer	*b;
	json_t		*j;
	char		*text;
	int		 i;

	assert_int_equal(wipe_install(), 0);
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x BLOB); "
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	    "WHERE i < 500) INSERT INTO t SELECT randomblob(300) FROM n",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), "
	    "sum(length(x)) FROM t", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 500);
	assert_int_equal(sqlite3_column_int(st, 1), 150000);
	sqlite3_finalize(st);
	sqlite3_close(db);

	j = json_pack("{s:s, s:[i, i]}", "code", "7-crossover-clockwork",
	    "n", 1, 2);
	assert_non_null(j);
	text = json_dumps(j, JSON_COMPACT);
	assert_string_equal(text, "{\"code\":\"7-crossover-clockwork\","
	    "\"n\":[1,2]}");
	wipe_json_free(text);
	json_decref(j);

	b = evbuffer_new();
	assert_non_null(b);
	for (i = 0; i < 1000; i++)
		evbuffer_add_printf(b, "line %d\n", i);
	assert_int_equal(evbuffer_get_length(b), 8890);
	evbuffer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes_and_realloc),
		cmocka_unit_test(libraries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
