/*
 * The running agent: everything petmaild holds while it runs, in one
 * place. Each concern keeps its own state behind its own prefix:
 * agent_tor_* (tor.c: supervising our tor and the onion service),
 * api_* (api.c: the local API), onion_* (onion.c: the inbound listener),
 * ui_* (ui.c: the web page on 127.0.0.1).
 */
#ifndef PETMAIL_AGENT_H
#define PETMAIL_AGENT_H

#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "clock.h"
#include "conf.h"

struct agent_tor;
struct events;
struct httpd_guard;
struct identity;
struct invite_list;
struct msg_peer_list;
struct msg_state;
struct net;
struct rv_server;
struct store;
struct torctl;
struct ui;

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
	struct httpd_guard	*onion_guard;	/* bounds on both of them */
	struct httpd_guard	*invite_guard;
	struct rv_server	*rv;		/* serve = rendezvous */
	struct rv_server	*invite_rv;	/* direct invitations' channels */
	struct invite_list	*invites;
	struct msg_peer_list	*msg_peers;	/* deliveries in motion */
	struct msg_state	*msg;		/* messaging's other state */
	long long		 onions_forgotten;	/* introductions' last NEWNYM */
	struct net		*net;		/* outbound, over tor */
	struct agent_tor	*tor;
	struct ui		*ui;		/* NULL: ui = off */
	time_t			 started;
	struct clock_mark	 clock;		/* last agent_clock_check() */
	long long		 clock_saved;	/* wall time of the stored mark */
	int			 stopping;
};

/* The paths of the state directory A->dir (statedir.h), and freeing them
 * (A->dir included). */
void	agent_paths(struct agent *);
void	agent_free_paths(struct agent *);
/*
 * The parts that serve, on A->base with A->store: the event stream, the
 * inbound listeners behind the onion, introductions, the outbox and the
 * local API (not the web page, not tor). -1 with ERR if one cannot start.
 */
int	agent_serve_start(struct agent *, char *err, size_t errlen);
void	agent_serve_stop(struct agent *);
/* Ask the loop to stop: tor is stopped, then the loop exits. */
void	agent_shutdown(struct agent *, const char *why);
/*
 * Before a stored deadline is compared with the wall clock: if the clock
 * jumped since the last check (clock.h), move every waiting deadline by
 * the jump. Returns the wall-clock time now.
 */
long long agent_clock_check(struct agent *);
/* The status document of GET /v1/status and `petmail status --json`. */
json_t	*agent_status(struct agent *);

/* Local API on petmaild.sock (api.c). */
#define API_MAX_BODY	(256 * 1024)
enum api_via {
	API_VIA_SOCKET,		/* petmaild.sock: petmail(1) */
	API_VIA_UI,		/* the web page's port, after ui.c's checks */
};
int	api_start(struct agent *, char *err, size_t errlen);
void	api_stop(struct agent *);
/* Answer REQ from the API's one table of routes. */
void	api_dispatch(struct agent *, struct evhttp_request *, enum api_via);

/*
 * The web page (ui.c): static files and the API on 127.0.0.1:ui_port,
 * behind a session that `petmail open` starts with a one-time opener
 * token. Nothing is served unless Host is exactly 127.0.0.1:PORT.
 */
#define UI_OPENER_SECS		120	/* an opener token's life */
#define UI_SESSION_SECS		(12 * 3600)	/* a session's life */
#define UI_MAX_OPENERS		8	/* unused opener tokens at once */
#define UI_MAX_SESSIONS		8	/* sessions at once: oldest goes */
#define UI_MAX_FILE		(1024 * 1024)	/* a static file */
int	ui_start(struct agent *, char *err, size_t errlen);
void	ui_stop(struct agent *);
/* {"url", "port"} while the page is served, else JSON null. */
json_t	*ui_status(struct agent *);
/* POST /v1/ui/opener (socket only): a fresh opener URL. */
void	ui_api_opener(struct agent *, struct evhttp_request *);

/* Inbound onion listener on onion.sock (onion.c). */
#define ONION_PROTOCOL_VERSION	1
#define ONION_MAX_HEADERS	8192
#define ONION_MAX_BODY		(257 * 1024)	/* a batch of envelopes */
#define ONION_TIMEOUT_SECS	30	/* silence on a connection */
/*
 * What the Tor network can make us hold (see httpd_guard_new()): open
 * connections on onion.sock and on invite.sock (separately, so that a
 * flood of the public onion leaves invitations alone), the time a
 * request may take to arrive, and the time an answer may take to leave.
 * Each connection may buffer a whole body, so ONION_MAX_CONNS also bounds
 * that memory (128 * 257 KiB). With fewer descriptors than
 * ONION_FDS_WANTED the limits shrink to fit.
 */
#define ONION_MAX_CONNS		128
#define ONION_INVITE_MAX_CONNS	32
#define ONION_REQUEST_SECS	60
#define ONION_BUSY_SECS		120
/*
 * Tor's own bound, per rendezvous circuit (ADD_ONION MaxStreams with
 * MaxStreamsCloseCircuit): a peer needs at most three streams at once
 * (an introduction's send, receive and release); one that opens more
 * loses its circuit and must build another, which costs it far more
 * than a connection costs us.
 */
#define ONION_MAX_STREAMS	8
#define ONION_FDS_RESERVED	256	/* API, database, tor, deliveries */
#define ONION_FDS_WANTED	4096
int	onion_start(struct agent *, char *err, size_t errlen);
void	onion_stop(struct agent *);
/* {"open", "max", "accepted", "cut", "full"} of both listeners. */
json_t	*onion_status(struct agent *);

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
/*
 * An onion did not answer: ask tor to forget what it learned of onion
 * services (SIGNAL NEWNYM), unless *LAST (when this caller last asked) is
 * less than SECS ago, usually TOR_FORGET_SECS. CB, if not NULL, is called
 * with ARG once tor has answered. 1 if asked, else 0.
 */
#define TOR_FORGET_SECS	60
int	agent_tor_forget_onions(struct agent *, long long *last,
	    long long secs, void (*cb)(void *), void *arg);
/* Tor's SOCKS socket, or NULL while tor is not up. */
const char *agent_tor_socks(struct agent *);

#endif
