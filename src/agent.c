/*
 * The running agent as a whole: its status document and its orderly
 * shutdown. petmaild.c assembles the agent and runs its loop; the parts
 * live in their own files (see agent.h).
 */
#include "config.h"

#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "agent.h"
#include "invite.h"
#include "log.h"
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
	return j;
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
