/*
 * Allocation that never returns NULL: on exhaustion the program logs and
 * exits, so call sites stay clean. Secrets never go here: they live in
 * sodium_malloc() memory (see crypto/).
 */
#ifndef PETMAIL_XMALLOC_H
#define PETMAIL_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* free() that also clears the pointer. */
#define xfree(p) do { free(p); (p) = NULL; } while (0)

#endif
