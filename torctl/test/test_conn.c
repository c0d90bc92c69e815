/*
 * Tests of torctl's connection against a scripted control port, for what
 * a real tor cannot be made to do with its network off: HS_DESC UPLOADED
 * and FAILED events, broken replies (malformed, oversized, unsolicited),
 * a server hash that does not match, and the choice among COOKIE,
 * HASHEDPASSWORD and NULL authentication. Also runs torctl-probe's
 * --wait-published against it. Everything real tor can do is tested
 * against real tor in test_tor.c.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <sodium.h>

#include "torctl.h"

#define SID	"kgzho6cfgqam2t4oeoulbhadg374aainuh5ewrqgxgrnfxqykfbxfyyd"
#define RUN_TIMEOUT	20

/* Script tables leave "close" out when it is 0. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct step {
	const char	*command;	/* prefix of what we expect */
	const char	*answer;	/* bytes sent back; NULL: close */
	int		 close;		/* close after answering */
};

struct fx {
	struct event_base	*base;
	char			 dir[64];
	char			 sock[100];
	char			 addr[140];
	int			 lfd;
	int			 cfd;
	struct event		*ev_accept;
	struct event		*ev_client;
	const struct step	*script;
	size_t			 nscript;
	size_t			 next;
	char			 inbuf[65536];
	size_t			 inlen;
	char			 received[8192];	/* commands, one a line */

	struct torctl		*ctl;
	int			 ready;
	int			 ready_status;
	char			 ready_error[TORCTL_ERROR_MAX];
	int			 closed;
	char			 close_reason[TORCTL_ERROR_MAX];
	int			 done;
	int			 ndone;
	int			 status;
	char			 error[TORCTL_ERROR_MAX];
	struct torctl_hs_desc	 descs[8];
	int			 ndescs;
	int			 free_in_cb;
	int			 descs_ready;
	struct torctl_bootstrap	 bootstrap;
	int			 nbootstrap;
	int			 bootstrap_warned;
	int			 bootstrap_ready;
	int			 close_on_accept;
};

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

static void
run_until(struct fx *f, int *flag)
{
	struct timeval	 tv = { RUN_TIMEOUT, 0 };
	struct event	*ev;
	int		 timed_out = 0;

	ev = evtimer_new(f->base, timeout_cb, &timed_out);
	evtimer_add(ev, &tv);
	while (!*flag && !timed_out)
		event_base_loop(f->base, EVLOOP_ONCE);
	event_free(ev);
	if (timed_out)
		fail_msg("timed out; server received:\n%s", f->received);
}

static void
server_close(struct fx *f)
{
	if (f->ev_client != NULL)
		event_free(f->ev_client);
	f->ev_client = NULL;
	if (f->cfd != -1)
		close(f->cfd);
	f->cfd = -1;
}

static void
server_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx	*f = arg;
	const char	*a;
	char		*nl;
	ssize_t		 n;
	size_t		 len;

	n = read(fd, f->inbuf + f->inlen, sizeof(f->inbuf) - f->inlen - 1);
	if (n <= 0) {
		server_close(f);
		return;
	}
	f->inlen += (size_t)n;
	f->inbuf[f->inlen] = '\0';
	while ((nl = strstr(f->inbuf, "\r\n")) != NULL) {
		*nl = '\0';
		len = strlen(f->received);
		snprintf(f->received + len, sizeof(f->received) - len, "%s\n",
		    f->inbuf);
		if (f->next >= f->nscript ||
		    strncmp(f->inbuf, f->script[f->next].command,
		    strlen(f->script[f->next].command)) != 0)
			a = "510 Unrecognized command\r\n";
		else if (f->script[f->next].close) {
			a = f->script[f->next].answer;
			if (send(fd, a, strlen(a), MSG_NOSIGNAL) == -1)
				fprintf(stderr, "write: %s\n", strerror(errno));
			server_close(f);
			return;
		} else
			a = f->script[f->next++].answer;
		len = (size_t)(nl + 2 - f->inbuf);
		memmove(f->inbuf, f->inbuf + len, f->inlen - len + 1);
		f->inlen -= len;
		if (a == NULL) {
			server_close(f);
			return;
		}
		if (send(fd, a, strlen(a), MSG_NOSIGNAL) !=
		    (ssize_t)strlen(a)) {
			server_close(f);
			return;
		}
	}
}

static void
server_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx	*f = arg;
	int		 c;

	if ((c = accept(fd, NULL, NULL)) == -1)
		return;
	if (f->cfd != -1) {
		close(c);
		return;
	}
	if (f->close_on_accept) {
		close(c);
		return;
	}
	f->cfd = c;
	f->inlen = 0;
	f->ev_client = event_new(f->base, c, EV_READ | EV_PERSIST,
	    server_read_cb, f);
	event_add(f->ev_client, NULL);
}

static int
setup(void **state)
{
	struct fx		*f;
	struct sockaddr_un	 sun;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->cfd = -1;
	f->base = event_base_new();
	assert_non_null(f->base);
	snprintf(f->dir, sizeof(f->dir), "/tmp/torctl-conn.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/c.sock", f->dir);
	snprintf(f->addr, sizeof(f->addr), "unix:%s", f->sock);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd != -1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->sock);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	assert_int_equal(listen(f->lfd, 4), 0);
	f->ev_accept = event_new(f->base, f->lfd, EV_READ | EV_PERSIST,
	    server_accept_cb, f);
	event_add(f->ev_accept, NULL);
	f->ctl = torctl_new(f->base);
	assert_non_null(f->ctl);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	torctl_free(f->ctl);
	server_close(f);
	event_free(f->ev_accept);
	close(f->lfd);
	event_base_free(f->base);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
	free(f);
	return 0;
}

static void
ready_cb(struct torctl *ctl, int status, const char *error, void *arg)
{
	struct fx	*f = arg;

	f->ready = 1;
	f->ready_status = status;
	snprintf(f->ready_error, sizeof(f->ready_error), "%s",
	    error != NULL ? error : "");
}

static void
close_cb(struct torctl *ctl, const char *reason, void *arg)
{
	struct fx	*f = arg;

	f->closed = 1;
	snprintf(f->close_reason, sizeof(f->close_reason), "%s", reason);
}

static void
connect_with(struct fx *f, const struct step *script, size_t n)
{
	f->script = script;
	f->nscript = n;
	f->next = 0;
	torctl_set_close_cb(f->ctl, close_cb, f);
	assert_int_equal(torctl_connect(f->ctl, f->addr, ready_cb, f), 0);
	run_until(f, &f->ready);
}

static void
kv_cb(struct torctl *ctl, int status, const char *error,
    const struct torctl_kv *kv, size_t nkv, void *arg)
{
	struct fx	*f = arg;

	f->done = 1;
	f->ndone++;
	f->status = status;
	snprintf(f->error, sizeof(f->error), "%s", error != NULL ? error : "");
	if (f->free_in_cb) {
		f->free_in_cb = 0;
		torctl_free(ctl);
		f->ctl = NULL;
	}
}

static void
onion_cb(struct torctl *ctl, int status, const char *error,
    const char *service_id, const char *private_key, void *arg)
{
	struct fx	*f = arg;

	f->done = 1;
	f->status = status;
	snprintf(f->error, sizeof(f->error), "%s", error != NULL ? error : "");
}

static void
hs_desc_cb(struct torctl *ctl, const struct torctl_hs_desc *d, void *arg)
{
	struct fx	*f = arg;

	if (f->ndescs < 8)
		f->descs[f->ndescs++] = *d;
	f->descs_ready = f->ndescs >= 3;
}

#define PI_NULL	"250-PROTOCOLINFO 1\r\n250-AUTH METHODS=NULL\r\n" \
		"250-VERSION Tor=\"0.4.9.11\"\r\n250 OK\r\n"
#define NULL_AUTH { "PROTOCOLINFO 1", PI_NULL }, { "AUTHENTICATE", "250 OK\r\n" }

static void
getinfo_version(struct fx *f)
{
	static const char *const keys[] = { "version" };

	f->done = 0;
	assert_int_equal(torctl_getinfo(f->ctl, keys, 1, kv_cb, f), 0);
}

static void
hs_desc_events(void **state)
{
	static const struct step script[] = {
		NULL_AUTH,
		{ "SETEVENTS HS_DESC", "250 OK\r\n" },
		/* Events come before and after the reply. */
		{ "ADD_ONION NEW:ED25519-V3 Flags=DiscardPK Port=80,unix:/x",
		    "650 HS_DESC UPLOAD " SID " UNKNOWN $AAAA descid "
		    "HSDIR_INDEX=0\r\n"
		    "250-ServiceID=" SID "\r\n250 OK\r\n"
		    "650 HS_DESC FAILED " SID " NO_AUTH $BBBB descid "
		    "REASON=UPLOAD_REJECTED\r\n"
		    "650 HS_DESC UPLOADED " SID " UNKNOWN $CCCC\r\n" },
	};
	struct fx			*f = *state;
	struct torctl_onion_port	 port = { 80, "unix:/x" };
	struct torctl_onion		 o;

	connect_with(f, script, 4);
	assert_int_equal(f->ready_status, 0);
	assert_string_equal(torctl_version(f->ctl), "0.4.9.11");
	assert_int_equal(torctl_watch_hs_desc(f->ctl, hs_desc_cb, f), 0);
	memset(&o, 0, sizeof(o));
	o.ports = &port;
	o.nports = 1;
	o.flags = TORCTL_ONION_DISCARD_PK;
	f->done = 0;
	assert_int_equal(torctl_add_onion(f->ctl, &o, onion_cb, f), 0);
	run_until(f, &f->done);
	assert_int_equal(f->status, 0);
	run_until(f, &f->descs_ready);
	assert_int_equal(f->ndescs, 3);
	assert_int_equal(f->descs[0].action, TORCTL_HS_DESC_UPLOAD);
	assert_int_equal(f->descs[1].action, TORCTL_HS_DESC_FAILED);
	assert_string_equal(f->descs[1].reason, "UPLOAD_REJECTED");
	assert_int_equal(f->descs[2].action, TORCTL_HS_DESC_UPLOADED);
	assert_string_equal(f->descs[2].service_id, SID);
	assert_string_equal(f->descs[2].hsdir, "$CCCC");
	assert_false(f->closed);
}

static void
bootstrap_cb(struct torctl *ctl, int status, const char *error,
    const struct torctl_bootstrap *b, void *arg)
{
	struct fx	*f = arg;

	assert_int_equal(status, 0);
	f->bootstrap = *b;
	f->nbootstrap++;
	if (b->warning && strcmp(b->reason, "NOROUTE") == 0 &&
	    b->percent == 50)
		f->bootstrap_warned = 1;
	f->bootstrap_ready = b->percent == 100;
}

static void
bootstrap_events(void **state)
{
	static const struct step script[] = {
		NULL_AUTH,
		{ "SETEVENTS STATUS_CLIENT", "250 OK\r\n"
		    "650 STATUS_CLIENT NOTICE CIRCUIT_ESTABLISHED\r\n"
		    "650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=50 "
		    "TAG=loading_descriptors SUMMARY=\"Loading relay "
		    "descriptors\"\r\n"
		    "650 STATUS_CLIENT WARN BOOTSTRAP PROGRESS=50 "
		    "TAG=loading_descriptors SUMMARY=\"Loading relay "
		    "descriptors\" WARNING=\"No route to host\" "
		    "REASON=NOROUTE COUNT=1 RECOMMENDATION=ignore\r\n"
		    "650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=100 TAG=done "
		    "SUMMARY=\"Done\"\r\n" },
	};
	struct fx	*f = *state;

	connect_with(f, script, 3);
	assert_int_equal(torctl_watch_bootstrap(f->ctl, bootstrap_cb, f), 0);
	f->nbootstrap = 0;
	run_until(f, &f->bootstrap_ready);
	/* CIRCUIT_ESTABLISHED is not a bootstrap event. */
	assert_int_equal(f->nbootstrap, 3);
	assert_true(f->bootstrap_warned);
	assert_int_equal(f->bootstrap.percent, 100);
	assert_string_equal(f->bootstrap.tag, "done");
	assert_string_equal(f->bootstrap.summary, "Done");
}

static void
broken_reply(struct fx *f, const char *answer, int close, int want_status,
    const char *want)
{
	struct step	script[] = {
		NULL_AUTH,
		{ "GETINFO version", answer, close },
	};

	connect_with(f, script, 3);
	assert_int_equal(f->ready_status, 0);
	getinfo_version(f);
	run_until(f, &f->done);
	/* The command gets its answer or fails; the connection closes. */
	assert_int_equal(f->status, want_status);
	run_until(f, &f->closed);
	if (strstr(f->close_reason, want) == NULL)
		fail_msg("close reason '%s' lacks '%s'", f->close_reason,
		    want);
	assert_false(torctl_is_ready(f->ctl));
	assert_int_equal(torctl_getinfo(f->ctl,
	    (const char *const[]){ "version" }, 1, kv_cb, f), -1);
}

static void
malformed_reply(void **state)
{
	broken_reply(*state, "garbage\r\n", 0, -1, "malformed reply from tor: "
	    "malformed reply line (no status code)");
}

static void
oversized_reply(void **state)
{
	static char	big[TORCTL_LINE_MAX + 100];

	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "250-", 4);
	broken_reply(*state, big, 0, -1, "longer than");
}

static void
unsolicited_reply(void **state)
{
	broken_reply(*state, "250 OK\r\n250 OK\r\n", 0, 0, "to no command");
}

static void
closed_mid_reply(void **state)
{
	broken_reply(*state, "250-version=1\r\n", 1, -1,
	    "closed the control");
}

/* A peer gone before we write: an error, never SIGPIPE (which this
 * program does not ignore). */
static void
peer_gone(void **state)
{
	struct fx	*f = *state;
	int		 i;

	f->close_on_accept = 1;
	for (i = 0; i < 20; i++) {
		f->ready = 0;
		connect_with(f, NULL, 0);
		assert_int_equal(f->ready_status, -1);
		assert_true(strstr(f->ready_error, "closed") != NULL ||
		    strstr(f->ready_error, "Broken pipe") != NULL ||
		    strstr(f->ready_error, "reset") != NULL);
	}
}

static void
free_in_callback(void **state)
{
	static const struct step script[] = {
		NULL_AUTH,
		{ "GETINFO version", "250-version=1\r\n250 OK\r\n" },
		{ "GETINFO version", "250-version=1\r\n250 OK\r\n" },
	};
	struct fx	*f = *state;

	connect_with(f, script, 4);
	getinfo_version(f);
	getinfo_version(f);
	f->free_in_cb = 1;
	f->ndone = 0;
	run_until(f, &f->done);
	/* The second command was failed by torctl_free() from within the
	 * first's callback. */
	assert_null(f->ctl);
	assert_int_equal(f->ndone, 2);
	assert_int_equal(f->status, -1);
}

static void
password_auth(void **state)
{
	static const struct step script[] = {
		{ "PROTOCOLINFO 1", "250-PROTOCOLINFO 1\r\n"
		    "250-AUTH METHODS=HASHEDPASSWORD\r\n250 OK\r\n" },
		{ "AUTHENTICATE \"pa\\\"ss\\\\\"", "250 OK\r\n" },
	};
	struct fx	*f = *state;

	assert_int_equal(torctl_set_password(f->ctl, "bad\r\npass"), -1);
	assert_int_equal(torctl_set_password(f->ctl, "pa\"ss\\"), 0);
	connect_with(f, script, 2);
	if (f->ready_status != 0)
		fail_msg("%s; server got:\n%s", f->ready_error, f->received);
}

static void
password_missing(void **state)
{
	static const struct step script[] = {
		{ "PROTOCOLINFO 1", "250-PROTOCOLINFO 1\r\n"
		    "250-AUTH METHODS=HASHEDPASSWORD\r\n250 OK\r\n" },
	};
	struct fx	*f = *state;

	connect_with(f, script, 1);
	assert_int_equal(f->ready_status, -1);
	assert_non_null(strstr(f->ready_error, "wants a control password"));
}

static void
write_cookie(struct fx *f, char *path, size_t pathlen, uint8_t *cookie)
{
	int	fd;

	snprintf(path, pathlen, "%s/cookie", f->dir);
	randombytes_buf(cookie, TORCTL_COOKIE_BYTES);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, cookie, TORCTL_COOKIE_BYTES),
	    TORCTL_COOKIE_BYTES);
	close(fd);
}

static void
cookie_auth(void **state)
{
	struct fx	*f = *state;
	uint8_t		 cookie[TORCTL_COOKIE_BYTES];
	char		 path[128], pi[512], auth[128];
	struct step	 script[2];

	memset(script, 0, sizeof(script));
	write_cookie(f, path, sizeof(path), cookie);
	snprintf(pi, sizeof(pi), "250-PROTOCOLINFO 1\r\n250-AUTH "
	    "METHODS=COOKIE,HASHEDPASSWORD COOKIEFILE=\"%s\"\r\n250 OK\r\n",
	    path);
	memcpy(auth, "AUTHENTICATE ", 13);
	sodium_bin2hex(auth + 13, sizeof(auth) - 13, cookie, sizeof(cookie));
	script[0].command = "PROTOCOLINFO 1";
	script[0].answer = pi;
	script[1].command = auth;
	script[1].answer = "250 OK\r\n";
	connect_with(f, script, 2);
	if (f->ready_status != 0)
		fail_msg("%s; server got:\n%s", f->ready_error, f->received);
}

static void
safecookie_wrong_server_hash(void **state)
{
	struct fx	*f = *state;
	uint8_t		 cookie[TORCTL_COOKIE_BYTES];
	char		 path[128], pi[512], ch[512];
	struct step	 script[2];

	memset(script, 0, sizeof(script));
	write_cookie(f, path, sizeof(path), cookie);
	snprintf(pi, sizeof(pi), "250-PROTOCOLINFO 1\r\n250-AUTH "
	    "METHODS=COOKIE,SAFECOOKIE COOKIEFILE=\"%s\"\r\n250 OK\r\n", path);
	snprintf(ch, sizeof(ch), "250 AUTHCHALLENGE SERVERHASH=%064d "
	    "SERVERNONCE=%064d\r\n", 0, 0);
	script[0].command = "PROTOCOLINFO 1";
	script[0].answer = pi;
	script[1].command = "AUTHCHALLENGE SAFECOOKIE ";
	script[1].answer = ch;
	connect_with(f, script, 2);
	assert_int_equal(f->ready_status, -1);
	assert_non_null(strstr(f->ready_error, "SAFECOOKIE hash does not "
	    "match"));
	/* We never revealed our hash. */
	assert_null(strstr(f->received, "AUTHENTICATE"));
}

/* Run torctl-probe add-onion --wait-published against the script. */
static int
run_probe(struct fx *f, char *out, size_t outlen)
{
	char		 probe[512], outpath[128];
	const char	*top = getenv("top_builddir");
	const char	*argv[] = { probe, "-u", f->sock, "add-onion",
	    "--wait-published", "2", "80", "127.0.0.1:9", NULL };
	posix_spawn_file_actions_t fa;
	pid_t		 pid;
	int		 status = -1, fd, exited = 0;
	ssize_t		 n;
	struct timeval	 tv = { 0, 20000 };
	struct event	*ev;

	snprintf(probe, sizeof(probe), "%s/torctl/torctl-probe",
	    top != NULL ? top : ".");
	snprintf(outpath, sizeof(outpath), "%s/out", f->dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, outpath,
	    O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	assert_int_equal(posix_spawn(&pid, probe, &fa, NULL,
	    (char *const *)argv, NULL), 0);
	posix_spawn_file_actions_destroy(&fa);
	/* Serve the probe until it exits. */
	ev = evtimer_new(f->base, timeout_cb, &exited);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		exited = 0;
		evtimer_add(ev, &tv);
		while (!exited)
			event_base_loop(f->base, EVLOOP_ONCE);
	}
	event_free(ev);
	fd = open(outpath, O_RDONLY);
	assert_true(fd != -1);
	n = read(fd, out, outlen - 1);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
probe_wait_published(void **state)
{
	static const struct step script[] = {
		NULL_AUTH,
		{ "SETEVENTS HS_DESC", "250 OK\r\n" },
		{ "ADD_ONION NEW:ED25519-V3 Flags=DiscardPK Port=80,127.0.0.1:9",
		    "250-ServiceID=" SID "\r\n250 OK\r\n"
		    "650 HS_DESC UPLOAD " SID " UNKNOWN $AAAA descid\r\n"
		    "650 HS_DESC UPLOADED abcdefghijklmnopqrstuvwxyzabcdefghij"
		    "klmnopqrstuvwxyzabcd UNKNOWN $AAAA\r\n"
		    "650 HS_DESC FAILED " SID " NO_AUTH $BBBB descid "
		    "REASON=UPLOAD_REJECTED\r\n"
		    "650 HS_DESC UPLOADED " SID " UNKNOWN $CCCC\r\n" },
	};
	struct fx	*f = *state;
	char		 out[1024];

	f->script = script;
	f->nscript = 4;
	assert_int_equal(run_probe(f, out, sizeof(out)), 0);
	assert_string_equal(out, SID ".onion\n");
}

static void
probe_failed_only(void **state)
{
	static const struct step script[] = {
		NULL_AUTH,
		{ "SETEVENTS HS_DESC", "250 OK\r\n" },
		{ "ADD_ONION NEW:ED25519-V3 Flags=DiscardPK Port=80,127.0.0.1:9",
		    "250-ServiceID=" SID "\r\n250 OK\r\n"
		    "650 HS_DESC FAILED " SID " NO_AUTH $BBBB descid "
		    "REASON=UPLOAD_REJECTED\r\n" },
	};
	struct fx	*f = *state;
	char		 out[1024];

	f->script = script;
	f->nscript = 4;
	assert_int_equal(run_probe(f, out, sizeof(out)), 1);
	assert_string_equal(out, "torctl-probe: descriptor upload failed "
	    "(last reason: UPLOAD_REJECTED) and none succeeded in time\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(hs_desc_events, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(bootstrap_events, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(malformed_reply, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(oversized_reply, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(unsolicited_reply, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(closed_mid_reply, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(peer_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(free_in_callback, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(password_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(password_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(cookie_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(safecookie_wrong_server_hash,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(probe_wait_published, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(probe_failed_only, setup,
		    teardown),
	};

	if (sodium_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
