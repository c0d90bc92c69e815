/*
 * Introductions in motion: `petmail invite` and `petmail accept` as the
 * agent runs them. Each pending introduction drives the intro state
 * machine (intro.c) over a channel: on a rendezvous service through
 * net.c, or, for a direct code, on the inviter's own temporary
 * invitation onion (rendezvous.c in process). Its state is stored, so a
 * pending invitation survives a restart.
 */
#ifndef PETMAIL_INVITE_H
#define PETMAIL_INVITE_H

#include <event2/http.h>
#include <jansson.h>

struct agent;

/*
 * Keep trying to reach a code's service this long (tor at work on the
 * public network can take half a minute to reach a new onion); give up
 * on one connection attempt sooner, and try again on new circuits.
 */
#define INVITE_ACCEPT_REACH_SECS 90
#define INVITE_CONNECT_MS	30000
#define INVITE_KEEP_SECS	600	/* finished ones stay visible this long */
#define INVITE_MAX_PENDING	64	/* pending introductions at once */

int	invite_init(struct agent *, char *err, size_t errlen);
void	invite_shutdown(struct agent *);
/* Tor (re)started and we are authenticated: re-add invitation onions. */
void	invite_tor_ready(struct agent *);

/* POST /v1/invite: replies once the code exists. */
void	invite_api_create(struct agent *, struct evhttp_request *, json_t *);
/* POST /v1/accept: replies at once with the introduction's id. */
void	invite_api_accept(struct agent *, struct evhttp_request *, json_t *);
/* GET /v1/invitations[/ID] */
void	invite_api_list(struct agent *, struct evhttp_request *);
void	invite_api_get(struct agent *, struct evhttp_request *, long id);
/* GET /v1/invitations/ID/qr.svg: the code of a waiting invitation. */
void	invite_api_qr(struct agent *, struct evhttp_request *, long id);
/* A contact was removed: forget its pending introduction, if any. */
void	invite_contact_removed(struct agent *, long contact_id);
int	invite_pending_count(struct agent *);
/* The wall clock jumped BY seconds: move the in-memory deadlines too. */
void	invite_clock_jumped(struct agent *, long long by);

#endif
