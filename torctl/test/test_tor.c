/*
 * Integration tests of libtorctl against the real tor binary ($TOR), each
 * tor in its own 0700 directory under /tmp with DisableNetwork 1
 * throughout: launch, SAFECOOKIE, GETINFO (with a data block),
 * GETCONF/SETCONF/RESETCONF, SETEVENTS with a real event, SIGNAL,
 * ADD_ONION / DEL_ONION, ONION_CLIENT_AUTH_ADD/REMOVE, argument checks,
 * a tor that fails to start, tor's exit, and tor exiting when its owner is
 * killed with SIGKILL. Prints the latencies it measures.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <sodium.h>

#include "torctl.h"

#define RUN_TIMEOUT	30

struct fx {
	struct event_base	*base;
	char			 dir[64];
	const char		*tor_path;
	struct torctl_tor	*tor;
	struct torctl		*ctl;

	int			 ready;
	int			 ready_status;
	char			 ready_error[TORCTL_ERROR_MAX];
	int			 exited;
	char			 exit_why[TORCTL_ERROR_MAX];
	char			 exit_log[8192];
	int			 nbootstrap;
	struct torctl_bootstrap	 bootstrap;
	char			 logs[8192];

	int			 done;
	int			 status;
	char			 error[TORCTL_ERROR_MAX];
	char			 keys[8][64];
	char			 values[8][4096];
	int			 isnull[8];
	size_t			 nkv;
	char			 service_id[TORCTL_SERVICE_ID_MAX];
	char			*private_key;	/* sodium_malloc'd */
	int			 nevents;
	char			 event_text[1024];
};

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Run the loop until *FLAG is set; fail after RUN_TIMEOUT seconds. */
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
		fail_msg("timed out; torctl said:\n%s", f->logs);
}

static void
log_cb(enum torctl_log_level level, const char *msg, void *arg)
{
	struct fx	*f = arg;
	size_t		 len = strlen(f->logs);

	if (getenv("TORCTL_TEST_VERBOSE") != NULL)
		fprintf(stderr, "log %d: %s\n", level, msg);
	if (len + strlen(msg) + 2 < sizeof(f->logs)) {
		memcpy(f->logs + len, msg, strlen(msg));
		memcpy(f->logs + len + strlen(msg), "\n", 2);
	}
}

static void
ready_cb(struct torctl_tor *t, int status, const char *error, void *arg)
{
	struct fx	*f = arg;

	f->ready = 1;
	f->ready_status = status;
	snprintf(f->ready_error, sizeof(f->ready_error), "%s",
	    error != NULL ? error : "");
	f->ctl = status == 0 ? torctl_tor_control(t) : NULL;
}

static void
exit_cb(struct torctl_tor *t, const char *why, const char *last_log,
    void *arg)
{
	struct fx	*f = arg;

	f->exited = 1;
	f->ctl = NULL;
	snprintf(f->exit_why, sizeof(f->exit_why), "%s", why);
	snprintf(f->exit_log, sizeof(f->exit_log), "%s", last_log);
}

static void
bootstrap_cb(struct torctl_tor *t, const struct torctl_bootstrap *b,
    void *arg)
{
	struct fx	*f = arg;

	f->nbootstrap++;
	f->bootstrap = *b;
}

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->tor_path = getenv("TOR");
	if (f->tor_path == NULL || *f->tor_path == '\0' ||
	    access(f->tor_path, X_OK) == -1) {
		free(f);
		*state = NULL;
		return 0;
	}
	f->base = event_base_new();
	assert_non_null(f->base);
	snprintf(f->dir, sizeof(f->dir), "/tmp/torctl-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	if (f == NULL)
		return 0;
	torctl_tor_free(f->tor);
	if (f->private_key != NULL)
		sodium_free(f->private_key);
	event_base_free(f->base);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
	free(f);
	return 0;
}

static struct fx *
fx_get(void **state)
{
	if (*state == NULL)
		skip();
	return *state;
}

static void
launch_lines(struct fx *f, const char *const *lines, size_t nlines)
{
	struct torctl_tor_config	cfg;
	struct torctl_tor_callbacks	cb;

	memset(&cfg, 0, sizeof(cfg));
	cfg.tor_path = f->tor_path;
	cfg.dir = f->dir;
	cfg.socks_flags = "ExtendedErrors IsolateSOCKSAuth";
	cfg.torrc_lines = lines;
	cfg.ntorrc_lines = nlines;
	cfg.timeout_ms = 20000;
	memset(&cb, 0, sizeof(cb));
	cb.ready = ready_cb;
	cb.exit = exit_cb;
	cb.bootstrap = bootstrap_cb;
	cb.log = log_cb;
	cb.arg = f;
	f->ready = f->exited = f->nbootstrap = 0;
	f->tor = torctl_tor_launch(f->base, &cfg, &cb, NULL, 0);
	assert_non_null(f->tor);
	run_until(f, &f->ready);
}

static void
launch(struct fx *f)
{
	launch_lines(f, NULL, 0);
	if (f->ready_status != 0)
		fail_msg("launch failed: %s\n%s", f->ready_error, f->logs);
	assert_non_null(f->ctl);
}

static void
done_cb(struct torctl *ctl, int status, const char *error, void *arg)
{
	struct fx	*f = arg;

	f->done = 1;
	f->status = status;
	snprintf(f->error, sizeof(f->error), "%s", error != NULL ? error : "");
}

static void
kv_cb(struct torctl *ctl, int status, const char *error,
    const struct torctl_kv *kv, size_t nkv, void *arg)
{
	struct fx	*f = arg;
	size_t		 i;

	f->done = 1;
	f->status = status;
	snprintf(f->error, sizeof(f->error), "%s", error != NULL ? error : "");
	f->nkv = nkv;
	for (i = 0; i < nkv && i < 8; i++) {
		snprintf(f->keys[i], sizeof(f->keys[i]), "%s", kv[i].key);
		f->isnull[i] = kv[i].value == NULL;
		snprintf(f->values[i], sizeof(f->values[i]), "%s",
		    kv[i].value != NULL ? kv[i].value : "");
	}
}

static void
reply_cb(struct torctl *ctl, const struct torctl_reply *r, void *arg)
{
	struct fx	*f = arg;

	f->done = 1;
	f->status = r != NULL ? r->code : -1;
	snprintf(f->error, sizeof(f->error), "%s",
	    r != NULL && r->nlines > 0 ? r->lines[r->nlines - 1].text : "");
}

static void
onion_cb(struct torctl *ctl, int status, const char *error,
    const char *service_id, const char *private_key, void *arg)
{
	struct fx	*f = arg;

	f->done = 1;
	f->status = status;
	snprintf(f->error, sizeof(f->error), "%s", error != NULL ? error : "");
	f->service_id[0] = '\0';
	if (service_id != NULL)
		snprintf(f->service_id, sizeof(f->service_id), "%s",
		    service_id);
	if (f->private_key != NULL)
		sodium_free(f->private_key);
	f->private_key = NULL;
	if (private_key != NULL) {
		f->private_key = sodium_malloc(TORCTL_ONION_KEY_MAX);
		assert_non_null(f->private_key);
		snprintf(f->private_key, TORCTL_ONION_KEY_MAX, "%s",
		    private_key);
	}
}

static void
event_cb(struct torctl *ctl, const struct torctl_reply *r, void *arg)
{
	struct fx	*f = arg;
	size_t		 i, len;

	f->nevents++;
	f->event_text[0] = '\0';
	for (i = 0; i < r->nlines; i++) {
		len = strlen(f->event_text);
		snprintf(f->event_text + len, sizeof(f->event_text) - len,
		    "%s\n", r->lines[i].text);
	}
}

static void
getinfo1(struct fx *f, const char *key)
{
	const char	*keys[] = { key };

	f->done = 0;
	assert_int_equal(torctl_getinfo(f->ctl, keys, 1, kv_cb, f), 0);
	run_until(f, &f->done);
}

static void
getconf1(struct fx *f, const char *key)
{
	const char	*keys[] = { key };

	f->done = 0;
	assert_int_equal(torctl_getconf(f->ctl, keys, 1, kv_cb, f), 0);
	run_until(f, &f->done);
}

static void
launch_and_getinfo(void **state)
{
	struct fx	*f = fx_get(state);
	const char	*keys[] = { "version", "config-file", "config-text" };
	char		 torrc[128];
	struct stat	 st;

	launch(f);
	assert_true(torctl_is_ready(f->ctl));
	assert_true(torctl_tor_pid(f->tor) > 0);
	/* SAFECOOKIE was the method used. */
	assert_non_null(strstr(f->logs, "authenticating with SAFECOOKIE"));
	assert_true(torctl_version(f->ctl)[0] >= '0');
	/* Tor opens the SOCKS socket only once DisableNetwork is 0, which
	 * these tests never set: check its configuration instead. */
	assert_int_equal(stat(torctl_tor_socks_path(f->tor), &st), -1);
	assert_int_equal(stat(torctl_tor_control_path(f->tor), &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	getconf1(f, "SocksPort");
	assert_int_equal(f->status, 0);
	assert_non_null(strstr(f->values[0], "IsolateSOCKSAuth"));
	assert_non_null(strstr(f->values[0], "ExtendedErrors"));

	getinfo1(f, "version");
	assert_int_equal(f->status, 0);
	assert_int_equal(f->nkv, 1);
	assert_string_equal(f->keys[0], "version");
	assert_string_equal(f->values[0], torctl_version(f->ctl));

	/* Several keys, one of them answered with a data block. */
	f->done = 0;
	assert_int_equal(torctl_getinfo(f->ctl, keys, 3, kv_cb, f), 0);
	run_until(f, &f->done);
	assert_int_equal(f->status, 0);
	assert_int_equal(f->nkv, 3);
	snprintf(torrc, sizeof(torrc), "%s/torrc", f->dir);
	assert_string_equal(f->keys[1], "config-file");
	assert_string_equal(f->values[1], torrc);
	assert_string_equal(f->keys[2], "config-text");
	assert_non_null(strstr(f->values[2], "DisableNetwork 1\n"));
	assert_non_null(strstr(f->values[2], "CookieAuthentication 1\n"));

	getinfo1(f, "no-such-key");
	assert_int_equal(f->status, -1);
	assert_non_null(strstr(f->error, "552"));

	/* Bootstrap was reported from GETINFO status/bootstrap-phase. */
	run_until(f, &f->nbootstrap);
	assert_true(f->bootstrap.percent >= 0);
	assert_true(f->bootstrap.tag[0] != '\0');
	assert_true(f->bootstrap.summary[0] != '\0');
}

static void
conf_signal_events(void **state)
{
	struct fx		*f = fx_get(state);
	struct torctl_kv	 kv[2] = {
		{ "ContactInfo", "hello \"world\"" },
		{ "MaxCircuitDirtiness", "1234" },
	};
	struct torctl_kv	 bad = { "ContactInfo", "x\r\nSIGNAL HALT" };
	const char		*reset[] = { "ContactInfo", "MaxCircuitDirtiness" };

	launch(f);
	getconf1(f, "DisableNetwork");
	assert_int_equal(f->status, 0);
	assert_string_equal(f->values[0], "1");

	/* A real event between replies: CONF_CHANGED after SETCONF. */
	assert_int_equal(torctl_subscribe(f->ctl, "CONF_CHANGED", event_cb, f),
	    0);
	f->done = 0;
	assert_int_equal(torctl_setconf(f->ctl, kv, 2, done_cb, f), 0);
	run_until(f, &f->done);
	assert_int_equal(f->status, 0);
	run_until(f, &f->nevents);
	assert_non_null(strstr(f->event_text, "CONF_CHANGED"));
	assert_non_null(strstr(f->event_text, "MaxCircuitDirtiness=1234"));

	getconf1(f, "ContactInfo");
	assert_string_equal(f->values[0], "hello \"world\"");
	getconf1(f, "MaxCircuitDirtiness");
	assert_string_equal(f->values[0], "1234");

	f->done = 0;
	assert_int_equal(torctl_resetconf(f->ctl, reset, 2, done_cb, f), 0);
	run_until(f, &f->done);
	assert_int_equal(f->status, 0);
	getconf1(f, "ContactInfo");
	assert_true(f->isnull[0]);
	getconf1(f, "MaxCircuitDirtiness");
	assert_string_equal(f->values[0], "600");

	getconf1(f, "NoSuchOption");
	assert_int_equal(f->status, -1);
	assert_non_null(strstr(f->error, "552"));

	/* Injection attempts never reach tor. */
	assert_int_equal(torctl_setconf(f->ctl, &bad, 1, done_cb, f), -1);
	assert_int_equal(torctl_command(f->ctl, "GETINFO version\r\nSIGNAL "
	    "HALT", 0, reply_cb, f), -1);
	assert_int_equal(torctl_signal(f->ctl, "HALT\r\n", done_cb, f), -1);

	f->done = 0;
	assert_int_equal(torctl_signal(f->ctl, "NEWNYM", done_cb, f), 0);
	run_until(f, &f->done);
	assert_int_equal(f->status, 0);
	f->done = 0;
	assert_int_equal(torctl_signal(f->ctl, "BOGUS", done_cb, f), 0);
	run_until(f, &f->done);
	assert_int_equal(f->status, -1);
	assert_non_null(strstr(f->error, "552"));

	/* A raw command, and a bad SETEVENTS answered with an error. */
	f->done = 0;
	assert_int_equal(torctl_command(f->ctl, "SETEVENTS NO_SUCH_EVENT", 0,
	    reply_cb, f), 0);
	run_until(f, &f->done);
	assert_int_equal(f->status, 552);

	/* Unsubscribed: no more events. */
	assert_int_equal(torctl_unsubscribe(f->ctl, event_cb, f), 0);
	f->nevents = 0;
	f->done = 0;
	assert_int_equal(torctl_setconf(f->ctl, kv, 1, done_cb, f), 0);
	run_until(f, &f->done);
	getinfo1(f, "version");
	assert_int_equal(f->nevents, 0);

	/* The tor is still alive and still ours, its network off. */
	getconf1(f, "DisableNetwork");
	assert_string_equal(f->values[0], "1");
	assert_false(f->exited);
}

static void
base32(char *out, const uint8_t *in, size_t len)
{
	static const char	 alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned int		 acc = 0, bits = 0;
	size_t			 i, o = 0;

	for (i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

static void
add_onion(struct fx *f, const struct torctl_onion *o)
{
	f->done = 0;
	assert_int_equal(torctl_add_onion(f->ctl, o, onion_cb, f), 0);
	run_until(f, &f->done);
}

static void
onions(void **state)
{
	struct fx		*f = fx_get(state);
	struct torctl_onion_port port, bad_port;
	struct torctl_onion	 o, bad;
	char			 target[128], first[TORCTL_SERVICE_ID_MAX];
	char			 auth_pub[64];
	char			 auth_priv64[64];
	const char		*auth[] = { auth_pub };
	uint8_t			 pk[32], sk[32];
	double			 ms[10];
	size_t			 i;

	launch(f);
	snprintf(target, sizeof(target), "unix:%s/onion.sock", f->dir);
	port.virtport = 80;
	port.target = target;
	memset(&o, 0, sizeof(o));
	o.ports = &port;
	o.nports = 1;

	/* NEW, keeping the key. */
	add_onion(f, &o);
	assert_int_equal(f->status, 0);
	assert_true(torctl_service_id_ok(f->service_id));
	assert_non_null(f->private_key);
	assert_memory_equal(f->private_key, "ED25519-V3:", 11);
	/* The key never shows in our log. */
	assert_null(strstr(f->logs, f->private_key + 11));
	snprintf(first, sizeof(first), "%s", f->service_id);

	f->done = 0;
	assert_int_equal(torctl_del_onion(f->ctl, first, done_cb, f), 0);
	run_until(f, &f->done);
	assert_int_equal(f->status, 0);
	f->done = 0;
	assert_int_equal(torctl_del_onion(f->ctl, first, done_cb, f), 0);
	run_until(f, &f->done);
	assert_int_equal(f->status, -1);
	assert_non_null(strstr(f->error, "552"));

	/* The stored key gives the same address, and the command carrying
	 * it is not logged. */
	o.key = f->private_key;
	o.flags = TORCTL_ONION_DETACH;
	add_onion(f, &o);
	assert_int_equal(f->status, 0);
	assert_string_equal(f->service_id, first);
	assert_null(f->private_key);
	assert_non_null(strstr(f->logs, "command ADD_ONION [secret]"));
	f->done = 0;
	assert_int_equal(torctl_del_onion(f->ctl, first, done_cb, f), 0);
	run_until(f, &f->done);
	assert_int_equal(f->status, 0);

	/* Client authorization on the service side. */
	crypto_box_keypair(pk, sk);
	base32(auth_pub, pk, sizeof(pk));
	memset(&o, 0, sizeof(o));
	o.ports = &port;
	o.nports = 1;
	o.flags = TORCTL_ONION_DISCARD_PK | TORCTL_ONION_V3AUTH;
	o.client_auth_v3 = auth;
	o.nclient_auth_v3 = 1;
	add_onion(f, &o);
	assert_int_equal(f->status, 0);
	assert_null(f->private_key);
	snprintf(first, sizeof(first), "%s", f->service_id);

	/* And on the client side, for that service. */
	sodium_bin2base64(auth_priv64, sizeof(auth_priv64), sk, sizeof(sk),
	    sodium_base64_VARIANT_ORIGINAL);
	f->done = 0;
	assert_int_equal(torctl_onion_client_auth_add(f->ctl, first,
	    auth_priv64, "alice", 0, done_cb, f), 0);
	run_until(f, &f->done);
	if (f->status != 0)
		fail_msg("ONION_CLIENT_AUTH_ADD: %s", f->error);
	assert_null(strstr(f->logs, auth_priv64));
	f->done = 0;
	assert_int_equal(torctl_onion_client_auth_remove(f->ctl, first,
	    done_cb, f), 0);
	run_until(f, &f->done);
	assert_int_equal(f->status, 0);
	sodium_memzero(sk, sizeof(sk));

	/* Bad input is refused before it reaches tor. */
	bad = o;
	bad_port.virtport = 80;
	bad_port.target = "unix:/tmp/x y";
	bad.ports = &bad_port;
	assert_int_equal(torctl_add_onion(f->ctl, &bad, onion_cb, f), -1);
	bad_port.target = "127.0.0.1:80\r\nSIGNAL HALT";
	assert_int_equal(torctl_add_onion(f->ctl, &bad, onion_cb, f), -1);
	bad_port.virtport = 0;
	bad_port.target = NULL;
	assert_int_equal(torctl_add_onion(f->ctl, &bad, onion_cb, f), -1);
	bad = o;
	bad.key = "RSA1024:abc";
	assert_int_equal(torctl_add_onion(f->ctl, &bad, onion_cb, f), -1);
	bad.key = "ED25519-V3:ab c";
	assert_int_equal(torctl_add_onion(f->ctl, &bad, onion_cb, f), -1);
	assert_int_equal(torctl_del_onion(f->ctl, "abc", done_cb, f), -1);
	assert_int_equal(torctl_onion_client_auth_add(f->ctl, first,
	    "k\r\nSIGNAL HALT", NULL, 0, done_cb, f), -1);

	/* A key tor rejects comes back as tor's error. */
	bad = o;
	bad.key = "ED25519-V3:AAAA";
	add_onion(f, &bad);
	assert_int_equal(f->status, -1);
	assert_non_null(strstr(f->error, "5"));

	/* ADD_ONION round trip latency. */
	o.client_auth_v3 = NULL;
	o.nclient_auth_v3 = 0;
	o.flags = TORCTL_ONION_DISCARD_PK;
	for (i = 0; i < 10; i++) {
		double t0 = now_ms();

		add_onion(f, &o);
		ms[i] = now_ms() - t0;
		assert_int_equal(f->status, 0);
	}
	qsort(ms, 10, sizeof(ms[0]), cmp_double);
	fprintf(stderr, "latency: ADD_ONION round trip median %.2f ms "
	    "(min %.2f, max %.2f, n=10)\n", (ms[4] + ms[5]) / 2, ms[0], ms[9]);
}

static void
bad_config(void **state)
{
	struct fx		*f = fx_get(state);
	const char		*lines[] = { "BogusOption 1" };
	struct torctl_tor_config cfg;
	struct torctl_tor_callbacks cb;
	char			 err[TORCTL_ERROR_MAX];

	launch_lines(f, lines, 1);
	assert_int_equal(f->ready_status, -1);
	/* Tor's own words are in the error. */
	if (strstr(f->ready_error, "BogusOption") == NULL)
		fail_msg("error lacks tor's message: %s", f->ready_error);
	assert_non_null(strstr(f->ready_error, "exited with status 1"));
	assert_false(f->exited);
	torctl_tor_free(f->tor);
	f->tor = NULL;

	/* A torrc line with a line break is refused. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.tor_path = f->tor_path;
	cfg.dir = f->dir;
	lines[0] = "Log notice stdout\nDisableNetwork 0";
	cfg.torrc_lines = lines;
	cfg.ntorrc_lines = 1;
	memset(&cb, 0, sizeof(cb));
	cb.ready = ready_cb;
	cb.log = log_cb;
	cb.arg = f;
	f->logs[0] = '\0';
	assert_null(torctl_tor_launch(f->base, &cfg, &cb, err, sizeof(err)));
	assert_non_null(strstr(err, "line break"));
	assert_non_null(strstr(f->logs, "line break"));

	/* No tor binary. */
	cfg.ntorrc_lines = 0;
	cfg.tor_path = "/nonexistent/tor";
	assert_null(torctl_tor_launch(f->base, &cfg, &cb, err, sizeof(err)));
	assert_non_null(strstr(err, "tor not found at /nonexistent/tor"));

	/* A group-accessible directory. */
	cfg.tor_path = f->tor_path;
	assert_int_equal(chmod(f->dir, 0750), 0);
	assert_null(torctl_tor_launch(f->base, &cfg, &cb, err, sizeof(err)));
	assert_non_null(strstr(err, "mode 0700"));
	assert_int_equal(chmod(f->dir, 0700), 0);
}

static void
tor_exit_reported(void **state)
{
	struct fx	*f = fx_get(state);

	launch(f);
	assert_int_equal(kill(torctl_tor_pid(f->tor), SIGKILL), 0);
	run_until(f, &f->exited);
	assert_non_null(strstr(f->exit_why, "killed by signal 9"));
	assert_non_null(strstr(f->exit_log, "Opened Control listener"));
	assert_null(torctl_tor_control(f->tor));
	torctl_tor_free(f->tor);
	f->tor = NULL;

	/* Relaunch in the same directory, then stop cleanly. */
	launch(f);
	torctl_tor_stop(f->tor);
	run_until(f, &f->exited);
	assert_non_null(strstr(f->exit_why, "stopped"));
	/* Cleanly: tor exits 0 on losing its owner or on SIGTERM. */
	if (strstr(f->exit_why, "exited with status 0") == NULL)
		fail_msg("unclean stop: %s", f->exit_why);
}

/* The controller is killed with SIGKILL: its tor must exit on its own. */
static void
owner_killed(void **state)
{
	struct fx	*f = fx_get(state);
	pid_t		 owner, tor_pid = -1, rv;
	int		 pfd[2], status, i;

	/* Orphaned tor becomes our child, so that we can reap it. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	assert_int_equal(pipe(pfd), 0);
	if ((owner = fork()) == 0) {
		struct torctl_tor_config	cfg;
		struct torctl_tor_callbacks	cb;
		struct event_base		*base = event_base_new();

		/* No cmocka assertions here: this is another process. */
		close(pfd[0]);
		memset(&cfg, 0, sizeof(cfg));
		cfg.tor_path = f->tor_path;
		cfg.dir = f->dir;
		cfg.timeout_ms = 20000;
		memset(&cb, 0, sizeof(cb));
		cb.ready = ready_cb;
		cb.exit = exit_cb;
		cb.arg = f;
		f->ready = 0;
		if (base == NULL ||
		    (f->tor = torctl_tor_launch(base, &cfg, &cb, NULL, 0)) ==
		    NULL)
			_exit(1);
		while (!f->ready)
			event_base_loop(base, EVLOOP_ONCE);
		if (f->ready_status != 0)
			_exit(1);
		tor_pid = torctl_tor_pid(f->tor);
		if (write(pfd[1], &tor_pid, sizeof(tor_pid)) !=
		    sizeof(tor_pid))
			_exit(1);
		for (;;)
			pause();
	}
	assert_true(owner > 0);
	close(pfd[1]);
	if (read(pfd[0], &tor_pid, sizeof(tor_pid)) != sizeof(tor_pid)) {
		kill(owner, SIGKILL);
		waitpid(owner, NULL, 0);
		fail_msg("the owner could not launch tor");
	}
	close(pfd[0]);
	assert_int_equal(kill(tor_pid, 0), 0);
	assert_int_equal(kill(owner, SIGKILL), 0);
	assert_int_equal(waitpid(owner, NULL, 0), owner);
	for (i = 0; i < 100; i++) {
		rv = waitpid(tor_pid, &status, WNOHANG);
		if (rv == tor_pid)
			break;
		usleep(100 * 1000);
	}
	if (rv != tor_pid) {
		kill(tor_pid, SIGKILL);
		waitpid(tor_pid, NULL, 0);
		fail_msg("tor outlived its owner by 10 s");
	}
	fprintf(stderr, "tor exited %.1f s after its owner was killed\n",
	    i / 10.0);
	(void)prctl(PR_SET_CHILD_SUBREAPER, 0);
}

static void
launch_latency(void **state)
{
	struct fx	*f = fx_get(state);
	double		 ms[5], t0;
	size_t		 i;

	for (i = 0; i < 5; i++) {
		t0 = now_ms();
		launch(f);
		ms[i] = now_ms() - t0;
		torctl_tor_free(f->tor);
		f->tor = NULL;
	}
	qsort(ms, 5, sizeof(ms[0]), cmp_double);
	fprintf(stderr, "latency: launch -> authenticated and owned median "
	    "%.1f ms (min %.1f, max %.1f, n=5)\n", ms[2], ms[0], ms[4]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(launch_and_getinfo, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(conf_signal_events, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(onions, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_config, setup, teardown),
		cmocka_unit_test_setup_teardown(tor_exit_reported, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(owner_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(launch_latency, setup,
		    teardown),
	};

	if (sodium_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
