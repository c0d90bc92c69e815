#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <sodium.h>

#include "httpd.h"
#include "log.h"
#include "rendezvous.h"
#include "xmalloc.h"

#define RV_SIDES	2	/* 0: "a" (allocator), 1: "b" (claimer) */
#define RV_BODY_MAX	(RV_MAX_MSG * 2 + 512)

struct rv_channel;

struct rv_waiter {
	struct rv_channel		*ch;
	struct evhttp_request		*req;
	struct event			*timer;
	int				 side;
	unsigned			 after;
	TAILQ_ENTRY(rv_waiter)		 entry;
};

struct rv_msg {
	uint8_t		*data;
	size_t		 len;
};

struct rv_channel {
	struct rv_server		*rv;
	char				 nameplate[RV_NAMEPLATE_MAX + 1];
	char				 token[RV_SIDES][RV_TOKEN_HEX + 1];
	int				 claimed;
	int				 released[RV_SIDES];
	struct rv_msg			 msgs[RV_SIDES][RV_MAX_MSGS];
	unsigned			 nmsgs[RV_SIDES];
	struct event			*expiry;
	rv_local_cb			*local_cb;	/* side "a" in process */
	void				*local_arg;
	TAILQ_HEAD(, rv_waiter)		 waiters;
	TAILQ_ENTRY(rv_channel)		 entry;
};

struct rv_server {
	struct event_base		*base;
	int				 allow_allocate;
	int				 nchannels;
	int				 nwaiters;
	size_t				 nbytes;	/* messages held */
	TAILQ_HEAD(, rv_channel)	 channels;
	/* Allocated channels by number (nameplates 1 .. RV_MAX_CHANNELS),
	 * when this server allocates; else the few local ones are listed. */
	struct rv_channel		**bynum;
};

struct rv_server *
rv_server_new(struct event_base *base, int allow_allocate)
{
	struct rv_server	*rv = xcalloc(1, sizeof(*rv));

	rv->base = base;
	rv->allow_allocate = allow_allocate;
	TAILQ_INIT(&rv->channels);
	if (allow_allocate)
		rv->bynum = xcalloc(RV_MAX_CHANNELS + 1, sizeof(*rv->bynum));
	return rv;
}

/* NAMEPLATE as a number 1 .. RV_MAX_CHANNELS, written without leading
 * zeros; else 0. */
static unsigned
rv_number(const char *nameplate)
{
	unsigned long	n = 0;
	const char	*p;

	if (nameplate[0] < '1' || nameplate[0] > '9')
		return 0;
	for (p = nameplate; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || p - nameplate >= 6)
			return 0;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	return n <= RV_MAX_CHANNELS ? (unsigned)n : 0;
}

static struct rv_channel *
rv_find(struct rv_server *rv, const char *nameplate)
{
	struct rv_channel	*ch;
	unsigned		 n;

	if (rv->bynum != NULL)
		return (n = rv_number(nameplate)) != 0 ? rv->bynum[n] : NULL;
	TAILQ_FOREACH(ch, &rv->channels, entry)
		if (strcmp(ch->nameplate, nameplate) == 0)
			return ch;
	return NULL;
}

static void
rv_waiter_free(struct rv_waiter *w, int reply_empty)
{
	json_t	*j;

	TAILQ_REMOVE(&w->ch->waiters, w, entry);
	w->ch->rv->nwaiters--;
	event_free(w->timer);
	evhttp_connection_set_closecb(evhttp_request_get_connection(w->req),
	    NULL, NULL);
	if (reply_empty) {
		j = json_pack("{s:[], s:I}", "messages", "next",
		    (json_int_t)w->after);
		httpd_reply_json(w->req, 200, j);
	}
	free(w);
}

static void
rv_channel_free(struct rv_channel *ch)
{
	struct rv_waiter	*w;
	int			 s;
	unsigned		 i, n;

	while ((w = TAILQ_FIRST(&ch->waiters)) != NULL) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(
		    w->req), NULL, NULL);
		httpd_reply_error(w->req, 404, "the channel is gone");
		TAILQ_REMOVE(&ch->waiters, w, entry);
		ch->rv->nwaiters--;
		event_free(w->timer);
		free(w);
	}
	for (s = 0; s < RV_SIDES; s++)
		for (i = 0; i < ch->nmsgs[s]; i++) {
			sodium_memzero(ch->msgs[s][i].data, ch->msgs[s][i].len);
			free(ch->msgs[s][i].data);
			ch->rv->nbytes -= ch->msgs[s][i].len;
		}
	if (ch->rv->bynum != NULL && (n = rv_number(ch->nameplate)) != 0)
		ch->rv->bynum[n] = NULL;
	TAILQ_REMOVE(&ch->rv->channels, ch, entry);
	ch->rv->nchannels--;
	event_free(ch->expiry);
	sodium_memzero(ch->token, sizeof(ch->token));
	free(ch);
}

void
rv_server_free(struct rv_server *rv)
{
	struct rv_channel	*ch;

	if (rv == NULL)
		return;
	while ((ch = TAILQ_FIRST(&rv->channels)) != NULL) {
		ch->local_cb = NULL;
		rv_channel_free(ch);
	}
	free(rv->bynum);
	free(rv);
}

int
rv_server_channels(struct rv_server *rv)
{
	return rv->nchannels;
}

static void
rv_expired(evutil_socket_t fd, short what, void *arg)
{
	struct rv_channel	*ch = arg;
	rv_local_cb		*cb = ch->local_cb;
	void			*cbarg = ch->local_arg;

	rv_channel_free(ch);
	if (cb != NULL)
		cb(NULL, 0, cbarg);
}

static void
rv_set_expiry(struct rv_channel *ch, long secs)
{
	struct timeval	tv = { secs, 0 };

	evtimer_add(ch->expiry, &tv);
}

static struct rv_channel *
rv_channel_new(struct rv_server *rv, const char *nameplate, long lifetime)
{
	struct rv_channel	*ch = xcalloc(1, sizeof(*ch));
	uint8_t			 raw[RV_TOKEN_HEX / 2];
	unsigned		 n;
	int			 s;

	ch->rv = rv;
	snprintf(ch->nameplate, sizeof(ch->nameplate), "%s", nameplate);
	for (s = 0; s < RV_SIDES; s++) {
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2hex(ch->token[s], sizeof(ch->token[s]), raw,
		    sizeof(raw));
	}
	sodium_memzero(raw, sizeof(raw));
	TAILQ_INIT(&ch->waiters);
	if ((ch->expiry = evtimer_new(rv->base, rv_expired, ch)) == NULL)
		fatalx("evtimer_new");
	TAILQ_INSERT_TAIL(&rv->channels, ch, entry);
	if (rv->bynum != NULL && (n = rv_number(ch->nameplate)) != 0)
		rv->bynum[n] = ch;
	rv->nchannels++;
	rv_set_expiry(ch, lifetime);
	return ch;
}

/* Which side TOKEN belongs to, or -1. Compared in constant time. */
static int
rv_side(struct rv_channel *ch, const char *token)
{
	int	s;

	if (token == NULL || strlen(token) != RV_TOKEN_HEX)
		return -1;
	for (s = 0; s < RV_SIDES; s++)
		if (sodium_memcmp(ch->token[s], token, RV_TOKEN_HEX) == 0)
			return s;
	return -1;
}

/* The recv answer for SIDE from index AFTER: messages, next, closed. */
static json_t *rv_messages(struct rv_channel *, int, unsigned);

static json_t *
rv_recv_answer(struct rv_channel *ch, int side, unsigned after)
{
	int	other = 1 - side;

	/* "closed": the other side is done and everything it sent is read;
	 * nothing more will ever come. */
	return json_pack("{s:o, s:I, s:b}", "messages", rv_messages(ch, side,
	    after), "next", (json_int_t)ch->nmsgs[other], "closed",
	    ch->released[other] && ch->local_cb == NULL);
}

static json_t *
rv_messages(struct rv_channel *ch, int side, unsigned after)
{
	json_t		*arr = json_array();
	char		 b64[sodium_base64_ENCODED_LEN(RV_MAX_MSG,
			    sodium_base64_VARIANT_ORIGINAL)];
	unsigned	 i;
	int		 other = 1 - side;

	for (i = after; i < ch->nmsgs[other]; i++) {
		sodium_bin2base64(b64, sizeof(b64), ch->msgs[other][i].data,
		    ch->msgs[other][i].len, sodium_base64_VARIANT_ORIGINAL);
		json_array_append_new(arr, json_string(b64));
	}
	return arr;
}

/* Answer every held recv of the side that did not send. */
static void
rv_wake(struct rv_channel *ch, int sender)
{
	struct rv_waiter	*w, *next;
	json_t			*j;

	for (w = TAILQ_FIRST(&ch->waiters); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (w->side == sender)
			continue;
		j = rv_recv_answer(ch, w->side, w->after);
		httpd_reply_json(w->req, 200, j);
		rv_waiter_free(w, 0);
	}
}

static int
rv_store(struct rv_channel *ch, int side, const uint8_t *msg, size_t len)
{
	struct rv_msg	*m;

	if (ch->nmsgs[side] >= RV_MAX_MSGS || len == 0 || len > RV_MAX_MSG ||
	    ch->rv->nbytes + len > RV_MAX_BYTES)
		return -1;
	m = &ch->msgs[side][ch->nmsgs[side]++];
	m->data = xmalloc(len);
	memcpy(m->data, msg, len);
	m->len = len;
	ch->rv->nbytes += len;
	if (side == 1 && ch->local_cb != NULL)
		ch->local_cb(msg, len, ch->local_arg);
	else
		rv_wake(ch, side);
	return 0;
}

static void
rv_waiter_timeout(evutil_socket_t fd, short what, void *arg)
{
	rv_waiter_free(arg, 1);
}

static void
rv_waiter_closed(struct evhttp_connection *conn, void *arg)
{
	struct rv_waiter	*w = arg;

	TAILQ_REMOVE(&w->ch->waiters, w, entry);
	w->ch->rv->nwaiters--;
	event_free(w->timer);
	free(w);
}

/* Parse {nameplate, token} and find the channel and side; replies on error. */
static struct rv_channel *
rv_lookup(struct rv_server *rv, struct evhttp_request *req, json_t *body,
    int *side)
{
	const char		*np, *token;
	struct rv_channel	*ch;

	np = json_string_value(json_object_get(body, "nameplate"));
	token = json_string_value(json_object_get(body, "token"));
	if (np == NULL || token == NULL || strlen(np) > RV_NAMEPLATE_MAX) {
		httpd_reply_error(req, 400, "nameplate and token are needed");
		return NULL;
	}
	if ((ch = rv_find(rv, np)) == NULL) {
		httpd_reply_error(req, 404, "no such channel (expired?)");
		return NULL;
	}
	if ((*side = rv_side(ch, token)) == -1) {
		httpd_reply_error(req, 403, "wrong token");
		return NULL;
	}
	return ch;
}

static void
rv_allocate(struct rv_server *rv, struct evhttp_request *req, json_t *body)
{
	struct rv_channel	*ch;
	json_int_t		 lifetime;
	char			 np[16];
	unsigned long		 n;

	if (!rv->allow_allocate) {
		httpd_reply_error(req, 404, "this service allocates nothing");
		return;
	}
	lifetime = json_integer_value(json_object_get(body, "lifetime"));
	if (lifetime <= 0 || lifetime > RV_MAX_LIFETIME)
		lifetime = RV_MAX_LIFETIME;
	if (rv->nchannels >= RV_MAX_CHANNELS) {
		httpd_reply_error(req, 429, "too many open channels; try later");
		return;
	}
	/* The smallest free number keeps codes short; there is one, since
	 * fewer than RV_MAX_CHANNELS are open. */
	for (n = 1; rv->bynum[n] != NULL; n++)
		;
	snprintf(np, sizeof(np), "%lu", n);
	ch = rv_channel_new(rv, np, (long)lifetime);
	httpd_reply_json(req, 200, json_pack("{s:s, s:s, s:I}", "nameplate",
	    ch->nameplate, "token", ch->token[0], "lifetime", lifetime));
}

static void
rv_claim(struct rv_server *rv, struct evhttp_request *req, json_t *body)
{
	struct rv_channel	*ch;
	const char		*np;

	np = json_string_value(json_object_get(body, "nameplate"));
	if (np == NULL || strlen(np) > RV_NAMEPLATE_MAX) {
		httpd_reply_error(req, 400, "nameplate is needed");
		return;
	}
	if ((ch = rv_find(rv, np)) == NULL) {
		httpd_reply_error(req, 404, "no such code: it expired, was "
		    "already used, or was never made");
		return;
	}
	if (ch->claimed) {
		httpd_reply_error(req, 409, "this code was already used");
		return;
	}
	ch->claimed = 1;
	rv_set_expiry(ch, RV_CLAIMED_LIFETIME);
	httpd_reply_json(req, 200, json_pack("{s:s}", "token", ch->token[1]));
}

static void
rv_send(struct rv_server *rv, struct evhttp_request *req, json_t *body)
{
	struct rv_channel	*ch;
	const char		*b64;
	json_t			*index;
	uint8_t			 msg[RV_MAX_MSG];
	size_t			 len;
	int			 side;

	if ((ch = rv_lookup(rv, req, body, &side)) == NULL)
		return;
	b64 = json_string_value(json_object_get(body, "body"));
	if (b64 == NULL || sodium_base642bin(msg, sizeof(msg), b64,
	    strlen(b64), NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0
	    || len == 0) {
		httpd_reply_error(req, 400, "body must be base64 of 1 to %d "
		    "bytes", RV_MAX_MSG);
		return;
	}
	/*
	 * "index" is where the sender believes its message goes. A message
	 * sent again after a crash finds its place taken: it is already
	 * here, and is not stored twice.
	 */
	index = json_object_get(body, "index");
	if (!json_is_integer(index) || json_integer_value(index) < 0 ||
	    json_integer_value(index) >= RV_MAX_MSGS) {
		httpd_reply_error(req, 400, "index must be 0 to %d",
		    RV_MAX_MSGS - 1);
		goto out;
	}
	if ((unsigned)json_integer_value(index) < ch->nmsgs[side]) {
		httpd_reply_json(req, 200, json_pack("{s:O, s:b}", "index",
		    index, "duplicate", 1));
		goto out;
	}
	if ((unsigned)json_integer_value(index) > ch->nmsgs[side]) {
		httpd_reply_error(req, 409, "index %lld is past the end (%u)",
		    (long long)json_integer_value(index), ch->nmsgs[side]);
		goto out;
	}
	if (rv->nbytes + len > RV_MAX_BYTES) {
		httpd_reply_error(req, 503, "the rendezvous service holds too "
		    "much; try later");
		goto out;
	}
	httpd_reply_json(req, 200, json_pack("{s:I}", "index",
	    (json_int_t)ch->nmsgs[side]));
	rv_store(ch, side, msg, len);
out:
	sodium_memzero(msg, sizeof(msg));
}

static void
rv_recv(struct rv_server *rv, struct evhttp_request *req, json_t *body)
{
	struct rv_channel	*ch;
	struct rv_waiter	*w;
	struct timeval		 tv = { RV_POLL_SECS, 0 };
	json_t			*after;
	int			 side;

	if ((ch = rv_lookup(rv, req, body, &side)) == NULL)
		return;
	after = json_object_get(body, "after");
	if (!json_is_integer(after) || json_integer_value(after) < 0 ||
	    json_integer_value(after) > RV_MAX_MSGS) {
		httpd_reply_error(req, 400, "after must be 0 to %d",
		    RV_MAX_MSGS);
		return;
	}
	if ((unsigned)json_integer_value(after) < ch->nmsgs[1 - side] ||
	    ch->released[1 - side]) {
		httpd_reply_json(req, 200, rv_recv_answer(ch, side,
		    (unsigned)json_integer_value(after)));
		return;
	}
	/* One held receive per side: a newer one (a client that gave up on
	 * the old one and asked again) takes its place. */
	TAILQ_FOREACH(w, &ch->waiters, entry)
		if (w->side == side) {
			rv_waiter_free(w, 1);
			break;
		}
	if (rv->nwaiters >= RV_MAX_WAITERS) {
		httpd_reply_error(req, 503, "too busy; try again");
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->ch = ch;
	w->req = req;
	w->side = side;
	w->after = (unsigned)json_integer_value(after);
	if ((w->timer = evtimer_new(rv->base, rv_waiter_timeout, w)) == NULL)
		fatalx("evtimer_new");
	evtimer_add(w->timer, &tv);
	TAILQ_INSERT_TAIL(&ch->waiters, w, entry);
	rv->nwaiters++;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    rv_waiter_closed, w);
}

static void
rv_release(struct rv_server *rv, struct evhttp_request *req, json_t *body)
{
	struct rv_channel	*ch;
	rv_local_cb		*cb;
	void			*cbarg;
	int			 side;

	if ((ch = rv_lookup(rv, req, body, &side)) == NULL)
		return;
	cb = ch->local_cb;
	cbarg = ch->local_arg;
	ch->released[side] = 1;
	httpd_reply_json(req, 200, json_object());
	if (!(ch->released[0] && ch->released[1])) {
		/* Tell a waiting other side that nothing more will come. */
		rv_wake(ch, side);
		return;
	}
	/* Both sides are done: forget everything now, and tell a local
	 * side "a" that its peer has finished. */
	rv_channel_free(ch);
	if (cb != NULL)
		cb(NULL, 0, cbarg);
}

int
rv_server_handle(struct rv_server *rv, struct evhttp_request *req)
{
	static const struct {
		const char	*path;
		void		(*fn)(struct rv_server *,
				    struct evhttp_request *, json_t *);
	} routes[] = {
		{ "/v1/rv/allocate",	rv_allocate },
		{ "/v1/rv/claim",	rv_claim },
		{ "/v1/rv/send",	rv_send },
		{ "/v1/rv/recv",	rv_recv },
		{ "/v1/rv/release",	rv_release },
	};
	const char	*path = httpd_path(req);
	json_t		*body;
	size_t		 i;

	if (strncmp(path, "/v1/rv/", 7) != 0)
		return 0;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(path, routes[i].path) != 0)
			continue;
		if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
			httpd_reply_error(req, 405, "use POST");
			return 1;
		}
		if ((body = httpd_body_json(req, RV_BODY_MAX)) == NULL)
			return 1;
		routes[i].fn(rv, req, body);
		json_decref(body);
		return 1;
	}
	httpd_reply_error(req, 404, "not found");
	return 1;
}

int
rv_server_open_local(struct rv_server *rv, const char *nameplate,
    long lifetime, rv_local_cb *cb, void *arg)
{
	struct rv_channel	*ch;

	if (strlen(nameplate) > RV_NAMEPLATE_MAX || rv->bynum != NULL ||
	    rv_find(rv, nameplate) != NULL || rv->nchannels >= RV_MAX_CHANNELS)
		return -1;
	/* A little after the invitation itself, whose expiry speaks first. */
	ch = rv_channel_new(rv, nameplate, lifetime + 5);
	ch->local_cb = cb;
	ch->local_arg = arg;
	ch->released[0] = 1;	/* no remote side "a" will release it */
	return 0;
}

int
rv_server_local_send(struct rv_server *rv, const char *nameplate,
    const uint8_t *msg, size_t len)
{
	struct rv_channel	*ch = rv_find(rv, nameplate);

	if (ch == NULL || ch->local_cb == NULL)
		return -1;
	return rv_store(ch, 0, msg, len);
}

void
rv_server_close(struct rv_server *rv, const char *nameplate)
{
	struct rv_channel	*ch = rv_find(rv, nameplate);

	if (ch != NULL) {
		ch->local_cb = NULL;
		rv_channel_free(ch);
	}
}

int
rv_recv_decode(struct rv_recv *r, const json_t *answer)
{
	const json_t	*msgs, *m;
	const char	*b64;
	size_t		 i;

	memset(r->lens, 0, sizeof(r->lens));
	r->count = 0;
	r->closed = 0;
	msgs = json_object_get(answer, "messages");
	if (!json_is_array(msgs) || json_array_size(msgs) > RV_MAX_MSGS)
		goto bad;
	json_array_foreach(msgs, i, m) {
		if ((b64 = json_string_value(m)) == NULL ||
		    sodium_base642bin(r->msgs[i], RV_MAX_MSG, b64,
		    json_string_length(m), NULL, &r->lens[i], NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0 || r->lens[i] == 0)
			goto bad;
	}
	r->count = json_array_size(msgs);
	r->closed = json_is_true(json_object_get(answer, "closed"));
	return 0;
 bad:
	sodium_memzero(r, sizeof(*r));
	return -1;
}
