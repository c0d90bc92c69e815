/*
 * Fuzz target: tor's control-port replies, as torctl reads them.
 *
 * The first byte chooses how; the rest is what "tor" sends.
 *   bit 0 clear: the pure parser (torctl_parser_feed) and the line
 *	helpers on every reply (words, KEY=VALUE, QuotedString, the
 *	bootstrap and HS_DESC parsers), with unquote(quote(s)) == s.
 *   bit 0 set: a real torctl connection to a control port on a unix
 *	socket that answers with the input: PROTOCOLINFO, authentication,
 *	then the replies to the typed commands the target sends once
 *	ready (GETINFO, GETCONF, bootstrap phase, SETEVENTS, ADD_ONION,
 *	DEL_ONION, SIGNAL), and events in between. Bit 1 frees the
 *	connection inside the first command callback, bit 2 inside the
 *	first event callback, as torctl allows.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "torctl.h"
#include "fuzz.h"

#define SID	"kgzho6cfgqam2t4oeoulbhadg374aainuh5ewrqgxgrnfxqykfbxfyyd"

static const char *const kv_keys[] = {
	"PROGRESS", "TAG", "SUMMARY", "REASON", "METHODS", "COOKIEFILE",
	"Tor", "ServiceID", "SERVERHASH", "SERVERNONCE", "WARNING",
};

static struct event_base	*base;
static char			 sock_path[200], sock_addr[220];
static char			 cookie_path[200];
static int			 lfd = -1;

/* Checks on what a helper wrote: a NUL inside OUTLEN. */
static void
check_str(const char *s, size_t outlen)
{
	if (strnlen(s, outlen) == outlen)
		fuzz_die("a helper left its output unterminated");
}

static void
exercise_text(const char *text)
{
	struct torctl_bootstrap	 b;
	struct torctl_hs_desc	 d;
	char			 out[512], q[2 * 512 + 3], back[512];
	const char		*s;
	size_t			 i, used;

	for (i = 0; i < sizeof(kv_keys) / sizeof(kv_keys[0]); i++)
		if (torctl_kv_get(out, sizeof(out), text, kv_keys[i]) == 0)
			check_str(out, sizeof(out));
	if (torctl_kv_get(out, 4, text, "TAG") == 0)
		check_str(out, 4);
	for (i = 0; i < 6; i++)
		if (torctl_word(out, sizeof(out), text, i) == 0)
			check_str(out, sizeof(out));
	if (torctl_bootstrap_parse(&b, text) == 0) {
		if (b.percent < 0 || b.percent > 100)
			fuzz_die("bootstrap percent %d", b.percent);
		check_str(b.tag, sizeof(b.tag));
		check_str(b.summary, sizeof(b.summary));
		check_str(b.reason, sizeof(b.reason));
	}
	if (strncmp(text, "STATUS_CLIENT ", 14) == 0 &&
	    torctl_bootstrap_parse(&b, text + 14) == 0)
		check_str(b.summary, sizeof(b.summary));
	if (torctl_hs_desc_parse(&d, text) == 0) {
		check_str(d.service_id, sizeof(d.service_id));
		check_str(d.hsdir, sizeof(d.hsdir));
		check_str(d.reason, sizeof(d.reason));
	}
	if ((s = strchr(text, '"')) != NULL &&
	    torctl_unquote(out, sizeof(out), &used, s) == 0) {
		check_str(out, sizeof(out));
		if (used < 2 || used > strlen(s))
			fuzz_die("unquote consumed %zu of %zu", used,
			    strlen(s));
	}
	(void)torctl_arg_ok(text);
	/* Quoting round-trips. */
	if (strlen(text) < sizeof(back) &&
	    torctl_quote(q, sizeof(q), text) == 0) {
		if (torctl_unquote(back, sizeof(back), &used, q) == -1 ||
		    strcmp(back, text) != 0 || used != strlen(q))
			fuzz_die("unquote(quote(s)) != s");
	}
}

static void
exercise_reply(const struct torctl_reply *r)
{
	char	err[TORCTL_ERROR_MAX];
	size_t	i;

	if (r->nlines == 0 || r->lines[r->nlines - 1].sep != ' ' ||
	    r->code < 200 || r->code > 699)
		fuzz_die("an incomplete reply was handed over");
	torctl_reply_error(err, sizeof(err), r);
	check_str(err, sizeof(err));
	for (i = 0; i < r->nlines; i++) {
		exercise_text(r->lines[i].text);
		if (r->lines[i].sep == '+' && r->lines[i].data == NULL)
			fuzz_die("a data line without its data");
		if (r->lines[i].data != NULL &&
		    strlen(r->lines[i].data) != r->lines[i].datalen)
			fuzz_die("data length %zu for %zu bytes",
			    r->lines[i].datalen, strlen(r->lines[i].data));
	}
}

static void
fuzz_parser(const uint8_t *data, size_t size)
{
	struct torctl_parser	 p;
	struct torctl_reply	*r;
	enum torctl_parse	 rv;
	size_t			 off = 0, used;

	torctl_parser_init(&p);
	while (off < size) {
		rv = torctl_parser_feed(&p, &used, (const char *)data + off,
		    size - off);
		if (used > size - off)
			fuzz_die("the parser used more than it was given");
		off += used;
		if (rv == TORCTL_PARSE_ERROR) {
			check_str(p.error, sizeof(p.error));
			break;
		}
		if (rv == TORCTL_PARSE_MORE)
			break;		/* the rest is a partial line */
		if ((r = torctl_parser_take(&p)) == NULL)
			fuzz_die("a complete reply that cannot be taken");
		exercise_reply(r);
		torctl_reply_free(r);
	}
	torctl_parser_clear(&p);
}

/*
 * The connection.
 */
struct conn_state {
	struct torctl	*ctl;
	int		 mode;
	int		 closed;	/* failed, closed or freed */
	int		 freed;
};

static void
maybe_free(struct conn_state *st, int bit)
{
	if ((st->mode & bit) && !st->freed) {
		torctl_free(st->ctl);
		st->freed = st->closed = 1;
	}
}

static void
log_cb(enum torctl_log_level level, const char *msg, void *arg)
{
	(void)strlen(msg);
}

static void
close_cb(struct torctl *ctl, const char *reason, void *arg)
{
	struct conn_state	*st = arg;

	(void)strlen(reason);
	st->closed = 1;
}

static void
done_cb(struct torctl *ctl, int status, const char *error, void *arg)
{
	if (status == -1)
		(void)strlen(error);
	maybe_free(arg, 2);
}

static void
kv_cb(struct torctl *ctl, int status, const char *error,
    const struct torctl_kv *kv, size_t nkv, void *arg)
{
	size_t	i;

	if (status == -1)
		(void)strlen(error);
	for (i = 0; i < nkv; i++) {
		if (kv[i].key == NULL)
			fuzz_die("a GETINFO entry without a key");
		(void)strlen(kv[i].key);
		if (kv[i].value != NULL)
			(void)strlen(kv[i].value);
	}
	maybe_free(arg, 2);
}

static void
bootstrap_cb(struct torctl *ctl, int status, const char *error,
    const struct torctl_bootstrap *b, void *arg)
{
	if (status == 0 && (b->percent < 0 || b->percent > 100))
		fuzz_die("bootstrap percent %d", b->percent);
	maybe_free(arg, 4);
}

static void
hs_desc_cb(struct torctl *ctl, const struct torctl_hs_desc *d, void *arg)
{
	check_str(d->service_id, sizeof(d->service_id));
	maybe_free(arg, 4);
}

static void
event_cb(struct torctl *ctl, const struct torctl_reply *r, void *arg)
{
	exercise_reply(r);
	maybe_free(arg, 4);
}

static void
onion_cb(struct torctl *ctl, int status, const char *error,
    const char *service_id, const char *private_key, void *arg)
{
	if (status == 0 && !torctl_service_id_ok(service_id))
		fuzz_die("ADD_ONION gave a bad service id");
	if (private_key != NULL && strncmp(private_key, "ED25519-V3:", 11))
		fuzz_die("ADD_ONION gave a bad key");
	maybe_free(arg, 2);
}

static void
ready_cb(struct torctl *ctl, int status, const char *error, void *arg)
{
	static const char *const info[] = {
		"version", "status/bootstrap-phase", "config-text",
	};
	static const char *const conf[] = { "SocksPort", "ControlPort" };
	struct conn_state		*st = arg;
	struct torctl_onion_port	 port = { 80, "unix:/nonexistent" };
	struct torctl_onion		 onion;
	int				 rc = 0;

	if (status == -1) {
		(void)strlen(error);
		st->closed = 1;
		return;
	}
	memset(&onion, 0, sizeof(onion));
	onion.ports = &port;
	onion.nports = 1;
	/* In the order tor answers them. */
	rc |= torctl_getinfo(ctl, info, 3, kv_cb, st);
	rc |= torctl_getconf(ctl, conf, 2, kv_cb, st);
	rc |= torctl_bootstrap_phase(ctl, bootstrap_cb, st);
	rc |= torctl_watch_bootstrap(ctl, bootstrap_cb, st);
	rc |= torctl_watch_hs_desc(ctl, hs_desc_cb, st);
	rc |= torctl_subscribe(ctl, "STREAM", event_cb, st);
	rc |= torctl_add_onion(ctl, &onion, onion_cb, st);
	rc |= torctl_del_onion(ctl, SID, done_cb, st);
	rc |= torctl_signal(ctl, "NEWNYM", done_cb, st);
	/* A callback may have freed it (bit 1), or the input closed it. */
	(void)rc;
}

static void
fuzz_conn(int mode, const uint8_t *data, size_t size)
{
	struct conn_state	 st;
	char			 junk[4096];
	size_t			 off = 0;
	ssize_t			 n;
	int			 sfd, idle = 0, turns;

	memset(&st, 0, sizeof(st));
	st.mode = mode;
	if ((st.ctl = torctl_new(base)) == NULL)
		fuzz_die("torctl_new");
	torctl_set_log_cb(st.ctl, log_cb, NULL);
	torctl_set_close_cb(st.ctl, close_cb, &st);
	if (torctl_set_cookie_file(st.ctl, cookie_path) == -1 ||
	    torctl_set_password(st.ctl, "fuzz password") == -1 ||
	    torctl_connect(st.ctl, sock_addr, ready_cb, &st) == -1)
		fuzz_die("cannot connect to the fuzz control port");
	if ((sfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC))
	    == -1)
		fuzz_die("accept: %s", strerror(errno));
	for (turns = 0; turns < 100000 && !st.closed; turns++) {
		if (off < size) {
			n = write(sfd, data + off, size - off);
			if (n > 0)
				off += (size_t)n;
			else if (n == -1 && errno != EAGAIN)
				off = size;
			if (off == size)
				shutdown(sfd, SHUT_WR);
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
		/* What torctl sends (commands) is read and dropped. */
		n = read(sfd, junk, sizeof(junk));
		if (n > 0)
			idle = 0;
		else if (off == size && ++idle > 8)
			break;
	}
	if (!st.freed)
		torctl_free(st.ctl);
	close(sfd);
	fuzz_loop_settle(base);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un	sun;
	uint8_t			cookie[TORCTL_COOKIE_BYTES];
	FILE			*f;

	if (sodium_init() < 0)
		fuzz_die("sodium_init");
	if ((base = event_base_new()) == NULL)
		fuzz_die("event_base_new");
	snprintf(sock_path, sizeof(sock_path), "%s/c.sock", fuzz_tmpdir());
	snprintf(sock_addr, sizeof(sock_addr), "unix:%s", sock_path);
	snprintf(cookie_path, sizeof(cookie_path), "%s/cookie",
	    fuzz_tmpdir());
	memset(cookie, 0x42, sizeof(cookie));
	if ((f = fopen(cookie_path, "wb")) == NULL ||
	    fwrite(cookie, 1, sizeof(cookie), f) != sizeof(cookie) ||
	    fclose(f) != 0)
		fuzz_die("cannot write %s", cookie_path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sock_path) >= sizeof(sun.sun_path))
		fuzz_die("socket path %s too long", sock_path);
	memcpy(sun.sun_path, sock_path, strlen(sock_path));
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 4) == -1)
		fuzz_die("cannot listen on %s: %s", sock_path,
		    strerror(errno));
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_conn(data[0], data + 1, size - 1);
	else
		fuzz_parser(data + 1, size - 1);
	return 0;
}
