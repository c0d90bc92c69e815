/*
 * The inbound listener: what tor hands us from our onion service, on the
 * unix socket onion.sock. Everyone on the Tor network can reach it, so
 * every size and time is bounded and nothing unknown is answered but 404.
 */
#include "config.h"

#include <string.h>

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
onion_http(struct agent *a, void (*cb)(struct evhttp_request *, void *))
{
	struct evhttp	*http;

	if ((http = evhttp_new(a->base)) == NULL)
		fatalx("evhttp_new");
	evhttp_set_max_headers_size(http, ONION_MAX_HEADERS);
	evhttp_set_max_body_size(http, ONION_MAX_BODY);
	evhttp_set_timeout(http, ONION_TIMEOUT_SECS);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_gencb(http, cb, a);
	return http;
}

int
onion_start(struct agent *a, char *err, size_t errlen)
{
	a->invite_rv = rv_server_new(a->base, 0);
	if (a->conf.serve_rendezvous)
		a->rv = rv_server_new(a->base, 1);
	a->onion = onion_http(a, onion_request);
	a->invite_http = onion_http(a, onion_invite_request);
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
	rv_server_free(a->rv);
	rv_server_free(a->invite_rv);
	a->onion = a->invite_http = NULL;
	a->rv = a->invite_rv = NULL;
}
