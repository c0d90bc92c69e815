/*
 * Logging, in the manner of OpenNTPD: log_warn() appends strerror(errno),
 * log_warnx() does not; fatal() is only for broken invariants and
 * exhaustion. Messages at info and above must make sense to a user, and no
 * message ever carries a key, a cookie, a code or a message body.
 */
#ifndef PETMAIL_LOG_H
#define PETMAIL_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Log to stderr as "PROGNAME: message" until log_open() names a file. */
void	log_init(const char *progname, enum log_level);
void	log_set_level(enum log_level);
int	log_level_parse(const char *, enum log_level *);
const char *log_level_name(enum log_level);
/* Append to PATH (0600) with timestamps; reopened on SIGHUP. 0 or -1. */
int	log_open(const char *path);
int	log_reopen(void);
/* Also copy file messages to stderr (petmaild -f). */
void	log_also_stderr(int);
void	log_close(void);

#define LOG_PRINTF __attribute__((format(printf, 1, 2)))
void	log_warn(const char *, ...) LOG_PRINTF;
void	log_warnx(const char *, ...) LOG_PRINTF;
void	log_info(const char *, ...) LOG_PRINTF;
void	log_debug(const char *, ...) LOG_PRINTF;
void	fatal(const char *, ...) LOG_PRINTF __attribute__((noreturn));
void	fatalx(const char *, ...) LOG_PRINTF __attribute__((noreturn));

#endif
