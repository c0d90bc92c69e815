/*
 * Small helpers shared by the agent's HTTP servers (the local API, the
 * onion listener, the web page): listening on a private unix socket, JSON bodies in and
 * out, uniform errors. The HTTP itself is libevent's evhttp.
 */
#ifndef PETMAIL_HTTPD_H
#define PETMAIL_HTTPD_H

#include <stddef.h>

#include <event2/http.h>
#include <jansson.h>

/* Listen on a unix socket at PATH (mode 0600, a stale one is replaced). */
int	httpd_listen_unix(struct evhttp *, const char *path, char *err,
	    size_t errlen);

/*
 * Listen on 127.0.0.1:PORT (0: a free port), never another address; the
 * port bound is in *BOUND. No name is resolved.
 */
int	httpd_listen_loopback(struct evhttp *, int port, int *bound,
	    char *err, size_t errlen);

/* Reply with JSON (takes the reference) and the given status; NULL (a
 * json_pack() that failed) is logged and answered 500. */
void	httpd_reply_json(struct evhttp_request *, int code, json_t *);
/* Reply with JSON text already in BUF (drained; the caller frees it). */
struct evbuffer;
void	httpd_reply_json_buffer(struct evhttp_request *, int code,
	    struct evbuffer *);
/* Reply {"error": MSG} with the given status; bytes of MSG that are not
 * UTF-8 (from what a client sent) are shown as '?'. */
void	httpd_reply_error(struct evhttp_request *, int code, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Parse the request body as a JSON object of at most MAX bytes. An empty
 * body is an empty object. NULL after replying 400 on bad input.
 */
json_t	*httpd_body_json(struct evhttp_request *, size_t max);

/* The request path without its query string (static buffer). */
const char *httpd_path(struct evhttp_request *);

/*
 * A guard for a server that anyone on the Tor network can reach. It
 * holds at most MAX connections at once: at the limit the server's
 * listeners pause and the kernel queues newcomers. A request must arrive
 * whole within SECS of its connection opening (or of the previous answer
 * on that connection): evhttp's own timeout only counts silence, so a
 * peer sending a byte now and then is otherwise never cut off. A request
 * still in service after BUSY_SECS (an answer its peer does not read) is
 * cut as well. The guard installs CB as the server's request callback;
 * free it after the server.
 */
struct httpd_guard;
struct httpd_guard_stats {
	int		 open;		/* connections now */
	int		 max;
	unsigned long	 accepted;	/* since start */
	unsigned long	 cut;		/* too slow, or over the limit */
	unsigned long	 paused;	/* times the limit was reached */
};

struct httpd_guard *httpd_guard_new(struct event_base *, struct evhttp *,
	    const char *name, int max, int secs, int busy_secs,
	    void (*cb)(struct evhttp_request *, void *), void *arg);
void	httpd_guard_free(struct httpd_guard *);
void	httpd_guard_stats(const struct httpd_guard *,
	    struct httpd_guard_stats *);

#endif
