/*
 * The inbound listener: what tor hands us from our onion service, on the
 * unix socket onion.sock. Everyone on the Tor network can reach it, so
 * every size and time is bounded and nothing unknown is answered but 404.
 */
#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include <event2/http.h>
#include <jansson.h>

#include "agent.h"
#include "httpd.h"
#include "log.h"
#include "messages.h"
#include "rendezvous.h"

static void
onion_hello(struct agent *a, struct evhttp_request *req)
{
	httpd_reply_json(req, 200, json_pack("{s:s, s:i}", "protocol",
	    "petmail", "version", ONION_PROTOCOL_VERSION));
}

static void
onion_request(struct evhttp_request *req, void *arg)
{
	struct agent	*a = arg;
	const char	*path = httpd_path(req);

	if (a->rv != NULL && rv_server_handle(a->rv, req))
		return;
	if (strcmp(path, "/v1/msg") == 0) {
		msg_inbound(a, req);
		return;
	}
	if (strcmp(path, "/v1/hello") == 0) {
		if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
			httpd_reply_error(req, 405, "method not allowed");
			return;
		}
		onion_hello(a, req);
		return;
	}
	httpd_reply_error(req, 404, "not found");
}

/* Behind direct invitation onions: their channels, and nothing else. */
static void
onion_invite_request(struct evhttp_request *req, void *arg)
{
	struct agent	*a = arg;

	if (!rv_server_handle(a->invite_rv, req))
		httpd_reply_error(req, 404, "not found");
}

static struct evhttp *
onion_http(struct agent *a, struct httpd_guard **guard, const char *name,
    int max, void (*cb)(struct evhttp_request *, void *))
{
	struct evhttp	*http;

	if ((http = evhttp_new(a->base)) == NULL)
		fatalx("evhttp_new");
	evhttp_set_max_headers_size(http, ONION_MAX_HEADERS);
	evhttp_set_max_body_size(http, ONION_MAX_BODY);
	evhttp_set_timeout(http, ONION_TIMEOUT_SECS);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	*guard = httpd_guard_new(a->base, http, name, max, ONION_REQUEST_SECS,
	    ONION_BUSY_SECS, cb, a);
	return http;
}

/*
 * The connection limits, from the descriptors we may open: a flood must
 * never take the last ones, which the local API and the database need.
 */
static void
onion_limits(int *onion_max, int *invite_max)
{
	struct rlimit	rl;
	rlim_t		spare;

	*onion_max = ONION_MAX_CONNS;
	*invite_max = ONION_INVITE_MAX_CONNS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur ==
	    RLIM_INFINITY || rl.rlim_cur >= ONION_FDS_RESERVED +
	    ONION_MAX_CONNS + ONION_INVITE_MAX_CONNS)
		return;
	spare = rl.rlim_cur > ONION_FDS_RESERVED / 2 ?
	    rl.rlim_cur - ONION_FDS_RESERVED / 2 : 8;
	*onion_max = (int)(spare * 3 / 4 > 8 ? spare * 3 / 4 : 8);
	*invite_max = (int)(spare / 8 > 4 ? spare / 8 : 4);
	log_warnx("only %lu file descriptors: at most %d connections from "
	    "the Tor network (%d on invitation onions)",
	    (unsigned long)rl.rlim_cur, *onion_max, *invite_max);
}

static json_t *
onion_guard_json(struct httpd_guard *g)
{
	struct httpd_guard_stats	st;

	httpd_guard_stats(g, &st);
	return json_pack("{s:i, s:i, s:I, s:I, s:I}", "open", st.open,
	    "max", st.max, "accepted", (json_int_t)st.accepted,
	    "cut", (json_int_t)st.cut, "full", (json_int_t)st.paused);
}

json_t *
onion_status(struct agent *a)
{
	if (a->onion_guard == NULL || a->invite_guard == NULL)
		return json_null();
	return json_pack("{s:o, s:o}", "onion", onion_guard_json(
	    a->onion_guard), "invitations", onion_guard_json(a->invite_guard));
}

int
onion_start(struct agent *a, char *err, size_t errlen)
{
	int	onion_max, invite_max;

	onion_limits(&onion_max, &invite_max);
	a->invite_rv = rv_server_new(a->base, 0);
	if (a->conf.serve_rendezvous)
		a->rv = rv_server_new(a->base, 1);
	a->onion = onion_http(a, &a->onion_guard, "onion", onion_max,
	    onion_request);
	a->invite_http = onion_http(a, &a->invite_guard, "invitation onions",
	    invite_max, onion_invite_request);
	if (httpd_listen_unix(a->onion, a->onion_path, err, errlen) == -1 ||
	    httpd_listen_unix(a->invite_http, a->invite_path, err,
	    errlen) == -1)
		return -1;
	return 0;
}

void
onion_stop(struct agent *a)
{
	if (a->onion != NULL)
		evhttp_free(a->onion);
	if (a->invite_http != NULL)
		evhttp_free(a->invite_http);
	httpd_guard_free(a->onion_guard);
	httpd_guard_free(a->invite_guard);
	a->onion_guard = a->invite_guard = NULL;
	rv_server_free(a->rv);
	rv_server_free(a->invite_rv);
	a->onion = a->invite_http = NULL;
	a->rv = a->invite_rv = NULL;
}
