#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <sodium.h>

#include "agent.h"
#include "code.h"
#include "crypto/ratchet.h"
#include "events.h"
#include "httpd.h"
#include "intro.h"
#include "invite.h"
#include "log.h"
#include "messages.h"
#include "net.h"
#include "petname.h"
#include "qr.h"
#include "rendezvous.h"
#include "store.h"
#include "torctl.h"
#include "wipe.h"
#include "xmalloc.h"

#define INVITE_QUEUE		4
#define INVITE_BACKOFF_MAX	30
#define INVITE_RELEASE_WAIT	120	/* direct: wait for the peer to finish */

enum invite_state {
	INVITE_CHANNEL,		/* getting a channel (allocate, claim, onion) */
	INVITE_WAITING,		/* inviter: code out, nobody has come yet */
	INVITE_EXCHANGING,
	INVITE_DONE,
	INVITE_FAILED,
};

static const char *const invite_state_names[] = {
	"starting", "waiting", "exchanging", "done", "failed",
};

struct invite {
	struct agent			*a;
	struct store_invitation		*inv;	/* stored part (secrets) */
	struct intro			*intro;
	enum invite_state		 state;
	char				 error[256];
	/* Our messages not yet on the channel, oldest first. */
	uint8_t				 q[INVITE_QUEUE][INTRO_MSG_MAX];
	size_t				 qlen[INVITE_QUEUE];
	int				 nq;
	unsigned			 produced;	/* by intro so far */
	unsigned			 after;		/* peer messages read */
	int				 local;		/* direct inviter */
	int				 released;
	struct net_req			*sendreq;
	struct net_req			*recvreq;
	struct net_req			*ctlreq;	/* allocate, claim, release */
	struct event			*retry;
	struct event			*expire;
	int				 backoff;
	unsigned			 circuit;	/* bumped on no answer */
	int				 words;		/* in a new code */
	long long			 reach_deadline;
	struct evhttp_request		*waiting;	/* POST /v1/invite */
	json_t				*contact;	/* when done */
	TAILQ_ENTRY(invite)		 entry;
};

TAILQ_HEAD(invite_list, invite);

static void	invite_pump(struct invite *);
static void	invite_fail(struct invite *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static struct invite_list *
invite_list(struct agent *a)
{
	return a->invites;
}

static json_t *
invite_json(struct invite *iv)
{
	json_t	*j;

	j = json_pack("{s:I, s:s, s:s, s:b, s:s, s:I}",
	    "id", (json_int_t)iv->inv->id,
	    "role", iv->inv->inviter ? "inviter" : "accepter",
	    "state", invite_state_names[iv->state],
	    "direct", iv->inv->direct,
	    "petname", iv->inv->petname,
	    "expires", (json_int_t)iv->inv->expires);
	if (iv->state == INVITE_FAILED)
		json_object_set_new(j, "error", json_string(iv->error));
	/* The inviter may show its code again while it waits. */
	if (iv->inv->inviter && iv->inv->code[0] != '\0' &&
	    (iv->state == INVITE_WAITING || iv->state == INVITE_EXCHANGING))
		json_object_set_new(j, "code", json_string(iv->inv->code));
	if (iv->contact != NULL)
		json_object_set(j, "contact", iv->contact);
	return j;
}

static void
invite_emit(struct invite *iv)
{
	json_t	*j = invite_json(iv);

	/* Events go to every local subscriber: never the code. */
	json_object_del(j, "code");
	events_emit(iv->a->events, "invitation", j);
}

static void
invite_free(struct invite *iv)
{
	TAILQ_REMOVE(invite_list(iv->a), iv, entry);
	net_cancel(iv->sendreq);
	net_cancel(iv->recvreq);
	net_cancel(iv->ctlreq);
	if (iv->retry != NULL)
		event_free(iv->retry);
	if (iv->expire != NULL)
		event_free(iv->expire);
	if (iv->waiting != NULL) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    iv->waiting), NULL, NULL);
		httpd_reply_error(iv->waiting, 503, "the agent is stopping");
	}
	intro_free(iv->intro);
	store_invitation_free(iv->inv);
	json_decref(iv->contact);
	sodium_memzero(iv->q, sizeof(iv->q));
	free(iv);
}

/* Finished introductions stay visible for a while, then go. */
static void
invite_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	invite_free(arg);
}

static void
invite_linger(struct invite *iv)
{
	struct timeval	tv = { INVITE_KEEP_SECS, 0 };

	net_cancel(iv->sendreq);
	net_cancel(iv->recvreq);
	iv->sendreq = iv->recvreq = NULL;
	evtimer_del(iv->retry);
	event_free(iv->expire);
	iv->expire = evtimer_new(iv->a->base, invite_linger_cb, iv);
	evtimer_add(iv->expire, &tv);
}

static void
invite_reply_waiting(struct invite *iv, int code, json_t *j)
{
	if (iv->waiting == NULL) {
		json_decref(j);
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(
	    iv->waiting), NULL, NULL);
	httpd_reply_json(iv->waiting, code, j);
	iv->waiting = NULL;
}

static void
invite_del_onion_cb(struct torctl *ctl, int status, const char *error,
    void *arg)
{
	if (status == -1)
		log_debug("cannot remove an invitation onion: %s", error);
}

/* Forget the invitation onion of a direct invitation, and its channel. */
static void
invite_drop_onion(struct invite *iv)
{
	struct torctl	*ctl;

	if (!iv->local || iv->inv->nameplate[0] == '\0')
		return;
	rv_server_close(iv->a->invite_rv, iv->inv->nameplate);
	if ((ctl = agent_tor_control(iv->a)) != NULL &&
	    torctl_del_onion(ctl, iv->inv->nameplate, invite_del_onion_cb,
	    NULL) == -1)
		log_debug("introduction %ld: cannot remove its onion",
		    iv->inv->id);
	iv->inv->nameplate[0] = '\0';
}

static void
invite_release_done(int status, long code, const uint8_t *body, size_t len,
    const char *error, void *arg)
{
	struct invite	*iv = arg;

	iv->ctlreq = NULL;
}

static struct net_req *invite_post(struct invite *, const char *, json_t *,
		    net_done_cb *);

/* Tell the rendezvous service we are done with the channel. */
static void
invite_release(struct invite *iv)
{
	if (iv->local || iv->released || iv->inv->token[0] == '\0' ||
	    agent_tor_socks(iv->a) == NULL)
		return;
	iv->released = 1;
	net_cancel(iv->ctlreq);
	iv->ctlreq = invite_post(iv, "/v1/rv/release", json_pack(
	    "{s:s, s:s}", "nameplate", iv->inv->nameplate, "token",
	    iv->inv->token), invite_release_done);
}

static void
invite_fail(struct invite *iv, const char *fmt, ...)
{
	va_list	ap;

	if (iv->state == INVITE_FAILED || iv->state == INVITE_DONE)
		return;
	va_start(ap, fmt);
	vsnprintf(iv->error, sizeof(iv->error), fmt, ap);
	va_end(ap);
	/* The reason is ours or the network's words, never a code. */
	log_warnx("introduction %ld failed: %s", iv->inv->id, iv->error);
	iv->state = INVITE_FAILED;
	if (store_invitation_burn(iv->a->store, iv->inv->id) == -1)
		log_warnx("database: cannot forget introduction %ld: %s",
		    iv->inv->id, store_errmsg(iv->a->store));
	invite_reply_waiting(iv, 502, json_pack("{s:s}", "error", iv->error));
	invite_drop_onion(iv);
	intro_free(iv->intro);
	iv->intro = NULL;
	invite_emit(iv);
	/*
	 * A confirmation still queued goes out first, so that the other
	 * side learns of a wrong code at once; then release the channel.
	 */
	net_cancel(iv->recvreq);
	iv->recvreq = NULL;
	if (iv->nq > 0 && iv->sendreq == NULL && !iv->local &&
	    agent_tor_socks(iv->a) != NULL) {
		invite_pump(iv);
		return;
	}
	if (iv->sendreq == NULL) {
		iv->nq = 0;
		invite_release(iv);
		invite_linger(iv);
	}
}

static void
invite_expire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct invite	*iv = arg;

	if (iv->state == INVITE_DONE) {
		/* Direct: the peer never said it finished; stop waiting. */
		invite_drop_onion(iv);
		invite_linger(iv);
		return;
	}
	invite_fail(iv, "the invitation expired");
}

static void	invite_get_channel(struct invite *);

static void
invite_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct invite	*iv = arg;

	if (iv->state == INVITE_CHANNEL)
		invite_get_channel(iv);
	else
		invite_pump(iv);
}

/* A transient failure: try again later, unless it is too late. */
static void
invite_later(struct invite *iv, const char *why)
{
	struct timeval	tv;

	if (iv->reach_deadline != 0 && time(NULL) >= iv->reach_deadline) {
		if (iv->inv->direct)
			invite_fail(iv, "cannot reach the invitation (%s): the "
			    "code expired or was used, or the inviter's agent "
			    "is offline", why);
		else
			invite_fail(iv, "cannot reach the rendezvous service: "
			    "%s", why);
		return;
	}
	iv->backoff = iv->backoff == 0 ? 1 : iv->backoff * 2;
	if (iv->backoff > INVITE_BACKOFF_MAX)
		iv->backoff = INVITE_BACKOFF_MAX;
	log_info("introduction %ld: %s; trying again in %d s", iv->inv->id,
	    why, iv->backoff);
	tv.tv_sec = iv->backoff;
	tv.tv_usec = randombytes_uniform(1000000);
	evtimer_add(iv->retry, &tv);
}

/* Queue INTRO's output, unless an earlier run already sent it. */
static void
invite_queue(struct invite *iv, const uint8_t *msg, size_t len)
{
	if (len == 0)
		return;
	if (iv->produced++ < iv->inv->sent)
		return;
	if (iv->local) {
		if (rv_server_local_send(iv->a->invite_rv, iv->inv->nameplate,
		    msg, len) == -1)
			invite_fail(iv, "cannot answer on the invitation "
			    "channel");
		return;
	}
	if (iv->nq == INVITE_QUEUE)
		fatalx("introduction: queue overflow");
	memcpy(iv->q[iv->nq], msg, len);
	iv->qlen[iv->nq++] = len;
}

static void
invite_done(struct invite *iv)
{
	const struct intro_record	*peer = intro_peer(iv->intro);
	struct store_peer		 p;
	struct ratchet			*r = NULL;
	struct timeval			 tv = { INVITE_RELEASE_WAIT, 0 };
	uint8_t				 sk[INTRO_SESSIONBYTES], *blob = NULL;
	char				 verify[INTRO_VERIFY_MAX];
	char				 address[STORE_ONION_ADDR_LEN + 1];
	size_t				 bloblen = 0;
	int				 rc;

	intro_session_key(iv->intro, sk);
	/* The inviter is the ratchet's Bob: it holds the first key pair. */
	if (iv->inv->inviter)
		rc = ratchet_init_bob(&r, sk, iv->inv->ratchet_sk);
	else
		rc = ratchet_init_alice(&r, sk, peer->ratchet_pk);
	sodium_memzero(sk, sizeof(sk));
	if (rc == -1) {
		invite_fail(iv, "the other side's ratchet key is invalid");
		return;
	}
	bloblen = ratchet_save_size(r);
	if ((blob = sodium_malloc(bloblen)) == NULL)
		fatal("sodium_malloc");
	if (ratchet_save(blob, bloblen, r) == -1)
		fatalx("ratchet_save");
	ratchet_free(r);

	intro_verification(verify, iv->a->id->sign_pk, peer->identity_pk);
	snprintf(address, sizeof(address), "%s.onion", peer->onion_id);
	memset(&p, 0, sizeof(p));
	p.identity_pk = peer->identity_pk;
	p.onion_address = address;
	p.their_token = peer->token;
	p.suggested_name = peer->name;
	p.verification = verify;
	p.ratchet = blob;
	p.ratchetlen = bloblen;
	rc = store_invitation_finish(iv->a->store, iv->inv, &p);
	sodium_free(blob);
	if (rc == -1) {
		invite_fail(iv, "cannot store the new contact");
		return;
	}
	iv->state = INVITE_DONE;
	iv->contact = store_contact_json(iv->a->store, iv->inv->contact_id);
	log_info("introduction %ld done: new contact %s", iv->inv->id,
	    iv->inv->petname);
	events_emit(iv->a->events, "contact", json_incref(iv->contact));
	msg_contact_ready(iv->a, iv->inv->contact_id, !iv->inv->inviter);
	invite_emit(iv);
	intro_free(iv->intro);
	iv->intro = NULL;
	if (iv->local) {
		/* Keep the channel until the accepter has read our record. */
		evtimer_del(iv->expire);
		evtimer_add(iv->expire, &tv);
		return;
	}
	if (iv->nq == 0) {
		invite_release(iv);
		invite_linger(iv);
	} else
		invite_pump(iv);
}

/* Feed the peer's message to the state machine. 0 to go on. */
static int
invite_feed(struct invite *iv, const uint8_t *msg, size_t len)
{
	uint8_t			out[INTRO_MSG_MAX];
	size_t			outlen;
	char			err[256];
	enum intro_status	st;

	if (iv->intro == NULL)
		return -1;
	if (iv->state == INVITE_WAITING) {
		iv->state = INVITE_EXCHANGING;
		invite_emit(iv);
	}
	st = intro_receive(iv->intro, msg, len, out, &outlen, err,
	    sizeof(err));
	if (st == INTRO_FAILED) {
		invite_fail(iv, "%s", err);
		return -1;
	}
	invite_queue(iv, out, outlen);
	sodium_memzero(out, sizeof(out));
	if (st == INTRO_DONE) {
		invite_done(iv);
		return -1;
	}
	return iv->state == INVITE_FAILED ? -1 : 0;
}

/* The peer's message on a direct invitation's local channel. */
static void
invite_local_cb(const uint8_t *msg, size_t len, void *arg)
{
	struct invite	*iv = arg;

	if (msg == NULL) {
		/* The channel is gone (rendezvous.c freed it): the accepter
		 * released it, or it expired. Either way the onion can go. */
		if (iv->state == INVITE_DONE) {
			invite_drop_onion(iv);
			invite_linger(iv);
		} else
			invite_fail(iv, "the other side stopped: wrong code or "
			    "tampering, or it gave up");
		return;
	}
	invite_feed(iv, msg, len);
}

/* One request to the channel's service, with our isolation. */
static struct net_req *
invite_post(struct invite *iv, const char *path, json_t *body,
    net_done_cb *cb)
{
	struct net_opts	 o;
	struct net_req	*r;
	char		*text, iso[64];

	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	memset(&o, 0, sizeof(o));
	snprintf(iso, sizeof(iso), "intro-%ld-%u", iv->inv->id, iv->circuit);
	o.socks_path = agent_tor_socks(iv->a);
	o.onion = iv->inv->service;
	o.method = "POST";
	o.path = path;
	o.body = (const uint8_t *)text;
	o.bodylen = strlen(text);
	o.content_type = "application/json";
	o.isolation = iso;
	o.timeout_ms = (RV_POLL_SECS + 35) * 1000L;
	o.connect_ms = INVITE_CONNECT_MS;
	o.max_reply = 64 * 1024;
	r = net_request(iv->a->net, &o, cb, iv);
	wipe_json_free(text);		/* tokens: wiped */
	return r;
}

/*
 * The service's answer to one of our requests: its JSON object, or NULL
 * once a failure is dealt with. What may pass (no answer, 429, 5xx) is
 * tried again later; a 404 fails with NOT_FOUND when given; anything else
 * fails with REFUSED and the service's words.
 */
static json_t *
invite_answer(struct invite *iv, int status, long code, const uint8_t *body,
    size_t len, const char *error, const char *refused,
    const char *not_found)
{
	json_error_t	 jerr;
	json_t		*j;
	const char	*msg;

	if (status == -1) {
		/*
		 * The service may have gone and come back with new
		 * introduction points: new circuits, and let tor look it up
		 * afresh, or it keeps trying the old ones for minutes.
		 */
		iv->circuit++;
		(void)agent_tor_forget_onions(iv->a, &iv->a->onions_forgotten,
		    TOR_FORGET_SECS, NULL, NULL);
		invite_later(iv, error);
		return NULL;
	}
	j = json_loadb((const char *)body, len, 0, &jerr);
	if (code == 200 && json_is_object(j))
		return j;
	msg = json_string_value(json_object_get(j, "error"));
	if (msg == NULL)
		msg = "the service answered something unexpected";
	if (code == 429 || code == 503 || code >= 500)
		invite_later(iv, msg);
	else if (code == 404 && not_found != NULL)
		invite_fail(iv, "%s (%s)", not_found, msg);
	else
		invite_fail(iv, "%s%s", refused, msg);
	json_decref(j);
	return NULL;
}

/* Make the code: PREFIX (nameplate or onion id) and fresh words. */
static int
invite_make_code(struct invite *iv, const char *prefix)
{
	struct code	c;

	if (code_make(&c, prefix, iv->words) == -1) {
		invite_fail(iv, "cannot make a code");
		return -1;
	}
	snprintf(iv->inv->code, sizeof(iv->inv->code), "%s", c.canonical);
	sodium_memzero(&c, sizeof(c));
	return 0;
}

static int
invite_start_intro(struct invite *iv)
{
	uint8_t	out[INTRO_MSG_MAX];
	size_t	outlen;
	struct intro_record self;

	memset(&self, 0, sizeof(self));
	memcpy(self.identity_pk, iv->a->id->sign_pk, INTRO_KEYBYTES);
	crypto_scalarmult_base(self.ratchet_pk, iv->inv->ratchet_sk);
	memcpy(self.token, iv->inv->my_token, INTRO_KEYBYTES);
	snprintf(self.onion_id, sizeof(self.onion_id), "%.56s",
	    iv->a->id->onion_address);
	snprintf(self.name, sizeof(self.name), "%s",
	    iv->a->conf.name != NULL ? iv->a->conf.name : "");
	iv->produced = 0;
	if (intro_new(&iv->intro, iv->inv->inviter ? INTRO_INVITER :
	    INTRO_ACCEPTER, iv->inv->code, iv->inv->entropy, &self,
	    iv->a->id->sign_sk, out, &outlen) == -1) {
		invite_fail(iv, "cannot start the introduction");
		return -1;
	}
	iv->state = iv->inv->inviter ? INVITE_WAITING : INVITE_EXCHANGING;
	invite_queue(iv, out, outlen);
	return 0;
}

static void
invite_sent_cb(int status, long code, const uint8_t *body, size_t len,
    const char *error, void *arg)
{
	struct invite	*iv = arg;
	json_t		*j;

	iv->sendreq = NULL;
	if (iv->state == INVITE_FAILED && (status == -1 || code != 200)) {
		/* A last message after a failure: no retries. */
		iv->nq = 0;
		invite_release(iv);
		invite_linger(iv);
		return;
	}
	if ((j = invite_answer(iv, status, code, body, len, error,
	    "the channel refused our message: ", NULL)) == NULL)
		return;
	json_decref(j);
	iv->backoff = 0;
	sodium_memzero(iv->q[0], iv->qlen[0]);
	memmove(iv->q[0], iv->q[1], sizeof(iv->q[0]) * (INVITE_QUEUE - 1));
	memmove(iv->qlen, iv->qlen + 1, sizeof(iv->qlen[0]) *
	    (INVITE_QUEUE - 1));
	iv->nq--;
	iv->inv->sent++;
	if (iv->state != INVITE_FAILED)
		store_invitation_update(iv->a->store, iv->inv);
	if ((iv->state == INVITE_DONE || iv->state == INVITE_FAILED) &&
	    iv->nq == 0) {
		invite_release(iv);
		invite_linger(iv);
		return;
	}
	invite_pump(iv);
}

static void
invite_recv_cb(int status, long code, const uint8_t *body, size_t len,
    const char *error, void *arg)
{
	struct invite	*iv = arg;
	struct rv_recv	*r;
	json_t		*j;
	size_t		 i;
	int		 rc, closed;

	iv->recvreq = NULL;
	if ((j = invite_answer(iv, status, code, body, len, error,
	    "the channel refused us: ", "the other side gave up or the code "
	    "expired")) == NULL)
		return;
	iv->backoff = 0;
	r = xmalloc(sizeof(*r));
	rc = rv_recv_decode(r, j);
	json_decref(j);
	if (rc == -1) {
		free(r);
		invite_fail(iv, "the channel sent a malformed message");
		return;
	}
	for (i = 0; i < r->count; i++) {
		iv->after++;
		if (invite_feed(iv, r->msgs[i], r->lens[i]) == -1)
			break;
	}
	closed = r->closed;
	sodium_memzero(r, sizeof(*r));
	free(r);
	if (closed &&
	    (iv->state == INVITE_WAITING || iv->state == INVITE_EXCHANGING)) {
		invite_fail(iv, "the other side stopped: wrong code or "
		    "tampering, or it gave up");
		return;
	}
	if (iv->state == INVITE_WAITING || iv->state == INVITE_EXCHANGING)
		invite_pump(iv);
}

/* Send what is queued, and keep one receive waiting. */
static void
invite_pump(struct invite *iv)
{
	char	 b64[sodium_base64_ENCODED_LEN(INTRO_MSG_MAX,
		    sodium_base64_VARIANT_ORIGINAL)];

	if (iv->local || (iv->intro == NULL && iv->nq == 0))
		return;
	if (agent_tor_socks(iv->a) == NULL) {
		invite_later(iv, "tor not ready");
		return;
	}
	if (iv->sendreq == NULL && iv->nq > 0) {
		sodium_bin2base64(b64, sizeof(b64), iv->q[0], iv->qlen[0],
		    sodium_base64_VARIANT_ORIGINAL);
		iv->sendreq = invite_post(iv, "/v1/rv/send", json_pack(
		    "{s:s, s:s, s:s, s:I}", "nameplate", iv->inv->nameplate,
		    "token", iv->inv->token, "body", b64, "index",
		    (json_int_t)iv->inv->sent), invite_sent_cb);
		sodium_memzero(b64, sizeof(b64));
	}
	if (iv->recvreq == NULL && iv->intro != NULL)
		iv->recvreq = invite_post(iv, "/v1/rv/recv", json_pack(
		    "{s:s, s:s, s:I}", "nameplate", iv->inv->nameplate,
		    "token", iv->inv->token, "after", (json_int_t)iv->after),
		    invite_recv_cb);
}

/* The answer to allocate (inviter) or claim (accepter). */
static void
invite_channel_cb(int status, long code, const uint8_t *body, size_t len,
    const char *error, void *arg)
{
	struct invite	*iv = arg;
	const char	*np, *token;
	json_t		*j;

	iv->ctlreq = NULL;
	if ((j = invite_answer(iv, status, code, body, len, error, "",
	    NULL)) == NULL)
		return;
	token = json_string_value(json_object_get(j, "token"));
	np = iv->inv->inviter ? json_string_value(json_object_get(j,
	    "nameplate")) : iv->inv->nameplate;
	if (token == NULL || np == NULL || strlen(token) >=
	    sizeof(iv->inv->token) || (iv->inv->inviter && strlen(np) > 7)) {
		json_decref(j);
		invite_fail(iv, "the rendezvous service answered something "
		    "unexpected");
		return;
	}
	snprintf(iv->inv->token, sizeof(iv->inv->token), "%s", token);
	if (iv->inv->inviter)
		snprintf(iv->inv->nameplate, sizeof(iv->inv->nameplate), "%s",
		    np);
	json_decref(j);
	iv->reach_deadline = 0;
	iv->backoff = 0;
	if (iv->inv->inviter && invite_make_code(iv, iv->inv->nameplate) == -1)
		return;
	store_invitation_update(iv->a->store, iv->inv);
	if (invite_start_intro(iv) == -1)
		return;
	if (iv->inv->inviter) {
		log_info("introduction %ld: code made on the rendezvous "
		    "service", iv->inv->id);
		invite_reply_waiting(iv, 200, invite_json(iv));
	}
	invite_emit(iv);
	invite_pump(iv);
}

/* Get a channel: allocate one (inviter) or claim the code's (accepter). */
static void
invite_get_channel(struct invite *iv)
{
	json_t	*body;

	if (agent_tor_socks(iv->a) == NULL) {
		invite_later(iv, "tor not ready");
		return;
	}
	if (iv->inv->inviter)
		body = json_pack("{s:I}", "lifetime", (json_int_t)(
		    iv->inv->expires - time(NULL)));
	else
		body = json_pack("{s:s}", "nameplate", iv->inv->nameplate);
	iv->ctlreq = invite_post(iv, iv->inv->inviter ? "/v1/rv/allocate" :
	    "/v1/rv/claim", body, invite_channel_cb);
}

/* Direct invitation: tor made (or re-added) the invitation onion. */
static void
invite_onion_cb(struct torctl *ctl, int status, const char *error,
    const char *service_id, const char *private_key, void *arg)
{
	struct invite	*iv = arg;
	long		 left = (long)(iv->inv->expires - time(NULL));

	if (status == -1) {
		invite_fail(iv, "tor cannot make the invitation onion: %s",
		    error);
		return;
	}
	if (private_key != NULL) {
		snprintf(iv->inv->onion_key, sizeof(iv->inv->onion_key), "%s",
		    private_key);
		snprintf(iv->inv->service, sizeof(iv->inv->service),
		    "%s.onion", service_id);
		if (invite_make_code(iv, service_id) == -1)
			return;
	}
	snprintf(iv->inv->nameplate, sizeof(iv->inv->nameplate), "%s",
	    service_id);
	iv->inv->sent = 0;	/* a fresh local channel */
	store_invitation_update(iv->a->store, iv->inv);
	if (rv_server_open_local(iv->a->invite_rv, iv->inv->nameplate,
	    left > 0 ? left : 1, invite_local_cb, iv) == -1) {
		invite_fail(iv, "cannot open the invitation channel");
		return;
	}
	if (invite_start_intro(iv) == -1)
		return;
	log_info("introduction %ld: direct invitation onion ready",
	    iv->inv->id);
	invite_reply_waiting(iv, 200, invite_json(iv));
	invite_emit(iv);
}

static void
invite_add_onion(struct invite *iv)
{
	struct torctl_onion_port	 port;
	struct torctl_onion		 onion;
	struct torctl			*ctl = agent_tor_control(iv->a);
	char				*target;

	if (ctl == NULL) {
		if (iv->waiting != NULL)
			invite_fail(iv, "tor not ready: try again when "
			    "`petmail status` shows tor at 100%%");
		return;	/* invite_tor_ready() retries */
	}
	xasprintf(&target, "unix:%s", iv->a->invite_path);
	port.virtport = 80;
	port.target = target;
	memset(&onion, 0, sizeof(onion));
	onion.ports = &port;
	onion.nports = 1;
	onion.max_streams = ONION_MAX_STREAMS;
	onion.flags = TORCTL_ONION_MAX_STREAMS_CLOSE;
	onion.key = iv->inv->onion_key[0] != '\0' ? iv->inv->onion_key : NULL;
	if (torctl_add_onion(ctl, &onion, invite_onion_cb, iv) == -1)
		invite_fail(iv, "tor refused the invitation onion: %s",
		    torctl_error(ctl));
	free(target);
}

static struct invite *
invite_new(struct agent *a, struct store_invitation *inv)
{
	struct invite	*iv = xcalloc(1, sizeof(*iv));
	struct timeval	 tv;
	long long	 left;

	iv->a = a;
	iv->inv = inv;
	iv->local = inv->inviter && inv->direct;
	iv->state = INVITE_CHANNEL;
	if ((iv->retry = evtimer_new(a->base, invite_retry_cb, iv)) == NULL ||
	    (iv->expire = evtimer_new(a->base, invite_expire_cb, iv)) == NULL)
		fatalx("evtimer_new");
	left = inv->expires - (long long)time(NULL);
	tv.tv_sec = left > 0 ? (time_t)left : 0;
	tv.tv_usec = 0;
	evtimer_add(iv->expire, &tv);
	TAILQ_INSERT_TAIL(invite_list(a), iv, entry);
	return iv;
}

static void
invite_closed_cb(struct evhttp_connection *conn, void *arg)
{
	struct invite	*iv = arg;

	iv->waiting = NULL;
}

static int
invite_count_pending(struct agent *a)
{
	struct invite	*iv;
	int		 n = 0;

	TAILQ_FOREACH(iv, invite_list(a), entry)
		n += iv->state != INVITE_DONE && iv->state != INVITE_FAILED;
	return n;
}

void
invite_clock_jumped(struct agent *a, long long by)
{
	struct invite	*iv;

	/* The timers run on the monotonic clock; only wall times move. */
	if (invite_list(a) == NULL)
		return;		/* not started: the store was moved */
	TAILQ_FOREACH(iv, invite_list(a), entry) {
		iv->inv->expires += by;
		if (iv->reach_deadline != 0)
			iv->reach_deadline += by;
	}
}

int
invite_pending_count(struct agent *a)
{
	return invite_count_pending(a);
}

/* Validate an optional petname from a request; -1 after replying 400. */
static int
invite_petname_arg(struct evhttp_request *req, json_t *body,
    const char **out)
{
	json_t		*v = json_object_get(body, "petname");
	char		 err[128];

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || petname_check(json_string_value(v),
	    json_string_length(v), err, sizeof(err)) == -1 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		httpd_reply_error(req, 400, "petname: %s", json_is_string(v) ?
		    err : "must be a string");
		return -1;
	}
	if (strncmp(json_string_value(v), "pending-", 8) == 0) {
		httpd_reply_error(req, 400, "petname: names starting with "
		    "pending- are kept for pending contacts");
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

void
invite_api_create(struct agent *a, struct evhttp_request *req, json_t *body)
{
	struct store_invitation	*inv;
	struct invite		*iv;
	const char		*petname;
	json_t			*v;
	char			 err[256];
	int			 direct, words = CODE_WORDS_DEFAULT;

	if (invite_petname_arg(req, body, &petname) == -1)
		return;
	v = json_object_get(body, "words");
	if (v != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) <
		    CODE_WORDS_MIN || json_integer_value(v) > CODE_WORDS_MAX) {
			httpd_reply_error(req, 400, "words must be %d to %d",
			    CODE_WORDS_MIN, CODE_WORDS_MAX);
			return;
		}
		words = (int)json_integer_value(v);
	}
	direct = json_is_true(json_object_get(body, "direct")) ||
	    a->conf.rendezvous == NULL;
	if (invite_count_pending(a) >= INVITE_MAX_PENDING) {
		httpd_reply_error(req, 429, "too many pending introductions");
		return;
	}
	if (a->id->onion_address[0] == '\0' || agent_tor_control(a) == NULL) {
		httpd_reply_error(req, 503, "tor not ready: try again when "
		    "`petmail status` shows an address");
		return;
	}

	inv = store_invitation_new();
	inv->inviter = 1;
	inv->direct = direct;
	randombytes_buf(inv->entropy, sizeof(inv->entropy));
	randombytes_buf(inv->ratchet_sk, sizeof(inv->ratchet_sk));
	randombytes_buf(inv->my_token, sizeof(inv->my_token));
	inv->expires = (long long)time(NULL) + a->conf.invite_lifetime;
	if (!direct)
		snprintf(inv->service, sizeof(inv->service), "%s",
		    a->conf.rendezvous);
	if (store_invitation_create(a->store, inv, petname, err,
	    sizeof(err)) == -1) {
		store_invitation_free(inv);
		httpd_reply_error(req, 409, "%s", err);
		return;
	}
	iv = invite_new(a, inv);
	iv->words = words;
	iv->waiting = req;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    invite_closed_cb, iv);
	log_info("introduction %ld: inviting (%s code)", inv->id, direct ?
	    "direct" : "rendezvous");
	if (direct)
		invite_add_onion(iv);
	else
		invite_get_channel(iv);
}

void
invite_api_accept(struct agent *a, struct evhttp_request *req, json_t *body)
{
	struct store_invitation	*inv;
	struct invite		*iv;
	struct code		 c;
	const char		*petname, *text;
	char			 err[256];

	text = json_string_value(json_object_get(body, "code"));
	if (text == NULL) {
		httpd_reply_error(req, 400, "code is needed");
		return;
	}
	if (invite_petname_arg(req, body, &petname) == -1)
		return;
	if (code_parse(&c, text, err, sizeof(err)) == -1) {
		httpd_reply_error(req, 400, "%s", err);
		return;
	}
	if (c.kind == CODE_RENDEZVOUS && a->conf.rendezvous == NULL) {
		sodium_memzero(&c, sizeof(c));
		httpd_reply_error(req, 400, "this code meets on a rendezvous "
		    "service, and this agent has none: set rendezvous in "
		    "petmail.conf, or ask for a direct code (invite --direct)");
		return;
	}
	if (invite_count_pending(a) >= INVITE_MAX_PENDING) {
		sodium_memzero(&c, sizeof(c));
		httpd_reply_error(req, 429, "too many pending introductions");
		return;
	}
	if (a->id->onion_address[0] == '\0') {
		sodium_memzero(&c, sizeof(c));
		httpd_reply_error(req, 503, "tor not ready: try again when "
		    "`petmail status` shows an address");
		return;
	}
	inv = store_invitation_new();
	inv->inviter = 0;
	inv->direct = c.kind == CODE_DIRECT;
	snprintf(inv->code, sizeof(inv->code), "%s", c.canonical);
	if (c.kind == CODE_DIRECT) {
		snprintf(inv->service, sizeof(inv->service), "%s.onion",
		    c.onion_id);
		snprintf(inv->nameplate, sizeof(inv->nameplate), "%s",
		    c.onion_id);
	} else {
		snprintf(inv->service, sizeof(inv->service), "%s",
		    a->conf.rendezvous);
		snprintf(inv->nameplate, sizeof(inv->nameplate), "%lu",
		    c.nameplate);
	}
	sodium_memzero(&c, sizeof(c));
	randombytes_buf(inv->entropy, sizeof(inv->entropy));
	randombytes_buf(inv->ratchet_sk, sizeof(inv->ratchet_sk));
	randombytes_buf(inv->my_token, sizeof(inv->my_token));
	inv->expires = (long long)time(NULL) + RV_CLAIMED_LIFETIME;
	if (store_invitation_create(a->store, inv, petname, err,
	    sizeof(err)) == -1) {
		store_invitation_free(inv);
		httpd_reply_error(req, 409, "%s", err);
		return;
	}
	iv = invite_new(a, inv);
	iv->reach_deadline = (long long)time(NULL) + INVITE_ACCEPT_REACH_SECS;
	log_info("introduction %ld: accepting a %s code", inv->id,
	    inv->direct ? "direct" : "rendezvous");
	httpd_reply_json(req, 200, invite_json(iv));
	invite_get_channel(iv);
}

static struct invite *
invite_find(struct agent *a, long id)
{
	struct invite	*iv;

	TAILQ_FOREACH(iv, invite_list(a), entry)
		if (iv->inv->id == id)
			return iv;
	return NULL;
}

void
invite_api_list(struct agent *a, struct evhttp_request *req)
{
	struct invite	*iv;
	json_t		*arr = json_array();

	TAILQ_FOREACH(iv, invite_list(a), entry)
		json_array_append_new(arr, invite_json(iv));
	httpd_reply_json(req, 200, arr);
}

void
invite_api_get(struct agent *a, struct evhttp_request *req, long id)
{
	struct invite	*iv = invite_find(a, id);

	if (iv == NULL) {
		httpd_reply_error(req, 404, "no introduction %ld (finished "
		    "long ago, or before a restart)", id);
		return;
	}
	httpd_reply_json(req, 200, invite_json(iv));
}

void
invite_api_qr(struct agent *a, struct evhttp_request *req, long id)
{
	struct invite	*iv = invite_find(a, id);
	struct evbuffer	*buf;
	char		*svg;
	size_t		 len;

	/* Only while the inviter shows its code, as invite_json does. */
	if (iv == NULL || !iv->inv->inviter || iv->inv->code[0] == '\0' ||
	    (iv->state != INVITE_WAITING && iv->state != INVITE_EXCHANGING)) {
		httpd_reply_error(req, 404, "introduction %ld shows no code "
		    "(not ours, finished, or not started yet)", id);
		return;
	}
	if (qr_svg(iv->inv->code, &svg, &len) == -1) {
		httpd_reply_error(req, 500, "cannot make a QR code of this "
		    "invitation's code");
		return;
	}
	if ((buf = evbuffer_new()) == NULL)
		fatalx("invite: out of memory");
	evbuffer_add(buf, svg, len);
	sodium_memzero(svg, len);
	free(svg);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "image/svg+xml");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	evhttp_send_reply(req, 200, NULL, buf);
	evbuffer_free(buf);
}

void
invite_contact_removed(struct agent *a, long contact_id)
{
	struct invite	*iv;

	TAILQ_FOREACH(iv, invite_list(a), entry)
		if (iv->inv->contact_id == contact_id &&
		    iv->state != INVITE_DONE && iv->state != INVITE_FAILED) {
			invite_fail(iv, "cancelled: the pending contact was "
			    "removed");
			return;
		}
}

/* Resume a stored introduction after a restart. */
static void
invite_resume(struct store_invitation *inv, void *arg)
{
	struct agent	*a = arg;
	struct invite	*iv;

	if (inv->expires <= (long long)time(NULL) || inv->code[0] == '\0') {
		log_info("introduction %ld expired or never got a code; "
		    "forgetting it", inv->id);
		store_invitation_burn(a->store, inv->id);
		store_invitation_free(inv);
		return;
	}
	iv = invite_new(a, inv);
	log_info("introduction %ld: resuming", inv->id);
	if (iv->local)
		return;		/* invite_tor_ready() re-adds its onion */
	if (invite_start_intro(iv) == -1)
		return;
	invite_pump(iv);
}

int
invite_init(struct agent *a, char *err, size_t errlen)
{
	a->invites = xcalloc(1, sizeof(*a->invites));
	TAILQ_INIT(a->invites);
	if (store_invitation_each(a->store, invite_resume, a) == -1) {
		snprintf(err, errlen, "cannot read pending introductions: %s",
		    store_errmsg(a->store));
		return -1;
	}
	return 0;
}

void
invite_shutdown(struct agent *a)
{
	struct invite	*iv;

	if (a->invites == NULL)
		return;
	while ((iv = TAILQ_FIRST(a->invites)) != NULL)
		invite_free(iv);
	free(a->invites);
	a->invites = NULL;
}

void
invite_tor_ready(struct agent *a)
{
	struct invite	*iv;

	TAILQ_FOREACH(iv, invite_list(a), entry) {
		if (iv->state == INVITE_DONE || iv->state == INVITE_FAILED)
			continue;
		if (iv->local) {
			/* The old channel died with the agent or tor. */
			if (iv->inv->nameplate[0] != '\0')
				rv_server_close(a->invite_rv,
				    iv->inv->nameplate);
			intro_free(iv->intro);
			iv->intro = NULL;
			invite_add_onion(iv);
		} else
			invite_pump(iv);
	}
}
