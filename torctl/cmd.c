/*
 * Typed commands over torctl_command(): each validates what it puts on
 * the wire (no CR/LF, no spaces or quotes in bare arguments) and turns
 * tor's reply into typed values.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "torctl.h"
#include "torctl-int.h"

#define CMD_LINE_MAX	8192U

struct cmd_ctx {
	union {
		torctl_done_cb		*done;
		torctl_kv_cb		*kv;
		torctl_onion_cb		*onion;
		torctl_bootstrap_cb	*bootstrap;
		torctl_hs_desc_cb	*hs_desc;
	} cb;
	void	*arg;
};

static struct cmd_ctx *
ctx_new(void *arg)
{
	struct cmd_ctx	*c;

	if ((c = calloc(1, sizeof(*c))) != NULL)
		c->arg = arg;
	return c;
}

/* Append S to LINE (of CMD_LINE_MAX bytes); -1 when it does not fit. */
static int
cat(char *line, const char *s)
{
	return torctl_strlcat(line, s, CMD_LINE_MAX) >= CMD_LINE_MAX ? -1 : 0;
}

static int
bad_arg(struct torctl *ctl, const char *what)
{
	snprintf(ctl->error, sizeof(ctl->error), "invalid %s", what);
	torctl_log(ctl, TORCTL_LOG_WARN, "tor control: invalid %s", what);
	return -1;
}

/* Send LINE with CTX as the argument of FN; frees CTX on failure. */
static int
send_ctx(struct torctl *ctl, const char *line, int flags,
    torctl_reply_cb *fn, struct cmd_ctx *c)
{
	if (c == NULL)
		return -1;
	if (torctl_command(ctl, line, flags, fn, c) == -1) {
		free(c);
		return -1;
	}
	return 0;
}

/* Status and error text of a reply, or of a closed connection. */
static int
reply_status(struct torctl *ctl, const struct torctl_reply *r, char *err,
    size_t errlen)
{
	if (r == NULL) {
		snprintf(err, errlen, "%s", ctl->error[0] != '\0' ?
		    ctl->error : "connection closed");
		return -1;
	}
	if (r->code / 100 != 2) {
		torctl_reply_error(err, errlen, r);
		return -1;
	}
	err[0] = '\0';
	return 0;
}

static void
done_cb(struct torctl *ctl, const struct torctl_reply *r, void *arg)
{
	struct cmd_ctx	*c = arg;
	char		 err[TORCTL_ERROR_MAX];
	int		 status;

	status = reply_status(ctl, r, err, sizeof(err));
	if (c->cb.done != NULL)
		c->cb.done(ctl, status, status == 0 ? NULL : err, c->arg);
	free(c);
}

static int
send_done(struct torctl *ctl, const char *line, int flags, torctl_done_cb *cb,
    void *arg)
{
	struct cmd_ctx	*c = ctx_new(arg);

	if (c != NULL)
		c->cb.done = cb;
	return send_ctx(ctl, line, flags, done_cb, c);
}

static void
kv_cb(struct torctl *ctl, const struct torctl_reply *r, void *arg)
{
	struct cmd_ctx		*c = arg;
	struct torctl_kv	*kv = NULL;
	char			 err[TORCTL_ERROR_MAX], *eq;
	size_t			 i, n = 0;
	int			 status;

	status = reply_status(ctl, r, err, sizeof(err));
	if (status == 0 && (kv = calloc(r->nlines, sizeof(*kv))) == NULL) {
		status = -1;
		snprintf(err, sizeof(err), "out of memory");
	}
	for (i = 0; status == 0 && i < r->nlines; i++) {
		struct torctl_line *l = &r->lines[i];

		if (i == r->nlines - 1 && strcmp(l->text, "OK") == 0)
			break;
		/* The reply is ours until the callback returns. */
		kv[n].key = l->text;
		kv[n].value = NULL;
		if ((eq = strchr(l->text, '=')) != NULL) {
			*eq = '\0';
			kv[n].value = l->sep == '+' && l->data != NULL ?
			    l->data : eq + 1;
		}
		n++;
	}
	if (c->cb.kv != NULL)
		c->cb.kv(ctl, status, status == 0 ? NULL : err, kv, n, c->arg);
	/* Put the '=' back so that torctl_reply_free() wipes every byte. */
	for (i = 0; i < n; i++)
		if (kv[i].value != NULL)
			((char *)kv[i].key)[strlen(kv[i].key)] = '=';
	free(kv);
	free(c);
}

static int
send_keys(struct torctl *ctl, const char *verb, const char *const *keys,
    size_t nkeys, torctl_reply_cb *fn, struct cmd_ctx *c)
{
	char	line[CMD_LINE_MAX];
	size_t	i;

	if (c == NULL)
		return -1;
	if (nkeys == 0) {
		free(c);
		return bad_arg(ctl, "empty key list");
	}
	torctl_strlcpy(line, verb, sizeof(line));
	for (i = 0; i < nkeys; i++) {
		if (!torctl_arg_ok(keys[i]) || strchr(keys[i], '=') != NULL) {
			free(c);
			return bad_arg(ctl, "key");
		}
		if (cat(line, " ") == -1 || cat(line, keys[i]) == -1) {
			free(c);
			return bad_arg(ctl, "key list (too long)");
		}
	}
	return send_ctx(ctl, line, 0, fn, c);
}

int
torctl_getinfo(struct torctl *ctl, const char *const *keys, size_t nkeys,
    torctl_kv_cb *cb, void *arg)
{
	struct cmd_ctx	*c = ctx_new(arg);

	if (c != NULL)
		c->cb.kv = cb;
	return send_keys(ctl, "GETINFO", keys, nkeys, kv_cb, c);
}

int
torctl_getconf(struct torctl *ctl, const char *const *keys, size_t nkeys,
    torctl_kv_cb *cb, void *arg)
{
	struct cmd_ctx	*c = ctx_new(arg);

	if (c != NULL)
		c->cb.kv = cb;
	return send_keys(ctl, "GETCONF", keys, nkeys, kv_cb, c);
}

int
torctl_resetconf(struct torctl *ctl, const char *const *keys, size_t nkeys,
    torctl_done_cb *cb, void *arg)
{
	struct cmd_ctx	*c = ctx_new(arg);

	if (c != NULL)
		c->cb.done = cb;
	return send_keys(ctl, "RESETCONF", keys, nkeys, done_cb, c);
}

int
torctl_setconf(struct torctl *ctl, const struct torctl_kv *kv, size_t nkv,
    torctl_done_cb *cb, void *arg)
{
	char	line[CMD_LINE_MAX], q[CMD_LINE_MAX];
	size_t	i;

	if (nkv == 0)
		return bad_arg(ctl, "empty SETCONF");
	torctl_strlcpy(line, "SETCONF", sizeof(line));
	for (i = 0; i < nkv; i++) {
		if (!torctl_arg_ok(kv[i].key) || strchr(kv[i].key, '=') != NULL)
			return bad_arg(ctl, "configuration key");
		if (cat(line, " ") == -1 || cat(line, kv[i].key) == -1)
			return bad_arg(ctl, "SETCONF (too long)");
		if (kv[i].value == NULL)
			continue;
		if (torctl_quote(q, sizeof(q), kv[i].value) == -1)
			return bad_arg(ctl, "configuration value");
		if (cat(line, "=") == -1 || cat(line, q) == -1)
			return bad_arg(ctl, "SETCONF (too long)");
	}
	return send_done(ctl, line, 0, cb, arg);
}

int
torctl_signal(struct torctl *ctl, const char *name, torctl_done_cb *cb,
    void *arg)
{
	char	line[128];

	if (!torctl_arg_ok(name) || strlen(name) > 64)
		return bad_arg(ctl, "signal name");
	snprintf(line, sizeof(line), "SIGNAL %s", name);
	return send_done(ctl, line, 0, cb, arg);
}

int
torctl_takeownership(struct torctl *ctl, torctl_done_cb *cb, void *arg)
{
	return send_done(ctl, "TAKEOWNERSHIP", 0, cb, arg);
}

static void
bootstrap_phase_cb(struct torctl *ctl, int status, const char *error,
    const struct torctl_kv *kv, size_t nkv, void *arg)
{
	struct cmd_ctx		*c = arg;
	struct torctl_bootstrap	 b;

	memset(&b, 0, sizeof(b));
	if (status == 0 && (nkv != 1 || kv[0].value == NULL ||
	    torctl_bootstrap_parse(&b, kv[0].value) == -1)) {
		status = -1;
		error = "malformed status/bootstrap-phase from tor";
	}
	c->cb.bootstrap(ctl, status, error, status == 0 ? &b : NULL, c->arg);
	free(c);
}

int
torctl_bootstrap_phase(struct torctl *ctl, torctl_bootstrap_cb *cb,
    void *arg)
{
	static const char *const keys[] = { "status/bootstrap-phase" };
	struct cmd_ctx		*c;

	if ((c = ctx_new(arg)) == NULL)
		return -1;
	c->cb.bootstrap = cb;
	if (torctl_getinfo(ctl, keys, 1, bootstrap_phase_cb, c) == -1) {
		free(c);
		return -1;
	}
	return 0;
}

static void
bootstrap_event_cb(struct torctl *ctl, const struct torctl_reply *r,
    void *arg)
{
	struct cmd_ctx		*c = arg;
	struct torctl_bootstrap	 b;
	const char		*t = r->lines[0].text;

	/* "STATUS_CLIENT NOTICE BOOTSTRAP ..." */
	if (strncmp(t, "STATUS_CLIENT ", 14) != 0 ||
	    torctl_bootstrap_parse(&b, t + 14) == -1)
		return;
	c->cb.bootstrap(ctl, 0, NULL, &b, c->arg);
}

int
torctl_watch_bootstrap(struct torctl *ctl, torctl_bootstrap_cb *cb,
    void *arg)
{
	struct cmd_ctx	*c;

	if ((c = ctx_new(arg)) == NULL)
		return -1;
	c->cb.bootstrap = cb;
	if (torctl_subscribe_owned(ctl, "STATUS_CLIENT", bootstrap_event_cb,
	    c) == -1) {
		free(c);
		return -1;
	}
	return 0;
}

static void
hs_desc_event_cb(struct torctl *ctl, const struct torctl_reply *r, void *arg)
{
	struct cmd_ctx		*c = arg;
	struct torctl_hs_desc	 d;

	if (torctl_hs_desc_parse(&d, r->lines[0].text) == -1)
		return;
	c->cb.hs_desc(ctl, &d, c->arg);
}

int
torctl_watch_hs_desc(struct torctl *ctl, torctl_hs_desc_cb *cb, void *arg)
{
	struct cmd_ctx	*c;

	if ((c = ctx_new(arg)) == NULL)
		return -1;
	c->cb.hs_desc = cb;
	if (torctl_subscribe_owned(ctl, "HS_DESC", hs_desc_event_cb,
	    c) == -1) {
		free(c);
		return -1;
	}
	return 0;
}

static int
onion_key_ok(const char *key)
{
	const char	*s;

	if (strncmp(key, "ED25519-V3:", 11) != 0 || key[11] == '\0' ||
	    strlen(key) >= TORCTL_ONION_KEY_MAX)
		return 0;
	for (s = key + 11; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '+' || *s == '/' ||
		    *s == '='))
			return 0;
	return 1;
}

static void
add_onion_cb(struct torctl *ctl, const struct torctl_reply *r, void *arg)
{
	struct cmd_ctx	*c = arg;
	char		 err[TORCTL_ERROR_MAX];
	char		 sid[TORCTL_SERVICE_ID_MAX], *key = NULL;
	const char	*t;
	size_t		 i;
	int		 status;

	sid[0] = '\0';
	status = reply_status(ctl, r, err, sizeof(err));
	for (i = 0; status == 0 && i < r->nlines; i++) {
		t = r->lines[i].text;
		if (strncmp(t, "ServiceID=", 10) == 0)
			torctl_strlcpy(sid, t + 10, sizeof(sid));
		else if (strncmp(t, "PrivateKey=", 11) == 0 && key == NULL) {
			if (!onion_key_ok(t + 11) ||
			    (key = sodium_malloc(TORCTL_ONION_KEY_MAX)) ==
			    NULL) {
				status = -1;
				snprintf(err, sizeof(err), "tor returned a "
				    "private key we cannot hold");
				break;
			}
			torctl_strlcpy(key, t + 11, TORCTL_ONION_KEY_MAX);
		}
	}
	if (status == 0 && !torctl_service_id_ok(sid)) {
		status = -1;
		snprintf(err, sizeof(err), "ADD_ONION reply has no valid "
		    "ServiceID");
	}
	if (status == -1 && key != NULL) {
		sodium_free(key);
		key = NULL;
	}
	c->cb.onion(ctl, status, status == 0 ? NULL : err,
	    status == 0 ? sid : NULL, key, c->arg);
	if (key != NULL)
		sodium_free(key);
	free(c);
}

int
torctl_add_onion(struct torctl *ctl, const struct torctl_onion *o,
    torctl_onion_cb *cb, void *arg)
{
	char		*line;
	char		 num[32];
	const char	*sep = " Flags=";
	struct cmd_ctx	*c;
	size_t		 i;
	int		 rv = -1;

	if (o->nports == 0)
		return bad_arg(ctl, "ADD_ONION without a port");
	if (o->key != NULL && !onion_key_ok(o->key))
		return bad_arg(ctl, "onion private key");
	if ((line = sodium_malloc(CMD_LINE_MAX)) == NULL)
		return -1;
	torctl_strlcpy(line, "ADD_ONION ", CMD_LINE_MAX);
	if (cat(line, o->key != NULL ? o->key : "NEW:ED25519-V3") == -1)
		goto out;
	if (o->flags & TORCTL_ONION_DISCARD_PK) {
		(void)cat(line, sep);
		(void)cat(line, "DiscardPK");
		sep = ",";
	}
	if (o->flags & TORCTL_ONION_DETACH) {
		(void)cat(line, sep);
		(void)cat(line, "Detach");
		sep = ",";
	}
	if (o->flags & TORCTL_ONION_V3AUTH) {
		(void)cat(line, sep);
		(void)cat(line, "V3Auth");
		sep = ",";
	}
	if (o->flags & TORCTL_ONION_MAX_STREAMS_CLOSE) {
		(void)cat(line, sep);
		(void)cat(line, "MaxStreamsCloseCircuit");
	}
	if (o->max_streams > 0) {
		if (o->max_streams > 65535) {
			bad_arg(ctl, "MaxStreams");
			goto out;
		}
		snprintf(num, sizeof(num), " MaxStreams=%u", o->max_streams);
		(void)cat(line, num);
	}
	for (i = 0; i < o->nports; i++) {
		if (o->ports[i].virtport < 1 || o->ports[i].virtport > 65535) {
			bad_arg(ctl, "onion virtual port");
			goto out;
		}
		if (o->ports[i].target != NULL &&
		    !torctl_arg_ok(o->ports[i].target)) {
			bad_arg(ctl, "onion port target");
			goto out;
		}
		snprintf(num, sizeof(num), " Port=%u", o->ports[i].virtport);
		if (cat(line, num) == -1)
			goto toolong;
		if (o->ports[i].target != NULL && (cat(line, ",") == -1 ||
		    cat(line, o->ports[i].target) == -1))
			goto toolong;
	}
	for (i = 0; i < o->nclient_auth_v3; i++) {
		if (!torctl_arg_ok(o->client_auth_v3[i])) {
			bad_arg(ctl, "ClientAuthV3 key");
			goto out;
		}
		if (cat(line, " ClientAuthV3=") == -1 ||
		    cat(line, o->client_auth_v3[i]) == -1)
			goto toolong;
	}
	if ((c = ctx_new(arg)) == NULL)
		goto out;
	c->cb.onion = cb;
	rv = send_ctx(ctl, line, o->key != NULL ? TORCTL_CMD_SECRET : 0,
	    add_onion_cb, c);
	goto out;
toolong:
	bad_arg(ctl, "ADD_ONION (too long)");
out:
	sodium_free(line);
	return rv;
}

int
torctl_del_onion(struct torctl *ctl, const char *service_id,
    torctl_done_cb *cb, void *arg)
{
	char	line[128];

	if (!torctl_service_id_ok(service_id))
		return bad_arg(ctl, "onion service id");
	snprintf(line, sizeof(line), "DEL_ONION %s", service_id);
	return send_done(ctl, line, 0, cb, arg);
}

int
torctl_onion_client_auth_add(struct torctl *ctl, const char *service_id,
    const char *x25519_key_b64, const char *nickname, int flags,
    torctl_done_cb *cb, void *arg)
{
	char	*line;
	int	 rv = -1;

	if (!torctl_service_id_ok(service_id))
		return bad_arg(ctl, "onion service id");
	if (!torctl_arg_ok(x25519_key_b64) || strlen(x25519_key_b64) > 64)
		return bad_arg(ctl, "client authorization key");
	if (nickname != NULL && (!torctl_arg_ok(nickname) ||
	    strlen(nickname) > 16))
		return bad_arg(ctl, "client authorization nickname");
	if ((line = sodium_malloc(CMD_LINE_MAX)) == NULL)
		return -1;
	snprintf(line, CMD_LINE_MAX, "ONION_CLIENT_AUTH_ADD %s x25519:%s%s%s%s",
	    service_id, x25519_key_b64,
	    nickname != NULL ? " ClientName=" : "",
	    nickname != NULL ? nickname : "",
	    (flags & TORCTL_CLIENT_AUTH_PERMANENT) ? " Flags=Permanent" : "");
	rv = send_done(ctl, line, TORCTL_CMD_SECRET, cb, arg);
	sodium_free(line);
	return rv;
}

int
torctl_onion_client_auth_remove(struct torctl *ctl, const char *service_id,
    torctl_done_cb *cb, void *arg)
{
	char	line[128];

	if (!torctl_service_id_ok(service_id))
		return bad_arg(ctl, "onion service id");
	snprintf(line, sizeof(line), "ONION_CLIENT_AUTH_REMOVE %s",
	    service_id);
	return send_done(ctl, line, 0, cb, arg);
}
