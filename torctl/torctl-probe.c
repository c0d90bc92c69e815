/*
 * torctl-probe: connect to a tor control port and print its version,
 * its bootstrap state, or add an onion service. For tests and debugging;
 * not installed.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "torctl.h"

#define EX_USAGE_	64
#define PROBE_TIMEOUT	30	/* seconds, to get any answer */

static const char *usage_text =
    "usage: torctl-probe (-u CONTROL_SOCKET_PATH | -p HOST:PORT) "
    "[-c COOKIE_FILE] COMMAND\n"
    "  version\n"
    "  bootstrap\n"
    "  add-onion [--detach] [--wait-published SECONDS] VIRTPORT TARGET\n";

struct probe {
	struct event_base	*base;
	struct torctl		*ctl;
	struct event		*timer;
	const char		*command;
	int			 detach;
	int			 wait_seconds;
	unsigned int		 virtport;
	const char		*target;
	char			 service_id[TORCTL_SERVICE_ID_MAX];
	int			 added;
	int			 failures;
	char			 last_reason[64];
	int			 verbose;
	int			 rc;
	int			 done;	/* the outcome is decided */
};

static void
usage(void)
{
	fputs(usage_text, stderr);
	exit(EX_USAGE_);
}

static void
probe_done(struct probe *p, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
probe_done(struct probe *p, int rc, const char *fmt, ...)
{
	va_list	ap;

	/* Several events may arrive in one read: the first one decides. */
	if (p->done)
		return;
	p->done = 1;
	if (rc != 0) {
		fputs("torctl-probe: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	p->rc = rc;
	event_base_loopbreak(p->base);
}

static void
log_cb(enum torctl_log_level level, const char *msg, void *arg)
{
	struct probe	*p = arg;

	/* Errors reach the user through the callbacks, in one line. */
	if (p->verbose)
		fprintf(stderr, "torctl-probe: %s\n", msg);
}

static void
close_cb(struct torctl *ctl, const char *reason, void *arg)
{
	probe_done(arg, 1, "%s", reason);
}

static void
bootstrap_cb(struct torctl *ctl, int status, const char *error,
    const struct torctl_bootstrap *b, void *arg)
{
	struct probe	*p = arg;

	if (status == -1) {
		probe_done(p, 1, "%s", error);
		return;
	}
	printf("%d %s %s\n", b->percent, b->tag, b->summary);
	probe_done(p, 0, "%s", "");
}

static void
hs_desc_cb(struct torctl *ctl, const struct torctl_hs_desc *d, void *arg)
{
	struct probe	*p = arg;

	if (p->done || !p->added || strcmp(d->service_id, p->service_id) != 0)
		return;
	if (d->action == TORCTL_HS_DESC_UPLOADED) {
		printf("%s.onion\n", p->service_id);
		probe_done(p, 0, "%s", "");
	} else if (d->action == TORCTL_HS_DESC_FAILED) {
		p->failures++;
		snprintf(p->last_reason, sizeof(p->last_reason), "%s",
		    d->reason[0] != '\0' ? d->reason : "no reason given");
	}
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe	*p = arg;

	if (!p->added)
		probe_done(p, 1, "no answer from tor within %d seconds",
		    PROBE_TIMEOUT);
	else if (p->failures > 0)
		probe_done(p, 1, "descriptor upload failed (last reason: %s) "
		    "and none succeeded in time", p->last_reason);
	else
		probe_done(p, 1, "%s", "timed out waiting for the onion "
		    "descriptor to be published (HS_DESC UPLOADED)");
}

static void
onion_cb(struct torctl *ctl, int status, const char *error,
    const char *service_id, const char *private_key, void *arg)
{
	struct probe	*p = arg;
	struct timeval	 tv = { p->wait_seconds, 0 };

	if (status == -1) {
		probe_done(p, 1, "ADD_ONION failed: %s", error);
		return;
	}
	snprintf(p->service_id, sizeof(p->service_id), "%s", service_id);
	p->added = 1;
	if (p->wait_seconds < 0) {
		printf("%s.onion\n", service_id);
		probe_done(p, 0, "%s", "");
		return;
	}
	evtimer_add(p->timer, &tv);
}

static void
version_cb(struct torctl *ctl, int status, const char *error,
    const struct torctl_kv *kv, size_t nkv, void *arg)
{
	struct probe	*p = arg;

	if (status == -1 || nkv != 1 || kv[0].value == NULL) {
		probe_done(p, 1, "GETINFO version failed: %s",
		    error != NULL ? error : "malformed reply");
		return;
	}
	printf("%s\n", kv[0].value);
	probe_done(p, 0, "%s", "");
}

static void
ready_cb(struct torctl *ctl, int status, const char *error, void *arg)
{
	static const char *const version_key[] = { "version" };
	struct probe		*p = arg;
	struct torctl_onion_port port;
	struct torctl_onion	 o;
	int			 rv;

	if (status == -1) {
		probe_done(p, 1, "%s", error);
		return;
	}
	torctl_set_close_cb(ctl, close_cb, p);
	if (strcmp(p->command, "version") == 0)
		rv = torctl_getinfo(ctl, version_key, 1, version_cb, p);
	else if (strcmp(p->command, "bootstrap") == 0)
		rv = torctl_bootstrap_phase(ctl, bootstrap_cb, p);
	else {
		memset(&o, 0, sizeof(o));
		port.virtport = p->virtport;
		port.target = p->target;
		o.ports = &port;
		o.nports = 1;
		o.flags = TORCTL_ONION_DISCARD_PK |
		    (p->detach ? TORCTL_ONION_DETACH : 0);
		rv = 0;
		if (p->wait_seconds >= 0)
			rv = torctl_watch_hs_desc(ctl, hs_desc_cb, p);
		if (rv == 0)
			rv = torctl_add_onion(ctl, &o, onion_cb, p);
	}
	if (rv == -1)
		probe_done(p, 1, "%s", torctl_error(ctl));
}

static int
parse_num(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	struct probe	 p;
	struct timeval	 tv;
	char		 addr[4200];
	const char	*unix_path = NULL, *tcp = NULL, *cookie = NULL;
	long		 v;
	int		 ch, i;

	memset(&p, 0, sizeof(p));
	p.wait_seconds = -1;
	p.rc = 1;
	p.verbose = getenv("TORCTL_PROBE_VERBOSE") != NULL;
	while ((ch = getopt(argc, argv, "+u:p:c:")) != -1) {
		switch (ch) {
		case 'u':
			unix_path = optarg;
			break;
		case 'p':
			tcp = optarg;
			break;
		case 'c':
			cookie = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if ((unix_path == NULL) == (tcp == NULL) || argc < 1)
		usage();
	p.command = argv[0];
	if (strcmp(p.command, "version") == 0 ||
	    strcmp(p.command, "bootstrap") == 0) {
		if (argc != 1)
			usage();
	} else if (strcmp(p.command, "add-onion") == 0) {
		for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
			if (strcmp(argv[i], "--detach") == 0)
				p.detach = 1;
			else if (strcmp(argv[i], "--wait-published") == 0 &&
			    i + 1 < argc) {
				if (parse_num(argv[++i], 1, 86400, &v) == -1)
					usage();
				p.wait_seconds = (int)v;
			} else
				usage();
		}
		if (argc - i != 2 || parse_num(argv[i], 1, 65535, &v) == -1)
			usage();
		p.virtport = (unsigned int)v;
		p.target = argv[i + 1];
		if (!torctl_arg_ok(p.target)) {
			fprintf(stderr, "torctl-probe: bad target: %s\n",
			    p.target);
			return EX_USAGE_;
		}
	} else
		usage();

	if (unix_path != NULL)
		snprintf(addr, sizeof(addr), "unix:%s", unix_path);
	else
		snprintf(addr, sizeof(addr), "%s", tcp);

	if ((p.base = event_base_new()) == NULL ||
	    (p.ctl = torctl_new(p.base)) == NULL ||
	    (p.timer = evtimer_new(p.base, timeout_cb, &p)) == NULL) {
		fprintf(stderr, "torctl-probe: out of memory\n");
		return 1;
	}
	torctl_set_log_cb(p.ctl, log_cb, &p);
	if (cookie != NULL && torctl_set_cookie_file(p.ctl, cookie) == -1) {
		fprintf(stderr, "torctl-probe: out of memory\n");
		return 1;
	}
	tv.tv_sec = PROBE_TIMEOUT;
	tv.tv_usec = 0;
	evtimer_add(p.timer, &tv);
	if (torctl_connect(p.ctl, addr, ready_cb, &p) == -1) {
		fprintf(stderr, "torctl-probe: %s\n", torctl_error(p.ctl));
		p.rc = 1;
	} else
		event_base_dispatch(p.base);
	fflush(stdout);
	torctl_free(p.ctl);
	event_free(p.timer);
	event_base_free(p.base);
	return p.rc;
}
