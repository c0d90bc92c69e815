/*
 * The running agent as a whole: its status document, its watch on the
 * wall clock, and its orderly shutdown. petmaild.c assembles the agent and runs its loop; the parts
 * live in their own files (see agent.h).
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "agent.h"
#include "clock.h"
#include "events.h"
#include "invite.h"
#include "log.h"
#include "messages.h"
#include "statedir.h"
#include "store.h"

json_t *
agent_status(struct agent *a)
{
	const char	*addr = a->id != NULL && a->id->onion_address[0] != '\0' ?
	    a->id->onion_address : NULL;
	char		 identity[STORE_SIGN_PKBYTES * 2 + 1];
	json_t		*j;

	sodium_bin2hex(identity, sizeof(identity), a->id->sign_pk,
	    STORE_SIGN_PKBYTES);

	j = json_pack("{s:s, s:I, s:s, s:o, s:s*, s:b, s:I, s:I, s:I, s:I, s:b}",
	    "version", PACKAGE_VERSION,
	    "pid", (json_int_t)getpid(),
	    "dir", a->dir,
	    "tor", agent_tor_status(a),
	    "address", addr,
	    "published", agent_tor_published(a),
	    "contacts", (json_int_t)store_count_contacts(a->store),
	    "introductions", (json_int_t)invite_pending_count(a),
	    "outbox", (json_int_t)store_count_outbox(a->store),
	    "uptime", (json_int_t)(time(NULL) - a->started),
	    "rendezvous_service", a->rv != NULL);
	json_object_set_new(j, "identity", json_string(identity));
	json_object_set_new(j, "ui", ui_status(a));
	json_object_set_new(j, "inbound", onion_status(a));
	return j;
}

long long
agent_clock_check(struct agent *a)
{
	struct clock_mark	now;
	long long		jump;

	clock_read(&now);
	if ((jump = clock_jump(&a->clock, &now)) != 0) {
		log_warnx("the system clock jumped %s%lld s; moving waiting "
		    "retries and expiry times with it", jump > 0 ? "+" : "",
		    jump);
		if (store_shift_deadlines(a->store, jump) == -1)
			log_warnx("database: cannot move the deadlines: %s",
			    store_errmsg(a->store));
		invite_clock_jumped(a, jump);
	}
	a->clock = now;
	/* Kept for the next start, at most once a minute. */
	if (jump != 0 || now.wall < a->clock_saved ||
	    now.wall - a->clock_saved >= 60) {
		if (store_clock_save(a->store, &now) == 0)
			a->clock_saved = now.wall;
	}
	return now.wall;
}

static void
agent_tor_stopped(struct agent *a)
{
	event_base_loopexit(a->base, NULL);
}

void
agent_shutdown(struct agent *a, const char *why)
{
	if (a->stopping)
		return;
	a->stopping = 1;
	log_info("shutting down: %s", why);
	agent_tor_stop(a, agent_tor_stopped);
}

void
agent_paths(struct agent *a)
{
	a->db_path = statedir_path(a->dir, STATEDIR_DB);
	a->conf_path = statedir_path(a->dir, STATEDIR_CONF);
	a->sock_path = statedir_path(a->dir, STATEDIR_SOCK);
	a->pid_path = statedir_path(a->dir, STATEDIR_PID);
	a->log_path = statedir_path(a->dir, STATEDIR_LOG);
	a->tor_dir = statedir_path(a->dir, STATEDIR_TOR);
	a->onion_path = statedir_path(a->dir, STATEDIR_ONION);
	a->invite_path = statedir_path(a->dir, STATEDIR_INVITE);
}

void
agent_free_paths(struct agent *a)
{
	free(a->dir);
	free(a->db_path);
	free(a->conf_path);
	free(a->sock_path);
	free(a->pid_path);
	free(a->log_path);
	free(a->tor_dir);
	free(a->onion_path);
	free(a->invite_path);
	a->dir = a->db_path = a->conf_path = a->sock_path = NULL;
	a->pid_path = a->log_path = a->tor_dir = NULL;
	a->onion_path = a->invite_path = NULL;
}

int
agent_serve_start(struct agent *a, char *err, size_t errlen)
{
	a->started = time(NULL);
	a->events = events_new();
	if (onion_start(a, err, errlen) == -1 ||
	    invite_init(a, err, errlen) == -1 ||
	    msg_init(a) == -1 ||
	    api_start(a, err, errlen) == -1)
		return -1;
	return 0;
}

void
agent_serve_stop(struct agent *a)
{
	api_stop(a);
	invite_shutdown(a);
	msg_shutdown(a);
	onion_stop(a);
	events_free(a->events);
	a->events = NULL;
}
