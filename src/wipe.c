#include "config.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "wipe.h"

/* The size sits in front, in a header that keeps malloc()'s alignment. */
#define WIPE_HDR	16
_Static_assert(alignof(max_align_t) <= WIPE_HDR, "header breaks alignment");
_Static_assert(sizeof(size_t) <= WIPE_HDR, "header too small");

void *
wipe_malloc(size_t n)
{
	uint8_t	*p;

	if (n > SIZE_MAX - WIPE_HDR || (p = malloc(n + WIPE_HDR)) == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + WIPE_HDR;
}

size_t
wipe_size(const void *q)
{
	size_t	n;

	memcpy(&n, (const uint8_t *)q - WIPE_HDR, sizeof(n));
	return n;
}

void
wipe_free(void *q)
{
	if (q == NULL)
		return;
	sodium_memzero(q, wipe_size(q));
	free((uint8_t *)q - WIPE_HDR);
}

/* Never in place: the old block is wiped once copied. */
void *
wipe_realloc(void *q, size_t n)
{
	void	*r;
	size_t	 old;

	if (q == NULL)
		return wipe_malloc(n);
	if (n == 0) {
		wipe_free(q);
		return NULL;
	}
	if ((r = wipe_malloc(n)) == NULL)
		return NULL;
	old = wipe_size(q);
	memcpy(r, q, old < n ? old : n);
	wipe_free(q);
	return r;
}

void
wipe_json_free(char *s)
{
	json_malloc_t	m;
	json_free_t	f;

	if (s == NULL)
		return;
	sodium_memzero(s, strlen(s));
	json_get_alloc_funcs(&m, &f);
	f(s);
}

static void *
wipe_sqlite_malloc(int n)
{
	return n > 0 ? wipe_malloc((size_t)n) : NULL;
}

static void *
wipe_sqlite_realloc(void *q, int n)
{
	return n > 0 ? wipe_realloc(q, (size_t)n) : NULL;
}

static int
wipe_sqlite_size(void *q)
{
	return q != NULL ? (int)wipe_size(q) : 0;
}

static int
wipe_sqlite_roundup(int n)
{
	return (n + 7) & ~7;
}

static int
wipe_sqlite_init(void *arg)
{
	return SQLITE_OK;
}

static void
wipe_sqlite_shutdown(void *arg)
{
}

int
wipe_install(void)
{
	static const sqlite3_mem_methods sqlite_mem = {
		wipe_sqlite_malloc, wipe_free, wipe_sqlite_realloc,
		wipe_sqlite_size, wipe_sqlite_roundup, wipe_sqlite_init,
		wipe_sqlite_shutdown, NULL
	};

	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &sqlite_mem) != SQLITE_OK)
		return -1;
	json_set_alloc_funcs(wipe_malloc, wipe_free);
	event_set_mem_functions(wipe_malloc, wipe_realloc, wipe_free);
	return 0;
}
