/*
 * petmail.conf: "key = value" lines, '#' comments. Parsing is a pure
 * function over a buffer; the first error is reported with its line
 * number, as `petmail config-check` shows it.
 */
#ifndef PETMAIL_CONF_H
#define PETMAIL_CONF_H

#include <stddef.h>

#include "log.h"

#define CONF_MAX_BYTES		65536	/* petmail.conf larger than this is refused */
#define CONF_TORRC_MAX_BYTES	65536	/* and so is an extra_torrc file */

struct conf {
	char		*tor;		/* tor binary; NULL: the built-in default */
	char		*extra_torrc;	/* file of torrc lines to append, or NULL */
	enum log_level	 log_level;
	int		 network;	/* 0: keep tor's network disabled */
	int		 serve_rendezvous; /* serve = rendezvous */
	char		*rendezvous;	/* "<56>.onion" of the service we use */
	char		*name;		/* the name we suggest to contacts */
	long		 invite_lifetime; /* seconds a code stays valid */
	long		 retry_cap;	/* longest wait between delivery tries */
	long		 message_expiry; /* undelivered after this: failed */
	int		 ui;		/* 0: no web page (ui = off) */
	int		 ui_port;	/* on 127.0.0.1; 0: pick a free one */
};

#define CONF_RETRY_CAP_DEFAULT		300
#define CONF_MESSAGE_EXPIRY_DEFAULT	(7 * 24 * 3600)

#define CONF_INVITE_LIFETIME_DEFAULT	(24 * 3600)
#define CONF_INVITE_LIFETIME_MAX	(7 * 24 * 3600)

/* "90", "90s", "30m", "24h", "7d" -> seconds; -1 if malformed. */
long	conf_parse_duration(const char *);

void	conf_init(struct conf *);
void	conf_clear(struct conf *);

/* Parse TEXT into CONF. 0, or -1 with "line N: ..." in ERR. */
int	conf_parse(struct conf *, const char *text, size_t len,
	    char *err, size_t errlen);

/* Read and parse PATH; a missing file means the defaults. */
int	conf_load(struct conf *, const char *path, char *err, size_t errlen);

/*
 * Read the extra torrc file and check its lines: options that would take
 * the agent's own tor away from it (ControlPort, SocksPort, DataDirectory,
 * ...) are refused. On success *OUT holds the text (malloc'd).
 */
int	conf_read_extra_torrc(char **out, const char *path, char *err,
	    size_t errlen);

/* Write a new petmail.conf (mode 0600, must not exist) for CONF. */
int	conf_write(const struct conf *, const char *path, char *err,
	    size_t errlen);

#endif
