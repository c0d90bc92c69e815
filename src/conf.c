#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "petname.h"
#include "xmalloc.h"

enum conf_type {
	CONF_PATH,		/* absolute path */
	CONF_LEVEL,		/* log level name */
	CONF_ONOFF,		/* "on" or "off" */
	CONF_SERVE,		/* "rendezvous" or "nothing" */
	CONF_ONION,		/* a v3 onion address */
	CONF_NAME,		/* a petname */
	CONF_INVITE,		/* a duration, up to a week */
	CONF_RETRY,		/* a duration, 1s to 1h */
	CONF_EXPIRY,		/* a duration, 1m to 365d */
	CONF_PORT,		/* a TCP port, 0 to 65535 */
};

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 offset;
};

static const struct conf_key conf_keys[] = {
	{ "tor",		CONF_PATH,	offsetof(struct conf, tor) },
	{ "extra_torrc",	CONF_PATH,	offsetof(struct conf, extra_torrc) },
	{ "log_level",		CONF_LEVEL,	offsetof(struct conf, log_level) },
	{ "network",		CONF_ONOFF,	offsetof(struct conf, network) },
	{ "serve",		CONF_SERVE,	offsetof(struct conf, serve_rendezvous) },
	{ "rendezvous",		CONF_ONION,	offsetof(struct conf, rendezvous) },
	{ "name",		CONF_NAME,	offsetof(struct conf, name) },
	{ "invite_lifetime",	CONF_INVITE,	offsetof(struct conf, invite_lifetime) },
	{ "retry_cap",		CONF_RETRY,	offsetof(struct conf, retry_cap) },
	{ "message_expiry",	CONF_EXPIRY,	offsetof(struct conf, message_expiry) },
	{ "ui",			CONF_ONOFF,	offsetof(struct conf, ui) },
	{ "ui_port",		CONF_PORT,	offsetof(struct conf, ui_port) },
};
#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

/* Torrc options the agent sets itself and an extra torrc may not touch. */
static const char *const conf_torrc_reserved[] = {
	"ControlPort", "ControlSocket", "SocksPort", "DataDirectory",
	"CookieAuthentication", "CookieAuthFile", "HashedControlPassword",
	"__OwningControllerProcess", "RunAsDaemon", "User",
	"HiddenServiceDir", "HiddenServicePort", "__ControlPort",
	"__SocksPort", "ControlPortWriteToFile",
};

void
conf_init(struct conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->log_level = LOG_LEVEL_INFO;
	conf->network = 1;
	conf->ui = 1;
	conf->invite_lifetime = CONF_INVITE_LIFETIME_DEFAULT;
	conf->retry_cap = CONF_RETRY_CAP_DEFAULT;
	conf->message_expiry = CONF_MESSAGE_EXPIRY_DEFAULT;
}

long
conf_parse_duration(const char *s)
{
	char	*end;
	long	 n, unit = 1;

	if (*s < '0' || *s > '9')
		return -1;
	n = strtol(s, &end, 10);
	if (n < 0 || n > 100000000L)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = 60;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else if (strcmp(end, "d") == 0)
		unit = 86400;
	else
		return -1;
	return n * unit;
}

void
conf_clear(struct conf *conf)
{
	free(conf->tor);
	free(conf->extra_torrc);
	free(conf->rendezvous);
	free(conf->name);
	conf_init(conf);
}

static const struct conf_key *
conf_find(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strlen(conf_keys[i].name) == len &&
		    strncmp(conf_keys[i].name, name, len) == 0)
			return &conf_keys[i];
	return NULL;
}

static int
conf_set(struct conf *conf, const struct conf_key *key, const char *value,
    char *err, size_t errlen)
{
	void		*field = (char *)conf + key->offset;
	enum log_level	 level;
	char		 why[128];
	long		 n;
	size_t		 i;

	switch (key->type) {
	case CONF_PATH:
		if (value[0] != '/') {
			snprintf(err, errlen, "%s must be an absolute path",
			    key->name);
			return -1;
		}
		for (i = 0; value[i] != '\0'; i++) {
			if (iscntrl((unsigned char)value[i])) {
				snprintf(err, errlen, "%s contains a control "
				    "character", key->name);
				return -1;
			}
		}
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return 0;
	case CONF_LEVEL:
		if (log_level_parse(value, &level) == -1) {
			snprintf(err, errlen, "%s must be error, warn, info or "
			    "debug", key->name);
			return -1;
		}
		*(enum log_level *)field = level;
		return 0;
	case CONF_SERVE:
		if (strcmp(value, "rendezvous") == 0)
			*(int *)field = 1;
		else if (strcmp(value, "nothing") == 0)
			*(int *)field = 0;
		else {
			snprintf(err, errlen, "serve must be rendezvous or "
			    "nothing");
			return -1;
		}
		return 0;
	case CONF_ONION:
		for (i = 0; i < 56; i++)
			if (!((value[i] >= 'a' && value[i] <= 'z') ||
			    (value[i] >= '2' && value[i] <= '7')))
				break;
		if (i != 56 || (value[56] != '\0' &&
		    strcmp(value + 56, ".onion") != 0)) {
			snprintf(err, errlen, "%s must be a v3 onion address "
			    "(56 characters, then .onion)", key->name);
			return -1;
		}
		free(*(char **)field);
		xasprintf((char **)field, "%.56s.onion", value);
		return 0;
	case CONF_NAME:
		if (petname_check(value, strlen(value), why, sizeof(why))
		    == -1) {
			snprintf(err, errlen, "%s: %s", key->name, why);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return 0;
	case CONF_INVITE:
		n = conf_parse_duration(value);
		if (n < 5 || n > CONF_INVITE_LIFETIME_MAX) {
			snprintf(err, errlen, "%s must be a duration from 5s to "
			    "7d, such as 30m or 24h", key->name);
			return -1;
		}
		*(long *)field = n;
		return 0;
	case CONF_RETRY:
	case CONF_EXPIRY:
		n = conf_parse_duration(value);
		if (key->type == CONF_RETRY ? (n < 1 || n > 3600) :
		    (n < 60 || n > 365L * 86400)) {
			snprintf(err, errlen, "%s must be a duration from %s, "
			    "such as %s", key->name, key->type == CONF_RETRY ?
			    "1s to 1h" : "1m to 365d", key->type == CONF_RETRY ?
			    "5m" : "7d");
			return -1;
		}
		*(long *)field = n;
		return 0;
	case CONF_PORT:
		for (i = 0; value[i] != '\0'; i++)
			if (value[i] < '0' || value[i] > '9' || i > 5)
				break;
		n = value[i] == '\0' ? strtol(value, NULL, 10) : -1;
		if (n < 0 || n > 65535) {
			snprintf(err, errlen, "%s must be a port number from 0 "
			    "to 65535 (0: pick a free one)", key->name);
			return -1;
		}
		*(int *)field = (int)n;
		return 0;
	case CONF_ONOFF:
		if (strcmp(value, "on") == 0)
			*(int *)field = 1;
		else if (strcmp(value, "off") == 0)
			*(int *)field = 0;
		else {
			snprintf(err, errlen, "%s must be on or off",
			    key->name);
			return -1;
		}
		return 0;
	}
	return -1;
}

int
conf_parse(struct conf *conf, const char *text, size_t len, char *err,
    size_t errlen)
{
	const char	*line = text, *end = text + len, *eol, *p, *q;
	const struct conf_key *key;
	char		 value[4096], why[256];
	unsigned	 seen = 0;
	int		 lineno = 0;
	size_t		 n, i;

	if (len > CONF_MAX_BYTES) {
		snprintf(err, errlen, "file is larger than %d bytes",
		    CONF_MAX_BYTES);
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "file contains a NUL byte");
		return -1;
	}
	for (; line < end; line = eol + 1) {
		lineno++;
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			eol = end;
		p = line;
		while (p < eol && isspace((unsigned char)*p))
			p++;
		if (p == eol || *p == '#')
			continue;

		for (q = p; q < eol && (isalnum((unsigned char)*q) ||
		    *q == '_'); q++)
			;
		if (q == p) {
			snprintf(err, errlen, "line %d: expected a setting "
			    "name", lineno);
			return -1;
		}
		if ((key = conf_find(p, (size_t)(q - p))) == NULL) {
			snprintf(err, errlen, "line %d: unknown setting '%.*s'",
			    lineno, (int)(q - p > 64 ? 64 : q - p), p);
			return -1;
		}
		i = (size_t)(key - conf_keys);
		if (seen & (1U << i)) {
			snprintf(err, errlen, "line %d: %s is set twice",
			    lineno, key->name);
			return -1;
		}
		seen |= 1U << i;

		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (q == eol || *q != '=') {
			snprintf(err, errlen, "line %d: expected '=' after %s",
			    lineno, key->name);
			return -1;
		}
		q++;
		while (q < eol && isspace((unsigned char)*q))
			q++;
		n = (size_t)(eol - q);
		while (n > 0 && isspace((unsigned char)q[n - 1]))
			n--;
		if (n == 0) {
			snprintf(err, errlen, "line %d: %s has no value",
			    lineno, key->name);
			return -1;
		}
		if (n >= sizeof(value)) {
			snprintf(err, errlen, "line %d: value of %s is too "
			    "long", lineno, key->name);
			return -1;
		}
		memcpy(value, q, n);
		value[n] = '\0';
		if (conf_set(conf, key, value, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "line %d: %s", lineno, why);
			return -1;
		}
	}
	return 0;
}

/* Read a whole small file, at most MAX bytes; -1 with ERR. */
static int
conf_slurp(char **out, size_t *outlen, const char *path, size_t max,
    char *err, size_t errlen)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	buf = xmalloc(max + 2);
	while ((n = read(fd, buf + len, max + 1 - len)) > 0)
		len += (size_t)n;
	if (n == -1) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (len > max) {
		snprintf(err, errlen, "%s is larger than %zu bytes", path,
		    max);
		goto fail;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
fail:
	close(fd);
	free(buf);
	return -1;
}

int
conf_load(struct conf *conf, const char *path, char *err, size_t errlen)
{
	char	*text, why[512];
	size_t	 len;
	int	 rc;

	if (access(path, F_OK) == -1 && errno == ENOENT)
		return 0;
	if (conf_slurp(&text, &len, path, CONF_MAX_BYTES, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	rc = conf_parse(conf, text, len, why, sizeof(why));
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", path, why);
	free(text);
	return rc;
}

int
conf_read_extra_torrc(char **out, const char *path, char *err,
    size_t errlen)
{
	char		*text;
	const char	*line, *eol, *p, *q, *end;
	size_t		 len, i, n;
	int		 lineno = 0;

	if (conf_slurp(&text, &len, path, CONF_TORRC_MAX_BYTES, err,
	    errlen) == -1)
		return -1;
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s contains a NUL byte", path);
		goto fail;
	}
	end = text + len;
	for (line = text; line < end; line = eol + 1) {
		lineno++;
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			eol = end;
		for (p = line; p < eol && isspace((unsigned char)*p); p++)
			;
		if (p == eol || *p == '#')
			continue;
		for (q = p; q < eol && !isspace((unsigned char)*q); q++)
			;
		n = (size_t)(q - p);
		for (i = 0; i < sizeof(conf_torrc_reserved) /
		    sizeof(conf_torrc_reserved[0]); i++) {
			if (strlen(conf_torrc_reserved[i]) == n &&
			    strncasecmp(conf_torrc_reserved[i], p, n) == 0) {
				snprintf(err, errlen, "%s line %d: %s is set by "
				    "the agent itself and may not appear in an "
				    "extra torrc", path, lineno,
				    conf_torrc_reserved[i]);
				goto fail;
			}
		}
	}
	*out = text;
	return 0;
fail:
	free(text);
	return -1;
}

int
conf_write(const struct conf *conf, const char *path, char *err,
    size_t errlen)
{
	FILE	*f;
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "cannot create %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	fprintf(f, "# petmail agent configuration: see petmail.conf(5).\n"
	    "# Check it with: petmail config-check\n");
	if (conf->tor != NULL)
		fprintf(f, "tor = %s\n", conf->tor);
	if (conf->extra_torrc != NULL)
		fprintf(f, "extra_torrc = %s\n", conf->extra_torrc);
	fprintf(f, "log_level = %s\n", log_level_name(conf->log_level));
	if (!conf->network)
		fprintf(f, "network = off\n");
	if (conf->serve_rendezvous)
		fprintf(f, "serve = rendezvous\n");
	if (conf->rendezvous != NULL)
		fprintf(f, "rendezvous = %s\n", conf->rendezvous);
	if (conf->name != NULL)
		fprintf(f, "name = %s\n", conf->name);
	if (!conf->ui)
		fprintf(f, "ui = off\n");
	if (conf->ui_port != 0)
		fprintf(f, "ui_port = %d\n", conf->ui_port);
	if (fclose(f) == EOF) {
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}
