/*
 * Authentication: PROTOCOLINFO, then the best method tor offers:
 * SAFECOOKIE (both sides prove knowledge of the cookie; we check tor's
 * hash in constant time before revealing ours), COOKIE, HASHEDPASSWORD,
 * or NULL.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "torctl.h"
#include "torctl-int.h"

#define AUTH_NULL		0x1
#define AUTH_HASHEDPASSWORD	0x2
#define AUTH_COOKIE		0x4
#define AUTH_SAFECOOKIE		0x8

static void	auth_protocolinfo_cb(struct torctl *,
		    const struct torctl_reply *, void *);

void
torctl_auth_start(struct torctl *ctl)
{
	if (torctl_command_internal(ctl, "PROTOCOLINFO 1", 0,
	    auth_protocolinfo_cb, NULL) == -1)
		torctl_fail(ctl, "cannot send PROTOCOLINFO");
}

static int
auth_methods(const char *list)
{
	char		 m[32];
	const char	*s = list, *e;
	int		 methods = 0;
	size_t		 len;

	while (*s != '\0') {
		e = strchr(s, ',');
		len = e != NULL ? (size_t)(e - s) : strlen(s);
		if (len < sizeof(m)) {
			memcpy(m, s, len);
			m[len] = '\0';
			if (strcmp(m, "NULL") == 0)
				methods |= AUTH_NULL;
			else if (strcmp(m, "HASHEDPASSWORD") == 0)
				methods |= AUTH_HASHEDPASSWORD;
			else if (strcmp(m, "COOKIE") == 0)
				methods |= AUTH_COOKIE;
			else if (strcmp(m, "SAFECOOKIE") == 0)
				methods |= AUTH_SAFECOOKIE;
		}
		s += len;
		if (*s == ',')
			s++;
	}
	return methods;
}

static int
auth_read_cookie(struct torctl *ctl, const char *path)
{
	struct stat	st;
	ssize_t		n;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(ctl->error, sizeof(ctl->error),
		    "cannot open tor's cookie file %.300s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size != TORCTL_COOKIE_BYTES) {
		snprintf(ctl->error, sizeof(ctl->error),
		    "tor's cookie file %.300s is not a %u-byte file", path,
		    TORCTL_COOKIE_BYTES);
		close(fd);
		return -1;
	}
	if (ctl->cookie == NULL &&
	    (ctl->cookie = sodium_malloc(TORCTL_COOKIE_BYTES)) == NULL) {
		close(fd);
		return -1;
	}
	n = read(fd, ctl->cookie, TORCTL_COOKIE_BYTES);
	close(fd);
	if (n != TORCTL_COOKIE_BYTES) {
		snprintf(ctl->error, sizeof(ctl->error),
		    "cannot read tor's cookie file %.300s", path);
		return -1;
	}
	return 0;
}

static void
auth_done_cb(struct torctl *ctl, const struct torctl_reply *r, void *arg)
{
	torctl_ready_cb	*cb = ctl->ready_cb;
	char		 err[TORCTL_ERROR_MAX];

	if (ctl->cookie != NULL)
		sodium_free(ctl->cookie);
	ctl->cookie = NULL;
	if (r == NULL)
		return;
	if (r->code != 250) {
		torctl_reply_error(err, sizeof(err), r);
		torctl_fail(ctl, "tor refused authentication: %s", err);
		return;
	}
	ctl->state = TORCTL_READY;
	ctl->ready_cb = NULL;
	torctl_log(ctl, TORCTL_LOG_INFO, "authenticated to tor %s",
	    ctl->version);
	if (cb != NULL)
		cb(ctl, 0, NULL, ctl->ready_arg);
}

/* Send "AUTHENTICATE <hex>" as a secret command. */
static int
auth_send_hex(struct torctl *ctl, const uint8_t *bin, size_t len)
{
	char	*line;
	size_t	 linelen = sizeof("AUTHENTICATE ") + 2 * len;
	int	 rv;

	if ((line = sodium_malloc(linelen)) == NULL)
		return -1;
	memcpy(line, "AUTHENTICATE ", 13);
	sodium_bin2hex(line + 13, linelen - 13, bin, len);
	rv = torctl_command_internal(ctl, line, TORCTL_CMD_SECRET,
	    auth_done_cb, NULL);
	sodium_free(line);
	return rv;
}

static void
auth_challenge_cb(struct torctl *ctl, const struct torctl_reply *r,
    void *arg)
{
	uint8_t	 server_hash[TORCTL_HASH_BYTES], want[TORCTL_HASH_BYTES];
	uint8_t	 client_hash[TORCTL_HASH_BYTES];
	uint8_t	 server_nonce[TORCTL_NONCE_BYTES];
	char	 hex[2 * TORCTL_HASH_BYTES + 1], err[TORCTL_ERROR_MAX];
	size_t	 binlen;
	int	 rv;

	if (r == NULL)
		return;
	if (r->code != 250) {
		torctl_reply_error(err, sizeof(err), r);
		torctl_fail(ctl, "AUTHCHALLENGE failed: %s", err);
		return;
	}
	if (torctl_kv_get(hex, sizeof(hex), r->lines[0].text,
	    "SERVERHASH") == -1 ||
	    sodium_hex2bin(server_hash, sizeof(server_hash), hex, strlen(hex),
	    NULL, &binlen, NULL) != 0 || binlen != sizeof(server_hash) ||
	    torctl_kv_get(hex, sizeof(hex), r->lines[0].text,
	    "SERVERNONCE") == -1 ||
	    sodium_hex2bin(server_nonce, sizeof(server_nonce), hex,
	    strlen(hex), NULL, &binlen, NULL) != 0 ||
	    binlen != sizeof(server_nonce)) {
		torctl_fail(ctl, "malformed AUTHCHALLENGE reply from tor");
		return;
	}
	torctl_safecookie_hashes(want, client_hash, ctl->cookie,
	    ctl->client_nonce, server_nonce);
	rv = sodium_memcmp(want, server_hash, sizeof(want));
	sodium_memzero(want, sizeof(want));
	if (rv != 0) {
		sodium_memzero(client_hash, sizeof(client_hash));
		torctl_fail(ctl, "tor's SAFECOOKIE hash does not match the "
		    "cookie: wrong cookie file, or not the tor we meant");
		return;
	}
	rv = auth_send_hex(ctl, client_hash, sizeof(client_hash));
	sodium_memzero(client_hash, sizeof(client_hash));
	if (rv == -1)
		torctl_fail(ctl, "cannot send AUTHENTICATE");
}

static void
auth_protocolinfo_cb(struct torctl *ctl, const struct torctl_reply *r,
    void *arg)
{
	char	 list[256], cookie_file[4096], line[32 + 2 * 1024];
	char	 err[TORCTL_ERROR_MAX], *quoted;
	size_t	 i, qlen;
	int	 methods = 0, have_cookie_file = 0, rv;

	if (r == NULL)
		return;
	if (r->code != 250) {
		torctl_reply_error(err, sizeof(err), r);
		torctl_fail(ctl, "PROTOCOLINFO failed: %s", err);
		return;
	}
	for (i = 0; i < r->nlines; i++) {
		const char *t = r->lines[i].text;

		if (strncmp(t, "AUTH ", 5) == 0) {
			if (torctl_kv_get(list, sizeof(list), t,
			    "METHODS") == 0)
				methods = auth_methods(list);
			if (torctl_kv_get(cookie_file, sizeof(cookie_file), t,
			    "COOKIEFILE") == 0)
				have_cookie_file = 1;
		} else if (strncmp(t, "VERSION ", 8) == 0) {
			if (torctl_kv_get(ctl->version, sizeof(ctl->version),
			    t, "Tor") == -1)
				ctl->version[0] = '\0';
		}
	}
	if (ctl->cookie_file != NULL) {
		torctl_strlcpy(cookie_file, ctl->cookie_file,
		    sizeof(cookie_file));
		have_cookie_file = 1;
	}

	if (methods & (AUTH_SAFECOOKIE | AUTH_COOKIE)) {
		if (!have_cookie_file) {
			torctl_fail(ctl, "tor wants cookie authentication but "
			    "names no cookie file");
			return;
		}
		if (auth_read_cookie(ctl, cookie_file) == -1) {
			torctl_strlcpy(err, ctl->error, sizeof(err));
			torctl_fail(ctl, "%s", err);
			return;
		}
	}
	if (methods & AUTH_SAFECOOKIE) {
		torctl_log(ctl, TORCTL_LOG_DEBUG, "authenticating with "
		    "SAFECOOKIE");
		randombytes_buf(ctl->client_nonce, sizeof(ctl->client_nonce));
		memcpy(line, "AUTHCHALLENGE SAFECOOKIE ", 25);
		sodium_bin2hex(line + 25, sizeof(line) - 25, ctl->client_nonce,
		    sizeof(ctl->client_nonce));
		rv = torctl_command_internal(ctl, line, 0, auth_challenge_cb,
		    NULL);
	} else if (methods & AUTH_COOKIE) {
		torctl_log(ctl, TORCTL_LOG_DEBUG, "authenticating with COOKIE");
		rv = auth_send_hex(ctl, ctl->cookie, TORCTL_COOKIE_BYTES);
	} else if ((methods & AUTH_HASHEDPASSWORD) && ctl->password != NULL) {
		torctl_log(ctl, TORCTL_LOG_DEBUG, "authenticating with "
		    "HASHEDPASSWORD");
		qlen = 2 * strlen(ctl->password) + 3;
		if ((quoted = sodium_malloc(qlen + 16)) == NULL) {
			torctl_fail(ctl, "out of memory");
			return;
		}
		memcpy(quoted, "AUTHENTICATE ", 13);
		if (torctl_quote(quoted + 13, qlen, ctl->password) == -1)
			rv = -1;
		else
			rv = torctl_command_internal(ctl, quoted,
			    TORCTL_CMD_SECRET, auth_done_cb, NULL);
		sodium_free(quoted);
	} else if (methods & AUTH_NULL) {
		torctl_log(ctl, TORCTL_LOG_DEBUG, "authenticating with NULL");
		rv = torctl_command_internal(ctl, "AUTHENTICATE", 0,
		    auth_done_cb, NULL);
	} else if (methods & AUTH_HASHEDPASSWORD) {
		torctl_fail(ctl, "tor wants a control password and none "
		    "was given");
		return;
	} else {
		torctl_fail(ctl, "tor offers no authentication method we "
		    "support");
		return;
	}
	if (rv == -1)
		torctl_fail(ctl, "cannot send the authentication command");
}
