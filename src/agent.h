/*
 * The running agent: everything petmaild holds while it runs, in one
 * place. Each concern keeps its own state behind its own prefix:
 * agent_tor_* (tor.c: supervising our tor and the onion service),
 * api_* (api.c: the local API), onion_* (onion.c: the inbound listener).
 */
#ifndef PETMAIL_AGENT_H
#define PETMAIL_AGENT_H

#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "conf.h"

struct agent_tor;
struct events;
struct identity;
struct invite_list;
struct msg_peer_list;
struct msg_state;
struct net;
struct rv_server;
struct store;
struct torctl;

struct agent {
	struct event_base	*base;
	char			*dir;		/* state directory */
	char			*db_path;
	char			*conf_path;
	char			*sock_path;	/* local API */
	char			*pid_path;
	char			*log_path;
	char			*tor_dir;
	char			*onion_path;	/* the onion's unix socket */
	char			*invite_path;	/* invitation onions' socket */
	struct conf		 conf;
	struct store		*store;
	struct identity		*id;
	struct events		*events;
	struct evhttp		*api;
	struct evhttp		*onion;
	struct evhttp		*invite_http;	/* behind invitation onions */
	struct rv_server	*rv;		/* serve = rendezvous */
	struct rv_server	*invite_rv;	/* direct invitations' channels */
	struct invite_list	*invites;
	struct msg_peer_list	*msg_peers;	/* deliveries in motion */
	struct msg_state	*msg;		/* messaging's other state */
	long long		 msg_purged;	/* last NEWNYM we sent, or 0 */
	struct net		*net;		/* outbound, over tor */
	struct agent_tor	*tor;
	time_t			 started;
	int			 stopping;
};

/* Ask the loop to stop: tor is stopped, then the loop exits. */
void	agent_shutdown(struct agent *, const char *why);
/* The status document of GET /v1/status and `petmail status --json`. */
json_t	*agent_status(struct agent *);

/* Local API on petmaild.sock (api.c). */
int	api_start(struct agent *, char *err, size_t errlen);
void	api_stop(struct agent *);

/* Inbound onion listener on onion.sock (onion.c). */
#define ONION_PROTOCOL_VERSION	1
#define ONION_MAX_HEADERS	8192
#define ONION_MAX_BODY		(257 * 1024)	/* a batch of envelopes */
#define ONION_TIMEOUT_SECS	30
int	onion_start(struct agent *, char *err, size_t errlen);
void	onion_stop(struct agent *);

/* Tor supervision (tor.c). */
int	agent_tor_start(struct agent *, char *err, size_t errlen);
/* Stop tor; CB runs once tor has exited (or at once if it is not running). */
void	agent_tor_stop(struct agent *, void (*cb)(struct agent *));
void	agent_tor_free(struct agent *);
/* {"bootstrap", "tag", "summary", "state", "error"} */
json_t	*agent_tor_status(struct agent *);
int	agent_tor_published(struct agent *);
/* The authenticated control connection, or NULL while tor is not up. */
struct torctl *agent_tor_control(struct agent *);
/* Tor's SOCKS socket, or NULL while tor is not up. */
const char *agent_tor_socks(struct agent *);

#endif
