#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <jansson.h>

#include "events.h"
#include "log.h"
#include "wipe.h"
#include "xmalloc.h"

struct events_sub {
	struct evhttp_request		*req;
	struct events			*events;
	TAILQ_ENTRY(events_sub)		 entry;
};

struct events {
	TAILQ_HEAD(, events_sub)	 subs;
	int				 count;
};

struct events *
events_new(void)
{
	struct events	*ev = xcalloc(1, sizeof(*ev));

	TAILQ_INIT(&ev->subs);
	return ev;
}

static void
events_unsubscribe(struct events_sub *sub)
{
	TAILQ_REMOVE(&sub->events->subs, sub, entry);
	sub->events->count--;
	free(sub);
}

void
events_free(struct events *ev)
{
	struct events_sub	*sub;

	if (ev == NULL)
		return;
	while ((sub = TAILQ_FIRST(&ev->subs)) != NULL) {
		evhttp_connection_set_closecb(
		    evhttp_request_get_connection(sub->req), NULL, NULL);
		evhttp_send_reply_end(sub->req);
		events_unsubscribe(sub);
	}
	free(ev);
}

static void
events_closed(struct evhttp_connection *conn, void *arg)
{
	struct events_sub	*sub = arg;
	struct evhttp_request	*req = sub->req;

	events_unsubscribe(sub);
	/*
	 * A subscriber that hung up mid-stream: evhttp has detached the
	 * unfinished request from the dying connection and leaves it to
	 * us; ending it frees it. (When evhttp_free() closes the
	 * connection instead, the request is still attached and evhttp
	 * frees it itself.)
	 */
	if (evhttp_request_get_connection(req) == NULL)
		evhttp_send_reply_end(req);
}

int
events_subscribe(struct events *ev, struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct events_sub	*sub;

	if (ev->count >= EVENTS_MAX_SUBSCRIBERS) {
		evhttp_send_error(req, 503, "too many event subscribers");
		return -1;
	}
	sub = xcalloc(1, sizeof(*sub));
	sub->req = req;
	sub->events = ev;
	TAILQ_INSERT_TAIL(&ev->subs, sub, entry);
	ev->count++;
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply_start(req, 200, "OK");
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    events_closed, sub);
	return 0;
}

void
events_send_one(struct evhttp_request *req, const char *type, json_t *data)
{
	struct evbuffer	*buf;
	char		*text;

	if ((buf = evbuffer_new()) == NULL ||
	    (text = json_dumps(data, JSON_COMPACT)) == NULL)
		fatalx("events: out of memory");
	evbuffer_add_printf(buf, "event: %s\ndata: %s\n\n", type, text);
	wipe_json_free(text);
	evhttp_send_reply_chunk(req, buf);
	evbuffer_free(buf);
}

void
events_emit(struct events *ev, const char *type, json_t *data)
{
	struct events_sub		*sub, *next;
	struct evhttp_connection	*conn;
	struct bufferevent		*bev;

	for (sub = TAILQ_FIRST(&ev->subs); sub != NULL; sub = next) {
		next = TAILQ_NEXT(sub, entry);
		/* A subscriber that stopped reading is let go. */
		conn = evhttp_request_get_connection(sub->req);
		bev = evhttp_connection_get_bufferevent(conn);
		if (evbuffer_get_length(bufferevent_get_output(bev)) >
		    EVENTS_MAX_BACKLOG) {
			log_warnx("an event subscriber stopped reading; "
			    "closing its stream");
			evhttp_connection_set_closecb(conn, NULL, NULL);
			evhttp_send_reply_end(sub->req);
			events_unsubscribe(sub);
			continue;
		}
		events_send_one(sub->req, type, data);
	}
	json_decref(data);
}

int
events_count(struct events *ev)
{
	return ev->count;
}
