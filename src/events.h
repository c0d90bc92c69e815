/*
 * Server-sent events: the agent's changes (tor bootstrap, publication,
 * and later messages and contacts) streamed to every subscriber of
 * GET /v1/events, as "event: TYPE\ndata: JSON\n\n".
 */
#ifndef PETMAIL_EVENTS_H
#define PETMAIL_EVENTS_H

#include <event2/http.h>
#include <jansson.h>

#define EVENTS_MAX_SUBSCRIBERS	64
#define EVENTS_MAX_BACKLOG	(1024 * 1024)	/* unread bytes per subscriber */

struct events;

struct events	*events_new(void);
void		 events_free(struct events *);
/* Start an event stream on REQ; -1 (after replying 503) when full. */
int		 events_subscribe(struct events *, struct evhttp_request *);
/* Send one event to the given request only (a first snapshot). */
void		 events_send_one(struct evhttp_request *, const char *type,
		    json_t *data);
/* Send to every subscriber; takes the reference to DATA. */
void		 events_emit(struct events *, const char *type, json_t *data);
int		 events_count(struct events *);

#endif
