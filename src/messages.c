#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <sodium.h>

#include "agent.h"
#include "crypto/ratchet.h"
#include "envelope.h"
#include "events.h"
#include "httpd.h"
#include "log.h"
#include "messages.h"
#include "net.h"
#include "petname.h"
#include "store.h"
#include "torctl.h"
#include "xmalloc.h"

/* One contact's delivery: at most one request in flight. */
struct msg_peer {
	struct agent		*a;
	long			 contact_id;
	struct net_req		*req;
	struct event		*timer;
	long			 ids[ENVELOPE_BATCH_MAX];	/* in flight */
	int			 nids;
	unsigned		 circuit;	/* bumped when tor got no answer */
	char			 onion[STORE_ONION_ADDR_LEN + 1];
	int			 gone;		/* look it up afresh first */
	int			 fails;		/* deliveries in a row unanswered */
	int			 purging;	/* waiting for NEWNYM's answer */
	long long		 rejects_logged; /* when we last said so */
	unsigned		 rejects_quiet;	/* not logged since */
	TAILQ_ENTRY(msg_peer)	 entry;
};

TAILQ_HEAD(msg_peer_list, msg_peer);

/* A send taken from the local API, waiting for its turn's commit. */
struct msg_send {
	struct evhttp_request	*req;
	struct store_contact	 c;
	char			*text;
	size_t			 len;
	long			 id;
	TAILQ_ENTRY(msg_send)	 entry;
};

struct msg_state {
	TAILQ_HEAD(, msg_send)	 sends;		/* waiting for one commit */
	struct event		*flush;		/* active while any wait */
	struct torctl		*circ_ctl;	/* following its CIRC events */
	struct event		*circ_timer;	/* when to stop following */
	long long		 gone_purged;	/* last NEWNYM for a gone one */
};

static void	msg_kick(struct agent *, long contact_id);
static void	msg_flush(struct agent *);
static void	msg_flush_cb(evutil_socket_t, short, void *);
static void	msg_circ_timer_cb(evutil_socket_t, short, void *);

static struct msg_peer *
msg_peer(struct agent *a, long contact_id, int create)
{
	struct msg_peer	*p;

	TAILQ_FOREACH(p, a->msg_peers, entry)
		if (p->contact_id == contact_id)
			return p;
	if (!create)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->a = a;
	p->contact_id = contact_id;
	TAILQ_INSERT_TAIL(a->msg_peers, p, entry);
	return p;
}

static void
msg_peer_free(struct msg_peer *p)
{
	TAILQ_REMOVE(p->a->msg_peers, p, entry);
	net_cancel(p->req);
	if (p->timer != NULL)
		event_free(p->timer);
	free(p);
}

static void
msg_emit(struct agent *a, long id)
{
	json_t	*j = store_message_json(a->store, id);

	if (j != NULL)
		events_emit(a->events, "message", j);
}

/* Seal every not yet sealed message of the contact the session allows. */
struct msg_seal {
	struct agent		*a;
	struct store_contact	*c;
	struct ratchet		*r;
	int			 sealed;
	int			 failed;
};

static int
msg_seal_one(const struct store_message *m, void *arg)
{
	struct msg_seal		*s = arg;
	struct envelope_msg	 em;
	uint8_t			*env;
	size_t			 envlen, n;

	if (!ratchet_can_send(s->r))
		return 1;
	envlen = envelope_sealed_size(m->bodylen);
	env = xmalloc(envlen);
	memset(&em, 0, sizeof(em));
	em.type = m->kind == 2 ? ENVELOPE_SESSION_START : ENVELOPE_TEXT;
	em.seq = (uint64_t)m->seq;
	em.created = (uint64_t)m->created;
	em.body = m->body;
	em.bodylen = m->bodylen;
	if (envelope_seal(env, envlen, &n, s->r, s->c->their_token, &em) == -1 ||
	    store_message_seal(s->a->store, m->id, env, n) == -1) {
		free(env);
		s->failed = 1;
		return 1;
	}
	free(env);
	s->sealed++;
	return 0;
}

/*
 * Inside the caller's transaction: seal what can be sealed, save the
 * session. The number sealed, or -1 (the caller rolls back).
 */
static int
msg_seal_tx(struct agent *a, struct store_contact *c)
{
	struct msg_seal	s;

	memset(&s, 0, sizeof(s));
	s.a = a;
	s.c = c;
	if (store_ratchet_load(a->store, c->id, &s.r) == -1)
		return -1;
	if (store_outbox_each(a->store, c->id, 0, 0, ENVELOPE_BATCH_MAX * 4,
	    msg_seal_one, &s) == -1 || s.failed ||
	    (s.sealed > 0 && store_ratchet_save(a->store, c->id, s.r) == -1)) {
		ratchet_free(s.r);
		return -1;
	}
	ratchet_free(s.r);
	return s.sealed;
}

/* In one transaction: seal what can be sealed, save the session. */
static int
msg_seal_pending(struct agent *a, struct store_contact *c)
{
	struct ratchet	*r;
	const char	*why;
	int		 n;

	if (store_begin(a->store) == 0) {
		if ((n = msg_seal_tx(a, c)) != -1 &&
		    store_commit(a->store) == 0)
			return n;
		store_rollback(a->store);
	}
	log_warnx("messages: cannot seal the outbox of contact %ld", c->id);
	/* Kept, and shown: `petmail messages` says why it waits. */
	if (store_ratchet_load(a->store, c->id, &r) == -1)
		why = "waiting: the session with this contact cannot be read "
		    "from the database (damaged?); see petmaild.log";
	else
		why = "waiting: cannot encrypt or store it now (disk full?)";
	ratchet_free(r);
	store_outbox_unsealed_error(a->store, c->id, why);
	return -1;
}

/* Inside the caller's transaction: a new message in the outbox. */
static int
msg_insert_tx(struct agent *a, struct store_contact *c, int kind,
    const char *body, size_t len, long *id)
{
	struct store_message	m;

	memset(&m, 0, sizeof(m));
	m.contact_id = c->id;
	m.kind = kind;
	m.body = body;
	m.bodylen = len;
	m.created = agent_clock_check(a);
	m.expires = m.created + a->conf.message_expiry;
	if (store_contact_take_seq(a->store, c->id, &m.seq) == -1 ||
	    store_message_insert(a->store, &m, id) == -1)
		return -1;
	return 0;
}

/*
 * Inside the caller's transaction, under a savepoint: a session that can
 * send seals what is queued now; otherwise at its start. A message that
 * cannot be sealed now is kept all the same, to be sealed later.
 */
static void
msg_seal_queued_tx(struct agent *a, struct store_contact *c)
{
	if (store_savepoint(a->store) == -1 || msg_seal_tx(a, c) == -1 ||
	    store_release(a->store) == -1) {
		store_rollback_to(a->store);
		log_warnx("messages: cannot seal the outbox of contact %ld",
		    c->id);
	}
}

/*
 * Queue a message: stored, and sealed when the session allows it, in one
 * transaction (one sync to disk).
 */
static int
msg_queue(struct agent *a, struct store_contact *c, int kind,
    const char *body, size_t len, long *id)
{
	if (store_begin(a->store) == -1)
		return -1;
	if (msg_insert_tx(a, c, kind, body, len, id) == -1) {
		store_rollback(a->store);
		return -1;
	}
	msg_seal_queued_tx(a, c);
	return store_commit(a->store);
}

/*
 * Set the state of the messages IDS, all in one transaction (they are
 * applied one by one if it cannot start).
 */
static void
msg_set_state(struct agent *a, const long *ids, int n, const char *state,
    const char *error)
{
	int	i, tx;

	tx = store_begin(a->store) == 0;
	for (i = 0; i < n; i++)
		store_message_update(a->store, ids[i], state, error, 0);
	if (tx && store_commit(a->store) == -1)
		log_warnx("messages: cannot record %d messages as %s", n,
		    state);
}

static long long
msg_backoff(struct agent *a, int tries)
{
	long long	d = MSG_RETRY_MIN_SECS;
	int		i;

	for (i = 1; i < tries && d < a->conf.retry_cap; i++)
		d *= 2;
	if (d > a->conf.retry_cap)
		d = a->conf.retry_cap;
	/* Up to a quarter more, so that peers do not retry in step. */
	return d + (long long)randombytes_uniform((uint32_t)(d / 4 + 1));
}

static void
msg_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct msg_peer	*p = arg;

	msg_kick(p->a, p->contact_id);
}

static void
msg_schedule(struct msg_peer *p)
{
	struct timeval	 tv;
	long long	 next, now = agent_clock_check(p->a);

	if ((next = store_outbox_next_try(p->a->store, p->contact_id)) < 0)
		return;
	if (p->timer == NULL && (p->timer = evtimer_new(p->a->base,
	    msg_timer_cb, p)) == NULL)
		fatalx("evtimer_new");
	tv.tv_sec = next > now ? (time_t)(next - now) : 0;
	tv.tv_usec = 0;
	evtimer_add(p->timer, &tv);
}

/*
 * A contact's agent that went away and came back publishes new
 * introduction points, but our tor keeps the old descriptor and tries
 * its dead introduction points first: the first message after such a
 * restart waited seconds on tor. Tor tells us when the contact's side
 * tears down an established rendezvous circuit (its tor stopped); the
 * next delivery to that contact then first clears tor's onion client
 * state (NEWNYM, which tor itself allows once per 10 s) and uses a new
 * SOCKS username, so that tor fetches the new descriptor at once.
 */
static void
msg_circ_cb(struct torctl *ctl, const struct torctl_reply *r, void *arg)
{
	struct agent	*a = arg;
	struct msg_peer	*p;
	const char	*text;
	char		 status[16], purpose[32], state[32], reason[32];
	char		 query[TORCTL_SERVICE_ID_MAX];

	if (r->nlines == 0 || (text = r->lines[0].text) == NULL ||
	    torctl_word(status, sizeof(status), text, 2) == -1 ||
	    (strcmp(status, "CLOSED") != 0 && strcmp(status, "FAILED") != 0) ||
	    torctl_kv_get(purpose, sizeof(purpose), text, "PURPOSE") == -1 ||
	    strcmp(purpose, "HS_CLIENT_REND") != 0 ||
	    torctl_kv_get(state, sizeof(state), text, "HS_STATE") == -1 ||
	    strcmp(state, "HSCR_JOINED") != 0 ||
	    torctl_kv_get(reason, sizeof(reason), text, "REASON") == -1 ||
	    strcmp(reason, "DESTROYED") != 0 ||
	    torctl_kv_get(query, sizeof(query), text, "REND_QUERY") == -1)
		return;
	TAILQ_FOREACH(p, a->msg_peers, entry)
		if (strncmp(p->onion, query, TORCTL_SERVICE_ID_LEN) == 0 &&
		    strlen(query) == TORCTL_SERVICE_ID_LEN && !p->gone) {
			p->gone = 1;
			log_info("contact %ld closed our circuit: it will be "
			    "looked up afresh", p->contact_id);
		}
}

void
msg_tor_started(struct agent *a, struct torctl *ctl)
{
	struct msg_peer	*p;

	/* A new tor knows no descriptor and follows nothing for us yet. */
	TAILQ_FOREACH(p, a->msg_peers, entry)
		p->gone = 0;
	a->msg->circ_ctl = NULL;
	evtimer_del(a->msg->circ_timer);
}

/*
 * Circuit events come for every circuit tor builds, ours or not: follow
 * them only while a rendezvous circuit of ours may be open, that is from
 * a delivery until tor would have let such a circuit go (its default
 * MaxCircuitDirtiness, 10 minutes, and a margin), so that an idle agent
 * is not woken up by them.
 */
static void
msg_circ_follow(struct agent *a)
{
	struct torctl	*ctl = agent_tor_control(a);
	struct timeval	 tv = { MSG_CIRC_FOLLOW_SECS, 0 };

	if (ctl == NULL)
		return;
	if (a->msg->circ_ctl != ctl) {
		if (torctl_subscribe(ctl, "CIRC", msg_circ_cb, a) == -1) {
			log_warnx("cannot follow tor's circuits: %s",
			    torctl_error(ctl));
			return;
		}
		a->msg->circ_ctl = ctl;
	}
	evtimer_add(a->msg->circ_timer, &tv);
}

static void
msg_circ_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct agent	*a = arg;
	struct torctl	*ctl = agent_tor_control(a);

	if (ctl != NULL && ctl == a->msg->circ_ctl)
		(void)torctl_unsubscribe(ctl, msg_circ_cb, a);
	a->msg->circ_ctl = NULL;
}

struct msg_gone {
	struct agent	*a;
	long		 contact_id;
};

static void
msg_gone_cb(void *arg)
{
	struct msg_gone	*g = arg;
	struct msg_peer	*p;

	if ((p = msg_peer(g->a, g->contact_id, 0)) != NULL) {
		p->purging = 0;
		msg_kick(g->a, g->contact_id);
	}
	free(g);
}

/*
 * Before delivering to a contact that went away or did not answer:
 * NEWNYM first, so that tor fetches its descriptor again now, when it
 * may be back, rather than trusting what it learned while it was away.
 * Once per MSG_PURGE_GONE_SECS while the contact has only just gone (it
 * is most likely restarting), once per TOR_FORGET_SECS after that, so
 * that contacts away for long do not keep every other contact's circuits
 * new. A purge the budget does not allow yet stays due.
 */
static int
msg_purge_gone(struct agent *a, struct msg_peer *p)
{
	struct msg_gone	*g;

	g = xcalloc(1, sizeof(*g));
	g->a = a;
	g->contact_id = p->contact_id;
	if (!agent_tor_forget_onions(a, &a->msg->gone_purged,
	    p->fails > MSG_FRESH_FAILS ? TOR_FORGET_SECS : MSG_PURGE_GONE_SECS,
	    msg_gone_cb, g)) {
		free(g);
		return 0;
	}
	p->gone = 0;
	p->circuit++;
	p->purging = 1;
	return 1;
}

static void
msg_batch_cb(int status, long code, const uint8_t *body, size_t len,
    const char *error, void *arg)
{
	struct msg_peer	*p = arg;
	struct agent	*a = p->a;
	json_error_t	 jerr;
	json_t		*j = NULL, *results, *r;
	const char	*st, *why;
	char		 reason[256];
	long long	 now = agent_clock_check(a);
	int		 i, n, tries, tx;

	p->req = NULL;
	if (status == 0 && code == 200)
		j = json_loadb((const char *)body, len, 0, &jerr);
	results = json_object_get(j, "results");
	if (j == NULL || !json_is_array(results) ||
	    json_array_size(results) != (size_t)p->nids) {
		if (status == -1)
			snprintf(reason, sizeof(reason), "%s", error);
		else if (code != 200)
			snprintf(reason, sizeof(reason), "the contact's agent "
			    "answered HTTP %ld", code);
		else
			snprintf(reason, sizeof(reason), "the contact's agent "
			    "answered something unexpected");
		/*
		 * The backoff is the contact's: everything queued for it
		 * waits as long as its oldest message in flight, so that
		 * they all go again together and in order.
		 */
		tries = 0;
		for (i = 0; i < p->nids; i++) {
			n = store_message_tries(a->store, p->ids[i]) + 1;
			if (n > tries)
				tries = n;
		}
		tx = store_begin(a->store) == 0;
		for (i = 0; i < p->nids; i++)
			store_message_update(a->store, p->ids[i], "queued",
			    reason, 0);
		store_outbox_defer(a->store, p->contact_id,
		    now + msg_backoff(a, tries));
		if (tx && store_commit(a->store) == -1)
			log_warnx("messages: cannot record the failed "
			    "delivery to contact %ld", p->contact_id);
		for (i = 0; i < p->nids; i++)
			msg_emit(a, p->ids[i]);
		log_info("delivery to contact %ld failed (%s); will retry",
		    p->contact_id, reason);
		if (status == -1) {
			/*
			 * Tor may be waiting on a rendezvous that will never
			 * complete (the contact's tor went away after the
			 * introduction); a new SOCKS username makes the next
			 * try build new circuits instead of joining that one,
			 * and tor looks the contact up afresh before it.
			 */
			p->circuit++;
			p->gone = 1;
			if (p->fails < INT_MAX)
				p->fails++;
		}
		json_decref(j);
		p->nids = 0;
		msg_schedule(p);
		return;
	}
	p->fails = 0;
	p->gone = 0;
	/*
	 * One transaction for the whole batch's outcome, then the events.
	 * "stored" and "replay" are the acknowledgement, "rejected" is
	 * final, anything else (the contact's agent could not store it
	 * now: its disk is full, say) means try again later.
	 */
	tries = 0;
	tx = store_begin(a->store) == 0;
	for (i = 0; i < p->nids; i++) {
		r = json_array_get(results, (size_t)i);
		st = json_string_value(json_object_get(r, "status"));
		why = json_string_value(json_object_get(r, "error"));
		if (st != NULL && (strcmp(st, "stored") == 0 ||
		    strcmp(st, "replay") == 0))
			store_message_update(a->store, p->ids[i], "delivered",
			    NULL, 0);
		else if (st != NULL && strcmp(st, "rejected") == 0)
			store_message_update(a->store, p->ids[i], "failed",
			    why != NULL ? why : "refused by the contact's agent",
			    0);
		else {
			snprintf(reason, sizeof(reason), "the contact's agent "
			    "cannot store it now%s%s", why != NULL ? ": " : "",
			    why != NULL ? why : "");
			n = store_message_tries(a->store, p->ids[i]) + 1;
			if (n > tries)
				tries = n;
			store_message_update(a->store, p->ids[i], "queued",
			    reason, 0);
		}
	}
	if (tries > 0)
		store_outbox_defer(a->store, p->contact_id,
		    now + msg_backoff(a, tries));
	if (tx && store_commit(a->store) == -1)
		log_warnx("messages: cannot record the delivery to contact %ld",
		    p->contact_id);
	for (i = 0; i < p->nids; i++)
		msg_emit(a, p->ids[i]);
	json_decref(j);
	p->nids = 0;
	if (tries > 0) {
		log_info("contact %ld could not store every message; will "
		    "retry", p->contact_id);
		msg_schedule(p);
		return;
	}
	msg_kick(a, p->contact_id);
}

struct msg_batch_fill {
	struct envelope_batch	*b;
	struct msg_peer		*p;
};

static int
msg_batch_one(const struct store_message *m, void *arg)
{
	struct msg_batch_fill	*f = arg;

	if (!envelope_batch_fits(f->b, m->envelopelen) ||
	    envelope_batch_add(f->b, m->envelope, m->envelopelen) == -1)
		return 1;
	f->p->ids[f->p->nids++] = m->id;
	return 0;
}

/* Deliver what is due to CONTACT_ID, if nothing is in flight. */
static void
msg_kick(struct agent *a, long contact_id)
{
	struct msg_peer		*p = msg_peer(a, contact_id, 1);
	struct store_contact	 c;
	struct envelope_batch	 b;
	struct msg_batch_fill	 f;
	struct net_opts		 o;
	uint8_t			*buf;
	size_t			 len;
	char			 iso[64];
	long long		 now;

	if (p->req != NULL || p->purging)
		return;
	if (p->timer != NULL)
		evtimer_del(p->timer);
	if (store_contact_get(a->store, contact_id, &c) == -1 || !c.ready)
		return;
	memcpy(p->onion, c.onion, sizeof(p->onion));
	now = agent_clock_check(a);
	if (store_outbox_expire(a->store, now) > 0)
		log_info("messages to contact %ld expired undelivered",
		    contact_id);
	if (msg_seal_pending(a, &c) == -1)
		return;
	if (agent_tor_socks(a) == NULL)
		return;		/* msg_tor_ready() kicks again */
	buf = xmalloc(ENVELOPE_BATCH_MAX_BYTES);
	envelope_batch_init(&b, buf, ENVELOPE_BATCH_MAX_BYTES);
	f.b = &b;
	f.p = p;
	p->nids = 0;
	store_outbox_each(a->store, contact_id, 1, now, ENVELOPE_BATCH_MAX,
	    msg_batch_one, &f);
	if (p->nids == 0 || envelope_batch_finish(&b, &len) == -1) {
		free(buf);
		p->nids = 0;
		msg_schedule(p);
		return;
	}
	if (p->gone && msg_purge_gone(a, p)) {
		/* msg_gone_cb() kicks again once tor has forgotten. */
		free(buf);
		p->nids = 0;
		return;
	}
	memset(&o, 0, sizeof(o));
	snprintf(iso, sizeof(iso), "contact-%ld-%u", contact_id, p->circuit);
	o.socks_path = agent_tor_socks(a);
	o.onion = c.onion;
	o.method = "POST";
	o.path = "/v1/msg";
	o.body = buf;
	o.bodylen = len;
	o.isolation = iso;
	o.timeout_ms = MSG_BATCH_TIMEOUT_MS;
	o.connect_ms = MSG_CONNECT_TIMEOUT_MS;
	o.stall_secs = MSG_STALL_SECS;
	p->req = net_request(a->net, &o, msg_batch_cb, p);
	free(buf);
	msg_circ_follow(a);
	/* On its way: mark it so while the network carries it. */
	msg_set_state(a, p->ids, p->nids, "sent", NULL);
}

int
msg_init(struct agent *a)
{
	a->msg_peers = xcalloc(1, sizeof(*a->msg_peers));
	TAILQ_INIT(a->msg_peers);
	a->msg = xcalloc(1, sizeof(*a->msg));
	TAILQ_INIT(&a->msg->sends);
	if ((a->msg->flush = event_new(a->base, -1, 0, msg_flush_cb,
	    a)) == NULL ||
	    (a->msg->circ_timer = evtimer_new(a->base, msg_circ_timer_cb,
	    a)) == NULL)
		fatalx("event_new");
	return 0;
}

void
msg_shutdown(struct agent *a)
{
	struct msg_peer	*p;
	struct msg_send	*ms;

	if (a->msg_peers == NULL)
		return;
	/*
	 * The flush runs in the turn of the loop that took a send, so none
	 * should be left; one that is was never answered (its request went
	 * with the API), so nothing was promised for it.
	 */
	while ((ms = TAILQ_FIRST(&a->msg->sends)) != NULL) {
		TAILQ_REMOVE(&a->msg->sends, ms, entry);
		log_warnx("messages: a send was not stored before the stop");
		sodium_memzero(ms->text, ms->len);
		free(ms->text);
		free(ms);
	}
	event_free(a->msg->flush);
	event_free(a->msg->circ_timer);
	free(a->msg);
	a->msg = NULL;
	while ((p = TAILQ_FIRST(a->msg_peers)) != NULL)
		msg_peer_free(p);
	free(a->msg_peers);
	a->msg_peers = NULL;
}

void
msg_tor_ready(struct agent *a)
{
	long	ids[256];
	int	n, i;

	store_outbox_retry_now(a->store, 0);
	n = store_outbox_contacts(a->store, ids, 256);
	for (i = 0; i < n; i++)
		msg_kick(a, ids[i]);
}

void
msg_contact_ready(struct agent *a, long contact_id, int accepter)
{
	struct store_contact	c;
	long			id;

	if (!accepter || store_contact_get(a->store, contact_id, &c) == -1)
		return;
	/* The ratchet's Alice speaks first: an empty message that lets the
	 * inviter's session send too. */
	if (msg_queue(a, &c, 2, "", 0, &id) == -1) {
		log_warnx("messages: cannot open the session with contact %ld",
		    contact_id);
		return;
	}
	msg_kick(a, contact_id);
}

void
msg_contact_removed(struct agent *a, long contact_id)
{
	struct msg_peer	*p = msg_peer(a, contact_id, 0);

	if (p != NULL)
		msg_peer_free(p);
}

/*
 * Local API.
 */
static int
msg_contact_arg(struct agent *a, struct evhttp_request *req, const char *name,
    struct store_contact *c)
{
	if (store_contact_find(a->store, name, c) == -1) {
		httpd_reply_error(req, 404, "no contact named %s", name);
		return -1;
	}
	return 0;
}

void
msg_api_send(struct agent *a, struct evhttp_request *req, json_t *body)
{
	struct store_contact	 c;
	struct msg_send		*ms;
	const char		*name, *text;
	json_t			*v;

	name = json_string_value(json_object_get(body, "petname"));
	v = json_object_get(body, "text");
	if (name == NULL || !json_is_string(v)) {
		httpd_reply_error(req, 400, "petname and text are needed");
		return;
	}
	text = json_string_value(v);
	if (json_string_length(v) == 0) {
		httpd_reply_error(req, 400, "the message is empty");
		return;
	}
	if (json_string_length(v) > ENVELOPE_MAX_BODY ||
	    envelope_body_check((const uint8_t *)text,
	    json_string_length(v)) == -1) {
		httpd_reply_error(req, 400, "a message is at most %u bytes of "
		    "UTF-8 text without NUL", (unsigned)ENVELOPE_MAX_BODY);
		return;
	}
	if (msg_contact_arg(a, req, name, &c) == -1)
		return;
	if (!c.ready) {
		httpd_reply_error(req, 409, "%s is still pending: the "
		    "introduction has not finished", name);
		return;
	}
	ms = xcalloc(1, sizeof(*ms));
	ms->req = req;
	ms->c = c;
	ms->len = json_string_length(v);
	ms->text = xmalloc(ms->len);
	memcpy(ms->text, text, ms->len);
	TAILQ_INSERT_TAIL(&a->msg->sends, ms, entry);
	/* Stored, and answered, once this turn of the loop is done. */
	event_active(a->msg->flush, 0, 0);
}

/*
 * Group commit: every send that arrived in one turn of the event loop is
 * stored (and sealed) in one transaction, one sync to disk for them all,
 * in the order they came; each is answered only once that transaction
 * is committed, or told that nothing was queued. A burst of sends on
 * several connections costs a few syncs, not one each; a lone send is
 * stored as soon as before.
 */
static void
msg_flush(struct agent *a)
{
	struct msg_send	*ms;
	long		*kick = NULL;
	size_t		 nkick = 0, i;
	int		 ok;

	if (TAILQ_EMPTY(&a->msg->sends))
		return;
	ok = store_begin(a->store) == 0;
	TAILQ_FOREACH(ms, &a->msg->sends, entry) {
		if (!ok)
			break;
		/* One that fails (its contact just removed?) fails alone. */
		if (store_savepoint(a->store) == -1 ||
		    msg_insert_tx(a, &ms->c, 1, ms->text, ms->len,
		    &ms->id) == -1 || store_release(a->store) == -1) {
			store_rollback_to(a->store);
			log_warnx("messages: cannot queue a message for "
			    "contact %ld: %s", ms->c.id,
			    store_errmsg(a->store));
			ms->id = 0;
			continue;
		}
		for (i = 0; i < nkick && kick[i] != ms->c.id; i++)
			;
		if (i == nkick) {
			kick = xreallocarray(kick, nkick + 1, sizeof(*kick));
			kick[nkick++] = ms->c.id;
		}
	}
	if (ok) {
		/* Each contact's new messages, sealed once. */
		for (i = 0; i < nkick; i++)
			TAILQ_FOREACH(ms, &a->msg->sends, entry)
				if (ms->c.id == kick[i] && ms->id != 0) {
					msg_seal_queued_tx(a, &ms->c);
					break;
				}
		ok = store_commit(a->store) == 0;
	} else
		store_rollback(a->store);
	if (!ok)
		log_warnx("messages: cannot store the messages sent: %s",
		    store_errmsg(a->store));
	while ((ms = TAILQ_FIRST(&a->msg->sends)) != NULL) {
		TAILQ_REMOVE(&a->msg->sends, ms, entry);
		if (ok && ms->id != 0) {
			httpd_reply_json(ms->req, 200,
			    store_message_json(a->store, ms->id));
			msg_emit(a, ms->id);
		} else
			httpd_reply_error(ms->req, 507, "cannot store the "
			    "message (disk full or read-only?); nothing was "
			    "queued");
		sodium_memzero(ms->text, ms->len);
		free(ms->text);
		free(ms);
	}
	for (i = 0; ok && i < nkick; i++)
		msg_kick(a, kick[i]);
	free(kick);
}

static void
msg_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	msg_flush(arg);
}

struct msg_list {
	struct evbuffer	*buf;
	long		 n;
};

static int
msg_list_write(const char *text, size_t len, void *arg)
{
	return evbuffer_add(arg, text, len);
}

static void
msg_list_row(json_t *row, void *arg)
{
	struct msg_list	*l = arg;

	if (l->n++ > 0)
		evbuffer_add(l->buf, ",", 1);
	if (json_dump_callback(row, msg_list_write, l->buf, JSON_COMPACT) == -1)
		fatalx("messages: out of memory");
}

void
msg_api_list(struct agent *a, struct evhttp_request *req)
{
	struct store_contact	 c;
	struct msg_list		 l;
	struct evkeyvalq	 q;
	const char		*name;
	long			 cid = 0;

	memset(&q, 0, sizeof(q));
	evhttp_parse_query_str(evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req)) ?: "", &q);
	name = evhttp_find_header(&q, "contact");
	if (name != NULL) {
		if (msg_contact_arg(a, req, name, &c) == -1) {
			evhttp_clear_headers(&q);
			return;
		}
		cid = c.id;
	}
	evhttp_clear_headers(&q);
	/*
	 * The conversation can be long: write it out row by row, never
	 * holding more than its text (10,000 messages as JSON objects took
	 * some 25 MB more than their text).
	 */
	if ((l.buf = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	l.n = 0;
	evbuffer_add(l.buf, "[", 1);
	if (store_messages_each(a->store, cid, msg_list_row, &l) == -1) {
		evbuffer_free(l.buf);
		httpd_reply_error(req, 500, "cannot read the messages: %s",
		    store_errmsg(a->store));
		return;
	}
	evbuffer_add(l.buf, "]\n", 2);
	httpd_reply_json_buffer(req, 200, l.buf);
	evbuffer_free(l.buf);
}

void
msg_api_delete(struct agent *a, struct evhttp_request *req, json_t *body)
{
	struct store_contact	 c;
	const char		*name;
	json_int_t		 id, before;
	int			 n;

	id = json_integer_value(json_object_get(body, "id"));
	before = json_integer_value(json_object_get(body, "before"));
	name = json_string_value(json_object_get(body, "contact"));
	if (id < 0 || before < 0 || (id == 0 && before == 0 && name == NULL)) {
		httpd_reply_error(req, 400, "say which messages: id, contact "
		    "or before");
		return;
	}
	c.id = 0;
	if (name != NULL && msg_contact_arg(a, req, name, &c) == -1)
		return;
	if ((n = store_messages_delete(a->store, (long)id, c.id,
	    (long long)before)) == -1) {
		httpd_reply_error(req, 500, "cannot delete: %s",
		    store_errmsg(a->store));
		return;
	}
	if (id != 0 && n == 0) {
		httpd_reply_error(req, 404, "no message %lld",
		    (long long)id);
		return;
	}
	log_info("deleted %d message%s", n, n == 1 ? "" : "s");
	events_emit(a->events, "deleted", json_pack("{s:i}", "count", n));
	httpd_reply_json(req, 200, json_pack("{s:i}", "deleted", n));
}

void
msg_api_retry(struct agent *a, struct evhttp_request *req, json_t *body)
{
	struct store_contact	 c;
	struct msg_peer		*p;
	const char		*name;
	int			 n;

	name = json_string_value(json_object_get(body, "petname"));
	c.id = 0;
	if (name != NULL && msg_contact_arg(a, req, name, &c) == -1)
		return;
	n = store_outbox_retry_now(a->store, c.id);
	TAILQ_FOREACH(p, a->msg_peers, entry)
		if (c.id == 0 || p->contact_id == c.id)
			msg_kick(a, p->contact_id);
	if (c.id != 0)
		msg_kick(a, c.id);
	else
		msg_tor_ready(a);
	httpd_reply_json(req, 200, json_pack("{s:i}", "retrying", n));
}

/*
 * An envelope with a contact's token did not decrypt. Whoever holds the
 * token can send thousands: say so at most once a minute per contact.
 */
static void
msg_log_reject(struct agent *a, long contact_id)
{
	struct msg_peer	*p = msg_peer(a, contact_id, 1);
	long long	 now = (long long)time(NULL);

	if (p->rejects_logged != 0 && now >= p->rejects_logged &&
	    now - p->rejects_logged < MSG_REJECT_LOG_SECS) {
		p->rejects_quiet++;
		return;
	}
	if (p->rejects_quiet > 0)
		log_info("an envelope from contact %ld did not decrypt (and "
		    "%u more since the last report)", contact_id,
		    p->rejects_quiet);
	else
		log_info("an envelope from contact %ld did not decrypt",
		    contact_id);
	p->rejects_logged = now;
	p->rejects_quiet = 0;
}

/*
 * Inbound: a batch from a contact's agent. The whole batch is stored in
 * one transaction (one sync to disk, not one per envelope), each envelope
 * under its own savepoint so that one that fails leaves the others; the
 * answer, which says "stored" for each, goes only once that transaction
 * is committed. *ID gets the stored message's id (0 for none), for the
 * event that follows the commit. BODY is the caller's sodium_malloc'd
 * room for the plaintext, ENVELOPE_MAX_BODY + 1 bytes, wiped here.
 */
static json_t *
msg_inbound_one(struct agent *a, const struct envelope_view *v, long *kick,
    long *id, uint8_t *body)
{
	struct store_contact	 c;
	struct store_message	 m;
	struct envelope_msg	 em;
	struct ratchet		*r = NULL;
	enum envelope_open_status st;
	int			 seen;

	*id = 0;
	if (store_contact_by_token(a->store, v->token, &c) == -1)
		return json_pack("{s:s, s:s}", "status", "rejected", "error",
		    "unknown channel token");
	*kick = c.id;
	if ((seen = store_seen(a->store, c.id, v->header, RATCHET_HEADERBYTES,
	    0)) == 1)
		return json_pack("{s:s}", "status", "replay");
	if (seen == -1 || store_savepoint(a->store) == -1)
		return json_pack("{s:s, s:s}", "status", "error", "error",
		    "cannot store now");
	if (store_ratchet_load(a->store, c.id, &r) == -1) {
		store_rollback_to(a->store);
		return json_pack("{s:s, s:s}", "status", "error", "error",
		    "no session");
	}
	st = envelope_open(&em, body, ENVELOPE_MAX_BODY + 1, r, v);
	if (st == ENVELOPE_REJECTED) {
		store_rollback_to(a->store);
		ratchet_free(r);
		sodium_memzero(body, ENVELOPE_MAX_BODY + 1);
		msg_log_reject(a, c.id);
		return json_pack("{s:s, s:s}", "status", "rejected", "error",
		    "cannot decrypt (tampered, or a replay)");
	}
	if (store_seen(a->store, c.id, v->header, RATCHET_HEADERBYTES, 1) == -1 ||
	    store_ratchet_save(a->store, c.id, r) == -1)
		goto fail;
	if (st == ENVELOPE_OPENED && em.type == ENVELOPE_TEXT) {
		memset(&m, 0, sizeof(m));
		m.contact_id = c.id;
		m.incoming = 1;
		m.kind = 1;
		m.seq = (long)em.seq;
		m.body = em.body;
		m.bodylen = em.bodylen;
		m.created = (long long)em.created;
		if (store_message_insert(a->store, &m, id) == -1)
			goto fail;
	}
	if (store_release(a->store) == -1)
		goto fail;
	ratchet_free(r);
	sodium_memzero(body, ENVELOPE_MAX_BODY + 1);
	if (st == ENVELOPE_MALFORMED)
		return json_pack("{s:s, s:s}", "status", "rejected", "error",
		    "malformed message");
	return json_pack("{s:s}", "status", "stored");
fail:
	*id = 0;
	store_rollback_to(a->store);
	ratchet_free(r);
	sodium_memzero(body, ENVELOPE_MAX_BODY + 1);
	log_warnx("messages: cannot store a message from contact %ld: %s",
	    c.id, store_errmsg(a->store));
	return json_pack("{s:s, s:s}", "status", "error", "error",
	    "cannot store now");
}

void
msg_inbound(struct agent *a, struct evhttp_request *req)
{
	struct envelope_view	 views[ENVELOPE_BATCH_MAX];
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	json_t			*results, *r;
	const char		*st;
	size_t			 len = evbuffer_get_length(in), count, i;
	long			 kick = 0, ids[ENVELOPE_BATCH_MAX];
	uint8_t			*p, *body;
	int			 stop = 0;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		httpd_reply_error(req, 405, "use POST");
		return;
	}
	if (len > ENVELOPE_BATCH_MAX_BYTES) {
		httpd_reply_error(req, 413, "larger than %u bytes",
		    (unsigned)ENVELOPE_BATCH_MAX_BYTES);
		return;
	}
	if ((p = evbuffer_pullup(in, -1)) == NULL ||
	    envelope_batch_decode(views, &count, p, len) == -1) {
		httpd_reply_error(req, 400, "not a batch of envelopes");
		return;
	}
	results = json_array();
	if (store_begin(a->store) == -1) {
		for (i = 0; i < count; i++)
			json_array_append_new(results, json_pack("{s:s, s:s}",
			    "status", "error", "error", "cannot store now"));
		httpd_reply_json(req, 200, json_pack("{s:o}", "results",
		    results));
		return;
	}
	/* The plaintext: guarded, and wiped by sodium_free(). */
	if ((body = sodium_malloc(ENVELOPE_MAX_BODY + 1)) == NULL)
		fatal("sodium_malloc");
	/*
	 * Once one envelope cannot be stored now, the rest are not tried:
	 * the sender sends them again, in order, after it.
	 */
	for (i = 0; i < count; i++) {
		ids[i] = 0;
		r = stop ? json_pack("{s:s, s:s}", "status", "error", "error",
		    "not tried after an earlier failure") :
		    msg_inbound_one(a, &views[i], &kick, &ids[i], body);
		st = json_string_value(json_object_get(r, "status"));
		if (st != NULL && strcmp(st, "error") == 0)
			stop = 1;
		json_array_append_new(results, r);
	}
	sodium_free(body);
	if (store_commit(a->store) == -1) {
		/* Nothing of the batch is kept: the sender tries again. */
		log_warnx("messages: cannot store a batch from contact %ld: %s",
		    kick, store_errmsg(a->store));
		json_array_clear(results);
		for (i = 0; i < count; i++) {
			ids[i] = 0;
			json_array_append_new(results, json_pack("{s:s, s:s}",
			    "status", "error", "error", "cannot store now"));
		}
	}
	httpd_reply_json(req, 200, json_pack("{s:o}", "results", results));
	for (i = 0; i < count; i++)
		if (ids[i] != 0)
			msg_emit(a, ids[i]);
	/* Our contact is reachable: what we have for it goes now. */
	if (kick != 0) {
		store_outbox_retry_now(a->store, kick);
		msg_kick(a, kick);
	}
}
