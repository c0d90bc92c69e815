#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <jansson.h>

#include "envelope.h"
#include "httpd.h"
#include "log.h"
#include "wipe.h"
#include "xmalloc.h"

#define HTTPD_ACCEPT_PAUSE_SECS	1	/* after accept() fails */
#define HTTPD_REPORT_SECS	60	/* a guard's summary in the log */

static long long
httpd_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

static void
httpd_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	evconnlistener_enable(arg);
}

/*
 * accept() failed for a reason other than a retry (no descriptor left,
 * no memory): without this the listener stays readable and the loop
 * spins on it. Pause it for a moment and say so, at most once a minute.
 */
static void
httpd_accept_error(struct evconnlistener *l, void *arg)
{
	static long long	 warned;
	struct timeval		 tv = { HTTPD_ACCEPT_PAUSE_SECS, 0 };
	long long		 now = httpd_now();

	if (warned == 0 || now - warned >= HTTPD_REPORT_SECS) {
		log_warn("cannot accept a connection; pausing that listener "
		    "for %d s", HTTPD_ACCEPT_PAUSE_SECS);
		warned = now;
	}
	evconnlistener_disable(l);
	event_base_once(evconnlistener_get_base(l), -1, EV_TIMEOUT,
	    httpd_accept_resume, l, &tv);
}

int
httpd_listen_unix(struct evhttp *http, const char *path, char *err,
    size_t errlen)
{
	struct evhttp_bound_socket *bound;
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long (at most "
		    "%zu bytes): choose a shorter state directory", path,
		    sizeof(sun.sun_path) - 1);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* The caller holds the pid lock, so a socket left here is stale. */
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		snprintf(err, errlen, "cannot listen on %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, 0600) == -1 || listen(fd, 64) == -1) {
		snprintf(err, errlen, "cannot listen on %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if ((bound = evhttp_accept_socket_with_handle(http, fd)) == NULL) {
		snprintf(err, errlen, "cannot serve %s", path);
		close(fd);
		return -1;
	}
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(bound),
	    httpd_accept_error);
	return 0;
}

int
httpd_listen_loopback(struct evhttp *http, int port, int *bound, char *err,
    size_t errlen)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		snprintf(err, errlen, "cannot listen on 127.0.0.1:%d: %s",
		    port, strerror(errno));
		close(fd);
		return -1;
	}
	if (evhttp_accept_socket_with_handle(http, fd) == NULL) {
		snprintf(err, errlen, "cannot serve 127.0.0.1:%d", port);
		close(fd);
		return -1;
	}
	*bound = ntohs(sin.sin_port);
	return 0;
}

void
httpd_reply_json(struct evhttp_request *req, int code, json_t *j)
{
	static const char	 broken[] = "{\"error\":\"the agent could not "
	    "encode its answer\"}";
	struct evbuffer		*buf = evbuffer_new();
	char			*text;

	if (buf == NULL)
		fatalx("httpd: out of memory");
	/*
	 * NULL is what json_pack() gives for a string that is not UTF-8:
	 * a bug, but not one worth stopping the agent for.
	 */
	if (j == NULL) {
		log_warnx("httpd: no answer to encode for %s; answering 500",
		    httpd_path(req));
		code = 500;
		text = strdup(broken);
	} else
		text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL)
		fatalx("httpd: out of memory");
	evbuffer_add(buf, text, strlen(text));
	evbuffer_add(buf, "\n", 1);
	wipe_json_free(text);
	httpd_reply_json_buffer(req, code, buf);
	evbuffer_free(buf);
}

void
httpd_reply_json_buffer(struct evhttp_request *req, int code,
    struct evbuffer *buf)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	evhttp_send_reply(req, code, NULL, buf);
}

/*
 * MSG as JSON can hold it: every byte that starts no well-formed UTF-8
 * character becomes '?'. Error messages quote what clients sent (a path,
 * a name), and vsnprintf() may cut a character in two.
 */
static void
httpd_utf8_clean(char *msg)
{
	uint8_t	*p = (uint8_t *)msg;
	size_t	 len = strlen(msg), i = 0, n;

	while (i < len) {
		for (n = 1; n <= 4 && n <= len - i; n++)
			if (envelope_body_check(p + i, n) == 0)
				break;
		if (n <= 4 && n <= len - i)
			i += n;
		else
			p[i++] = '?';
	}
}

void
httpd_reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	httpd_utf8_clean(msg);
	httpd_reply_json(req, code, json_pack("{s:s}", "error", msg));
}

json_t *
httpd_body_json(struct evhttp_request *req, size_t max)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	json_error_t	 jerr;
	json_t		*j;
	size_t		 len = evbuffer_get_length(in);
	unsigned char	*p;

	if (len == 0)
		return json_object();
	if (len > max) {
		httpd_reply_error(req, 413, "request body larger than %zu "
		    "bytes", max);
		return NULL;
	}
	if ((p = evbuffer_pullup(in, -1)) == NULL)
		fatalx("httpd: out of memory");
	j = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		httpd_reply_error(req, 400, "request body is not a JSON "
		    "object");
		return NULL;
	}
	return j;
}

const char *
httpd_path(struct evhttp_request *req)
{
	static char	 path[256];
	const char	*uri = evhttp_request_get_uri(req);
	size_t		 n;

	n = strcspn(uri, "?#");
	if (n >= sizeof(path))
		n = sizeof(path) - 1;
	memcpy(path, uri, n);
	path[n] = '\0';
	return path;
}

/*
 * The guard. evhttp (libevent 2.1) tells nobody when it opens or drops a
 * connection, but it asks us for each connection's bufferevent. We keep a
 * reference to each: when evhttp lets the connection go, it frees its
 * side (clearing the callbacks) and the socket stays open until we drop
 * ours, at the next sweep, so that its descriptor is never reused under
 * a connection we still count.
 */
struct httpd_conn {
	struct bufferevent	*bev;
	long long		 since;	/* opened, answered, served */
	int			 busy;	/* a request is in service */
	int			 cut;
	TAILQ_ENTRY(httpd_conn)	 entry;
};

struct httpd_guard {
	struct event_base	*base;
	struct evhttp		*http;
	char			 name[32];
	struct event		*tick;
	int			 max;
	int			 secs;
	int			 busy_secs;
	int			 paused;
	void			(*cb)(struct evhttp_request *, void *);
	void			*arg;
	struct httpd_guard_stats st;
	unsigned long		 cut_reported;
	unsigned long		 paused_reported;
	long long		 reported;
	TAILQ_HEAD(, httpd_conn) conns;
};

static void
httpd_guard_listener(struct evhttp_bound_socket *bound, void *arg)
{
	struct httpd_guard	*g = arg;
	struct evconnlistener	*l;

	l = evhttp_bound_socket_get_listener(bound);
	if (g->paused)
		evconnlistener_disable(l);
	else
		evconnlistener_enable(l);
}

static void
httpd_guard_pause(struct httpd_guard *g, int pause)
{
	if (g->paused == pause)
		return;
	g->paused = pause;
	if (pause)
		g->st.paused++;
	evhttp_foreach_bound_socket(g->http, httpd_guard_listener, g);
}

static struct httpd_conn *
httpd_guard_find(struct httpd_guard *g, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	struct httpd_conn		*c;

	if ((evcon = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return NULL;
	TAILQ_FOREACH(c, &g->conns, entry)
		if (c->bev == bev)
			return c;
	return NULL;
}

/* End the connection: its peer sees EOF, and so does evhttp, which lets
 * it go. Only for connections evhttp still holds (never a reused fd). */
static void
httpd_guard_cut(struct httpd_guard *g, struct httpd_conn *c)
{
	evutil_socket_t	fd = bufferevent_getfd(c->bev);

	if (c->cut || fd == -1)
		return;
	shutdown(fd, SHUT_RDWR);
	c->cut = 1;
	g->st.cut++;
}

static void
httpd_guard_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct httpd_guard		*g = arg;
	struct httpd_conn		*c, *next;
	bufferevent_event_cb		 eventcb;
	long long			 now = httpd_now();
	int				 n = 0, unreported;

	for (c = TAILQ_FIRST(&g->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		bufferevent_getcb(c->bev, NULL, NULL, &eventcb, NULL);
		if (eventcb == NULL) {
			/* evhttp is done with it: close it for good. */
			TAILQ_REMOVE(&g->conns, c, entry);
			bufferevent_decref(c->bev);
			free(c);
			g->st.open--;
			continue;
		}
		/* Past the limit (a listener resumed early): newest go. */
		if (++n > g->max)
			httpd_guard_cut(g, c);
		else if (now - c->since >= (c->busy ? g->busy_secs : g->secs))
			httpd_guard_cut(g, c);
	}
	if (g->st.open < g->max)
		httpd_guard_pause(g, 0);
	unreported = g->st.cut != g->cut_reported ||
	    g->st.paused != g->paused_reported;
	if (unreported && now - g->reported >= HTTPD_REPORT_SECS) {
		log_info("%s: %lu slow or surplus connections cut, %lu times "
		    "at the limit of %d connections, in the last %lld s",
		    g->name, g->st.cut - g->cut_reported,
		    g->st.paused - g->paused_reported, g->max,
		    g->reported == 0 ? HTTPD_REPORT_SECS : now - g->reported);
		g->cut_reported = g->st.cut;
		g->paused_reported = g->st.paused;
		g->reported = now;
		unreported = 0;
	}
	/*
	 * Nothing to watch, resume or report: no more ticks until the next
	 * connection, so that an idle agent is not woken up every second.
	 */
	if (TAILQ_EMPTY(&g->conns) && !g->paused && !unreported)
		event_del(g->tick);
}

/* Sweep every second while there is a connection to watch. */
static void
httpd_guard_arm(struct httpd_guard *g)
{
	struct timeval	tv = { 1, 0 };

	if (!event_pending(g->tick, EV_TIMEOUT, NULL) &&
	    event_add(g->tick, &tv) == -1)
		fatalx("httpd: cannot start a timer");
}

static struct bufferevent *
httpd_guard_bev(struct event_base *base, void *arg)
{
	struct httpd_guard	*g = arg;
	struct httpd_conn	*c = xcalloc(1, sizeof(*c));

	/* What evhttp makes when asked for nothing special, plus our ref. */
	if ((c->bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("httpd: out of memory");
	bufferevent_incref(c->bev);
	c->since = httpd_now();
	TAILQ_INSERT_TAIL(&g->conns, c, entry);
	httpd_guard_arm(g);
	g->st.open++;
	g->st.accepted++;
	if (g->st.open >= g->max)
		httpd_guard_pause(g, 1);
	if (g->st.open > g->max)
		event_active(g->tick, EV_TIMEOUT, 0);	/* cut at once */
	return c->bev;
}

static void
httpd_guard_done(struct evhttp_request *req, void *arg)
{
	struct httpd_conn	*c = httpd_guard_find(arg, req);

	if (c != NULL) {
		c->busy = 0;
		c->since = httpd_now();	/* the next request's */
	}
}

static void
httpd_guard_request(struct evhttp_request *req, void *arg)
{
	struct httpd_guard	*g = arg;
	struct httpd_conn	*c = httpd_guard_find(g, req);

	if (c != NULL) {
		c->busy = 1;
		c->since = httpd_now();
	}
	evhttp_request_set_on_complete_cb(req, httpd_guard_done, g);
	g->cb(req, g->arg);
}

struct httpd_guard *
httpd_guard_new(struct event_base *base, struct evhttp *http,
    const char *name, int max, int secs, int busy_secs,
    void (*cb)(struct evhttp_request *, void *), void *arg)
{
	struct httpd_guard	*g = xcalloc(1, sizeof(*g));

	g->base = base;
	g->http = http;
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->max = max > 0 ? max : 1;
	g->secs = secs;
	g->busy_secs = busy_secs;
	g->cb = cb;
	g->arg = arg;
	g->st.max = g->max;
	TAILQ_INIT(&g->conns);
	/* Armed by the first connection (httpd_guard_arm). */
	if ((g->tick = event_new(base, -1, EV_PERSIST, httpd_guard_sweep,
	    g)) == NULL)
		fatalx("httpd: cannot make a timer");
	evhttp_set_bevcb(http, httpd_guard_bev, g);
	evhttp_set_gencb(http, httpd_guard_request, g);
	return g;
}

/* After evhttp_free(): every connection has been let go by then. */
void
httpd_guard_free(struct httpd_guard *g)
{
	struct httpd_conn	*c;

	if (g == NULL)
		return;
	while ((c = TAILQ_FIRST(&g->conns)) != NULL) {
		TAILQ_REMOVE(&g->conns, c, entry);
		bufferevent_decref(c->bev);
		free(c);
	}
	event_free(g->tick);
	free(g);
}

void
httpd_guard_stats(const struct httpd_guard *g, struct httpd_guard_stats *st)
{
	*st = g->st;
}
