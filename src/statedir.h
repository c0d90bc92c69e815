/*
 * The agent's state directory: where it is, and that it is private.
 * One agent = one state directory (mode 0700) holding petmail.db,
 * petmail.conf, petmaild.sock, petmaild.pid, petmaild.log and tor/.
 */
#ifndef PETMAIL_STATEDIR_H
#define PETMAIL_STATEDIR_H

#include <stddef.h>

#define STATEDIR_DB	"petmail.db"
#define STATEDIR_CONF	"petmail.conf"
#define STATEDIR_SOCK	"petmaild.sock"
#define STATEDIR_PID	"petmaild.pid"
#define STATEDIR_LOG	"petmaild.log"
#define STATEDIR_TOR	"tor"
#define STATEDIR_ONION	"onion.sock"
#define STATEDIR_INVITE	"invite.sock"

/*
 * Choose the directory: DIR if given, else $PETMAIL_DIR, else
 * $HOME/.petmail. Returns an absolute path (malloc'd) or NULL with a
 * reason in ERR.
 */
char	*statedir_resolve(const char *dir, char *err, size_t errlen);

/* Path of NAME inside DIR (malloc'd). Fails if it would be too long for
 * a unix socket when SOCKET is set. */
char	*statedir_path(const char *dir, const char *name);

/*
 * Check that DIR exists, is a directory owned by us and is not group- or
 * world-accessible. 0, or -1 with a sentence in ERR saying what to do.
 */
int	statedir_check(const char *dir, char *err, size_t errlen);

/* Create DIR (and tor/) with mode 0700; -1 with ERR if it exists. */
int	statedir_create(const char *dir, char *err, size_t errlen);

#endif
