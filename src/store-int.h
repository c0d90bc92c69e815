/* Shared by the store's source files only (store.c, store-messages.c). */
#ifndef PETMAIL_STORE_INT_H
#define PETMAIL_STORE_INT_H

#include <sqlite3.h>

struct store {
	sqlite3	*db;
};

int	store_exec(struct store *, const char *sql);
void	store_copy_text(char *dst, size_t dstlen, sqlite3_stmt *, int col);

#endif
