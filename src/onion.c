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

int
onion_start(struct agent *a, char *err, size_t errlen)
{
	if ((a->onion = evhttp_new(a->base)) == NULL)
		fatalx("evhttp_new");
	evhttp_set_max_headers_size(a->onion, ONION_MAX_HEADERS);
	evhttp_set_max_body_size(a->onion, ONION_MAX_BODY);
	evhttp_set_timeout(a->onion, ONION_TIMEOUT_SECS);
	evhttp_set_allowed_methods(a->onion, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_gencb(a->onion, onion_request, a);
	return httpd_listen_unix(a->onion, a->onion_path, err, errlen);
}

void
onion_stop(struct agent *a)
{
	if (a->onion != NULL)
		evhttp_free(a->onion);
	a->onion = NULL;
}
