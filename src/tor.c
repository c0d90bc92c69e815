/*
 * Supervising the agent's own tor: launch it through torctl, enable the
 * network, follow bootstrap, publish the onion service with the stored
 * key, count it published on HS_DESC UPLOADED, and relaunch tor with
 * backoff whenever it dies.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "agent.h"
#include "events.h"
#include "invite.h"
#include "messages.h"
#include "log.h"
#include "statedir.h"
#include "store.h"
#include "torctl.h"
#include "version.h"
#include "xmalloc.h"

#define TOR_BACKOFF_MIN_SECS	1
#define TOR_BACKOFF_MAX_SECS	60
#define TOR_HEALTHY_SECS	60	/* running this long resets the backoff */
#define TOR_STOP_GRACE_SECS	10
#define TOR_ONION_VIRTPORT	80

enum tor_state {
	TOR_STARTING,		/* launched, not yet authenticated */
	TOR_RUNNING,		/* owned and bootstrapping or done */
	TOR_RESTARTING,		/* died; waiting out the backoff */
	TOR_STOPPING,
	TOR_STOPPED,
};

static const char *const tor_state_names[] = {
	"starting", "running", "restarting", "stopping", "stopped",
};

struct agent_tor {
	struct agent		*agent;
	struct torctl_tor	*tor;
	enum tor_state		 state;
	struct torctl_bootstrap	 boot;
	char			 error[512];
	char			*torrc_text;	/* extra torrc, NUL-split */
	const char		**torrc_lines;
	size_t			 ntorrc_lines;
	int			 onion_added;
	int			 published;
	int			 backoff;	/* seconds before the next launch */
	time_t			 launched;
	unsigned		 launches;
	struct event		*timer;		/* relaunch or stop grace */
	void			(*stopped_cb)(struct agent *);
};

static void	tor_launch(struct agent_tor *);

static void
tor_emit_state(struct agent_tor *t)
{
	events_emit(t->agent->events, "tor", agent_tor_status(t->agent));
}

static void
tor_log_cb(enum torctl_log_level level, const char *msg, void *arg)
{
	/* Lines from tor itself come as "tor: ..." already. */
	if (strncmp(msg, "tor: ", 5) == 0)
		msg += 5;
	switch (level) {
	case TORCTL_LOG_ERROR:
	case TORCTL_LOG_WARN:
		log_warnx("tor: %s", msg);
		break;
	case TORCTL_LOG_INFO:
		log_info("tor: %s", msg);
		break;
	case TORCTL_LOG_DEBUG:
		log_debug("tor: %s", msg);
		break;
	}
}

static void
tor_bootstrap_cb(struct torctl_tor *tt, const struct torctl_bootstrap *b,
    void *arg)
{
	struct agent_tor	*t = arg;

	if (b->percent == t->boot.percent && b->warning == t->boot.warning &&
	    strcmp(b->tag, t->boot.tag) == 0)
		return;
	t->boot = *b;
	if (b->warning)
		log_warnx("tor bootstrap %d%% (%s): problem: %s", b->percent,
		    b->summary, b->reason);
	else
		log_info("tor bootstrap %d%% (%s)", b->percent, b->summary);
	events_emit(t->agent->events, "bootstrap", json_pack(
	    "{s:i, s:s, s:s, s:b}", "bootstrap", b->percent, "tag", b->tag,
	    "summary", b->summary, "warning", b->warning));
}

static void
tor_hs_desc_cb(struct torctl *ctl, const struct torctl_hs_desc *d, void *arg)
{
	struct agent_tor	*t = arg;
	const char		*addr = t->agent->id->onion_address;

	if (addr[0] == '\0' || strncmp(d->service_id, addr,
	    TORCTL_SERVICE_ID_LEN) != 0)
		return;
	if (d->action == TORCTL_HS_DESC_UPLOADED && !t->published) {
		t->published = 1;
		log_info("onion service published: %s", addr);
		msg_tor_ready(t->agent);
		events_emit(t->agent->events, "published", json_pack(
		    "{s:s, s:b}", "address", addr, "published", 1));
	} else if (d->action == TORCTL_HS_DESC_FAILED)
		log_debug("descriptor upload to one directory failed (%s)",
		    d->reason);
}

static void
tor_onion_cb(struct torctl *ctl, int status, const char *error,
    const char *service_id, const char *private_key, void *arg)
{
	struct agent_tor	*t = arg;
	struct identity		*id = t->agent->id;
	char			 address[STORE_ONION_ADDR_LEN + 1];

	if (status == -1) {
		/* The control connection closing is handled by the exit cb. */
		if (t->state == TOR_RUNNING) {
			snprintf(t->error, sizeof(t->error), "cannot publish "
			    "the onion service: %s", error);
			log_warnx("%s", t->error);
		}
		return;
	}
	snprintf(address, sizeof(address), "%s.onion", service_id);
	if (private_key != NULL) {
		/* First start: tor made our onion key; keep it for good. */
		if (strlen(private_key) > STORE_ONION_KEY_MAX ||
		    store_identity_set_onion(t->agent->store, private_key,
		    address) == -1) {
			snprintf(t->error, sizeof(t->error), "cannot store the "
			    "new onion key; the address will change at the "
			    "next start");
			log_warnx("%s", t->error);
		} else
			log_info("created the onion address %s", address);
		memcpy(id->onion_key, private_key, strlen(private_key) + 1);
		memcpy(id->onion_address, address, sizeof(address));
	} else if (strcmp(address, id->onion_address) != 0) {
		/* Cannot happen with a sound key; do not trust it silently. */
		log_warnx("tor published %s for the stored key of %s", address,
		    id->onion_address);
	}
	t->onion_added = 1;
	t->error[0] = '\0';
	log_info("onion service added, waiting for its descriptor upload");
	tor_emit_state(t);
}

static void
tor_add_onion(struct agent_tor *t, struct torctl *ctl)
{
	struct torctl_onion_port	 port;
	struct torctl_onion		 onion;
	char				*target;

	xasprintf(&target, "unix:%s", t->agent->onion_path);
	port.virtport = TOR_ONION_VIRTPORT;
	port.target = target;
	memset(&onion, 0, sizeof(onion));
	onion.ports = &port;
	onion.nports = 1;
	onion.max_streams = ONION_MAX_STREAMS;
	onion.flags = TORCTL_ONION_MAX_STREAMS_CLOSE;
	onion.key = t->agent->id->onion_key[0] != '\0' ?
	    t->agent->id->onion_key : NULL;
	if (torctl_add_onion(ctl, &onion, tor_onion_cb, t) == -1) {
		snprintf(t->error, sizeof(t->error), "cannot publish the "
		    "onion service: %s", torctl_error(ctl));
		log_warnx("%s", t->error);
	}
	free(target);
}

static void
tor_network_cb(struct torctl *ctl, int status, const char *error, void *arg)
{
	struct agent_tor	*t = arg;

	if (status == -1 && t->state == TOR_RUNNING) {
		snprintf(t->error, sizeof(t->error), "tor refused to enable "
		    "the network: %s", error);
		log_warnx("%s", t->error);
	}
}

static void
tor_phase_cb(struct torctl *ctl, int status, const char *error,
    const struct torctl_bootstrap *b, void *arg)
{
	struct agent_tor	*t = arg;

	if (status == 0)
		tor_bootstrap_cb(t->tor, b, t);
}

static void
tor_ready_cb(struct torctl_tor *tt, int status, const char *error, void *arg)
{
	struct agent_tor	*t = arg;
	struct torctl		*ctl;
	struct torctl_kv	 kv = { "DisableNetwork", "0" };

	if (status == -1) {
		snprintf(t->error, sizeof(t->error), "tor did not start: %s",
		    error);
		log_warnx("%s", t->error);
		torctl_tor_free(t->tor);
		t->tor = NULL;
		if (t->state == TOR_STOPPING) {
			t->state = TOR_STOPPED;
			if (t->stopped_cb != NULL)
				t->stopped_cb(t->agent);
			return;
		}
		t->state = TOR_RESTARTING;
		tor_emit_state(t);
		tor_launch(t);
		return;
	}
	if (t->state == TOR_STOPPING) {
		torctl_tor_stop(t->tor);
		return;
	}
	t->state = TOR_RUNNING;
	t->error[0] = '\0';
	log_info("tor %s is running (pid %ld)",
	    torctl_version(torctl_tor_control(tt)), (long)torctl_tor_pid(tt));
	ctl = torctl_tor_control(tt);
	if (!t->agent->conf.network)
		log_info("the network stays disabled (network = off)");
	if (torctl_watch_hs_desc(ctl, tor_hs_desc_cb, t) == -1 ||
	    (t->agent->conf.network &&
	    torctl_setconf(ctl, &kv, 1, tor_network_cb, t) == -1) ||
	    torctl_bootstrap_phase(ctl, tor_phase_cb, t) == -1) {
		snprintf(t->error, sizeof(t->error), "cannot steer tor: %s",
		    torctl_error(ctl));
		log_warnx("%s", t->error);
		torctl_tor_stop(tt);
		return;
	}
	tor_add_onion(t, ctl);
	invite_tor_ready(t->agent);
	msg_tor_started(t->agent, ctl);
	msg_tor_ready(t->agent);
	tor_emit_state(t);
}

static void
tor_exit_cb(struct torctl_tor *tt, const char *why, const char *last_log,
    void *arg)
{
	struct agent_tor	*t = arg;

	t->onion_added = 0;
	t->published = 0;
	memset(&t->boot, 0, sizeof(t->boot));
	torctl_tor_free(t->tor);
	t->tor = NULL;
	if (t->state == TOR_STOPPING) {
		log_info("tor stopped");
		t->state = TOR_STOPPED;
		if (t->timer != NULL)
			evtimer_del(t->timer);
		if (t->stopped_cb != NULL)
			t->stopped_cb(t->agent);
		return;
	}
	snprintf(t->error, sizeof(t->error), "tor exited: %s", why);
	log_warnx("%s; its last messages:\n%s", t->error,
	    last_log != NULL && *last_log != '\0' ? last_log : "(none)");
	if (time(NULL) - t->launched >= TOR_HEALTHY_SECS)
		t->backoff = 0;
	t->state = TOR_RESTARTING;
	tor_emit_state(t);
	tor_launch(t);
}

static void
tor_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct agent_tor	*t = arg;

	if (t->state == TOR_STOPPING) {
		/* Tor ignored SIGTERM for too long. */
		log_warnx("tor did not stop within %d s: killing it",
		    TOR_STOP_GRACE_SECS);
		torctl_tor_free(t->tor);
		t->tor = NULL;
		t->state = TOR_STOPPED;
		if (t->stopped_cb != NULL)
			t->stopped_cb(t->agent);
		return;
	}
	tor_launch(t);
}

static void
tor_launch(struct agent_tor *t)
{
	struct torctl_tor_config	 cfg;
	struct torctl_tor_callbacks	 cbs;
	struct timeval			 tv;
	char				 why[512];

	/* A relaunch waits out the backoff first: 1, 2, 4 ... 60 s. */
	if (t->state == TOR_RESTARTING && t->timer != NULL &&
	    !evtimer_pending(t->timer, NULL)) {
		t->backoff = t->backoff == 0 ? TOR_BACKOFF_MIN_SECS :
		    t->backoff * 2;
		if (t->backoff > TOR_BACKOFF_MAX_SECS)
			t->backoff = TOR_BACKOFF_MAX_SECS;
		log_info("restarting tor in %d s", t->backoff);
		tv.tv_sec = t->backoff;
		tv.tv_usec = 0;
		t->state = TOR_STARTING;
		evtimer_add(t->timer, &tv);
		return;
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.tor_path = t->agent->conf.tor != NULL ? t->agent->conf.tor :
	    version_tor_path();
	cfg.dir = t->agent->tor_dir;
	cfg.socks_flags = "ExtendedErrors IsolateSOCKSAuth";
	cfg.torrc_lines = t->torrc_lines;
	cfg.ntorrc_lines = t->ntorrc_lines;
	memset(&cbs, 0, sizeof(cbs));
	cbs.ready = tor_ready_cb;
	cbs.exit = tor_exit_cb;
	cbs.bootstrap = tor_bootstrap_cb;
	cbs.log = tor_log_cb;
	cbs.arg = t;

	t->state = TOR_STARTING;
	t->launched = time(NULL);
	t->launches++;
	log_info("starting %s", cfg.tor_path);
	if ((t->tor = torctl_tor_launch(t->agent->base, &cfg, &cbs, why,
	    sizeof(why))) == NULL) {
		snprintf(t->error, sizeof(t->error), "cannot start %.200s: %.250s",
		    cfg.tor_path, why);
		t->state = TOR_RESTARTING;
		tor_launch(t);
	}
}

/* Split the extra torrc into lines, dropping blanks and comments. */
static void
tor_split_torrc(struct agent_tor *t)
{
	char	*p, *line, *save = NULL;

	for (p = t->torrc_text; (line = strtok_r(p, "\n", &save)) != NULL;
	    p = NULL) {
		line[strcspn(line, "\r")] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		t->torrc_lines = xreallocarray(t->torrc_lines,
		    t->ntorrc_lines + 1, sizeof(*t->torrc_lines));
		t->torrc_lines[t->ntorrc_lines++] = line;
	}
}

int
agent_tor_start(struct agent *a, char *err, size_t errlen)
{
	struct agent_tor	*t;

	t = xcalloc(1, sizeof(*t));
	t->agent = a;
	if (a->conf.extra_torrc != NULL) {
		if (conf_read_extra_torrc(&t->torrc_text, a->conf.extra_torrc,
		    err, errlen) == -1) {
			free(t);
			return -1;
		}
		tor_split_torrc(t);
	}
	if ((t->timer = evtimer_new(a->base, tor_timer_cb, t)) == NULL)
		fatalx("evtimer_new");
	a->tor = t;
	tor_launch(t);
	return 0;
}

void
agent_tor_stop(struct agent *a, void (*cb)(struct agent *))
{
	struct agent_tor	*t = a->tor;
	struct timeval		 tv = { TOR_STOP_GRACE_SECS, 0 };

	if (t == NULL || t->tor == NULL || t->state == TOR_STOPPED) {
		if (t != NULL) {
			evtimer_del(t->timer);
			t->state = TOR_STOPPED;
		}
		cb(a);
		return;
	}
	t->state = TOR_STOPPING;
	t->stopped_cb = cb;
	log_info("stopping tor");
	evtimer_del(t->timer);
	evtimer_add(t->timer, &tv);
	torctl_tor_stop(t->tor);
}

void
agent_tor_free(struct agent *a)
{
	struct agent_tor	*t = a->tor;

	if (t == NULL)
		return;
	torctl_tor_free(t->tor);
	if (t->timer != NULL)
		event_free(t->timer);
	free(t->torrc_lines);
	free(t->torrc_text);
	free(t);
	a->tor = NULL;
}

json_t *
agent_tor_status(struct agent *a)
{
	struct agent_tor	*t = a->tor;
	const char		*summary;

	if (t == NULL)
		return json_pack("{s:i, s:s, s:s, s:n}", "bootstrap", 0,
		    "summary", "not started", "state", "stopped", "error");
	if (!a->conf.network)
		summary = "network disabled (network = off in petmail.conf)";
	else if (t->boot.summary[0] != '\0')
		summary = t->boot.summary;
	else
		summary = t->state == TOR_RUNNING ? "connecting" :
		    "starting tor";
	return json_pack("{s:i, s:s, s:s, s:s, s:s*, s:I}",
	    "bootstrap", t->boot.percent, "tag", t->boot.tag,
	    "summary", summary, "state", tor_state_names[t->state],
	    "error", t->error[0] != '\0' ? t->error : NULL,
	    "launches", (json_int_t)t->launches);
}

int
agent_tor_published(struct agent *a)
{
	return a->tor != NULL && a->tor->published;
}

struct torctl *
agent_tor_control(struct agent *a)
{
	if (a->tor == NULL || a->tor->tor == NULL ||
	    a->tor->state != TOR_RUNNING)
		return NULL;
	return torctl_tor_control(a->tor->tor);
}

struct agent_tor_forget {
	void	(*cb)(void *);
	void	 *arg;
};

static void
agent_tor_forget_cb(struct torctl *ctl, int status, const char *error,
    void *arg)
{
	struct agent_tor_forget	*f = arg;

	if (status != 0)
		log_info("cannot purge tor's onion client state: %s", error);
	if (f->cb != NULL)
		f->cb(f->arg);
	free(f);
}

/*
 * An onion did not answer. Tor remembers, for each onion, its cached
 * descriptor, which introduction points failed, and which directories it
 * asked in the last 15 minutes, and will not ask those again: a contact
 * or a rendezvous service that was away for a few minutes and came back
 * with new introduction points stays "not found" for up to a quarter of
 * an hour. SIGNAL NEWNYM is the one way to clear that state (it also
 * makes new streams use new circuits; open ones go on). Each caller keeps
 * its own budget: *LAST is when it last did so.
 */
int
agent_tor_forget_onions(struct agent *a, long long *last, long long secs,
    void (*cb)(void *), void *arg)
{
	struct agent_tor_forget	*f;
	struct torctl		*ctl;
	long long		 now = (long long)time(NULL);

	if (*last != 0 && now >= *last && now - *last < secs)
		return 0;
	if ((ctl = agent_tor_control(a)) == NULL)
		return 0;
	f = xcalloc(1, sizeof(*f));
	f->cb = cb;
	f->arg = arg;
	if (torctl_signal(ctl, "NEWNYM", agent_tor_forget_cb, f) == -1) {
		free(f);
		return 0;
	}
	*last = now;
	log_debug("asked tor to forget its onion client state");
	return 1;
}

const char *
agent_tor_socks(struct agent *a)
{
	if (a->tor == NULL || a->tor->tor == NULL ||
	    a->tor->state != TOR_RUNNING || !a->conf.network)
		return NULL;
	return torctl_tor_socks_path(a->tor->tor);
}
