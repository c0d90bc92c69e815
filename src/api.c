/*
 * The local API: HTTP/1.1 + JSON on petmaild.sock (mode 0600, in the
 * 0700 state directory: access is the file permissions). The CLI is a
 * thin client of it, and the web page uses the same routes.
 */
#include "config.h"

#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "agent.h"
#include "events.h"
#include "httpd.h"
#include "log.h"

#define API_MAX_HEADERS	16384
#define API_MAX_BODY	(256 * 1024)

struct api_route {
	enum evhttp_cmd_type	 method;
	const char		*path;
	void			(*handler)(struct agent *,
				    struct evhttp_request *);
};

static void
api_status(struct agent *a, struct evhttp_request *req)
{
	httpd_reply_json(req, 200, agent_status(a));
}

static void
api_events(struct agent *a, struct evhttp_request *req)
{
	json_t	*status;

	if (events_subscribe(a->events, req) == -1)
		return;
	status = agent_status(a);
	events_send_one(req, "status", status);
	json_decref(status);
}

static void
api_post_stop(struct agent *a, struct evhttp_request *req)
{
	httpd_reply_json(req, 200, json_pack("{s:b}", "stopping", 1));
	agent_shutdown(a, "asked to stop by the local API");
}

static const struct api_route api_routes[] = {
	{ EVHTTP_REQ_GET,	"/v1/status",	api_status },
	{ EVHTTP_REQ_GET,	"/v1/events",	api_events },
	{ EVHTTP_REQ_POST,	"/v1/stop",	api_post_stop },
};

static void
api_request(struct evhttp_request *req, void *arg)
{
	struct agent	*a = arg;
	const char	*path = httpd_path(req);
	size_t		 i;
	int		 path_known = 0;

	for (i = 0; i < sizeof(api_routes) / sizeof(api_routes[0]); i++) {
		if (strcmp(api_routes[i].path, path) != 0)
			continue;
		path_known = 1;
		if (api_routes[i].method == evhttp_request_get_command(req)) {
			api_routes[i].handler(a, req);
			return;
		}
	}
	if (path_known)
		httpd_reply_error(req, 405, "method not allowed for %s", path);
	else
		httpd_reply_error(req, 404, "no such API: %s", path);
}

int
api_start(struct agent *a, char *err, size_t errlen)
{
	if ((a->api = evhttp_new(a->base)) == NULL)
		fatalx("evhttp_new");
	evhttp_set_max_headers_size(a->api, API_MAX_HEADERS);
	evhttp_set_max_body_size(a->api, API_MAX_BODY);
	evhttp_set_allowed_methods(a->api, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_DELETE);
	evhttp_set_gencb(a->api, api_request, a);
	return httpd_listen_unix(a->api, a->sock_path, err, errlen);
}

void
api_stop(struct agent *a)
{
	if (a->api != NULL)
		evhttp_free(a->api);
	a->api = NULL;
}
