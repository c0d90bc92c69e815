/*
 * Petnames: the names a person gives their contacts. Any printable
 * UTF-8, 1 to PETNAME_MAX bytes, no control characters, no leading or
 * trailing blanks; unique per agent (the store enforces that).
 */
#ifndef PETMAIL_PETNAME_H
#define PETMAIL_PETNAME_H

#include <stddef.h>

#define PETNAME_MAX	64

/* 0 if NAME (LEN bytes) is a valid petname, else -1 with a reason. */
int	petname_check(const char *name, size_t len, char *err, size_t errlen);

#endif
