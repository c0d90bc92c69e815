/*
 * Wipe on free for the libraries that keep our secrets in their own heap
 * memory: sqlite (its page cache holds keys, ratchet states and message
 * bodies), jansson (codes, tokens and message text in API bodies) and
 * libevent (HTTP bodies in its buffers). Each of their allocations
 * carries its size, so that freeing it can sodium_memzero() it. This is
 * not sodium_malloc() (a mapping and guard pages for each of thousands
 * of small allocations): the memory is not locked, but a freed copy no
 * longer lingers until the allocator hands it out again.
 */
#ifndef PETMAIL_WIPE_H
#define PETMAIL_WIPE_H

#include <stddef.h>

/* Before any other call into those libraries; -1 if it is too late. */
int	wipe_install(void);
/* Free a string from json_dumps() with jansson's free function: with
 * wipe_install() that is wipe_free(), not free(). Wipes it in any case. */
void	wipe_json_free(char *);

/* The allocator itself, exposed for tests. */
void	*wipe_malloc(size_t);
void	*wipe_realloc(void *, size_t);
void	 wipe_free(void *);
size_t	 wipe_size(const void *);

#endif
