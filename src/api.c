/*
 * The local API: HTTP/1.1 + JSON on petmaild.sock (mode 0600, in the
 * 0700 state directory: access is the file permissions). The CLI is a
 * thin client of it. The web page (ui.c) sends the same requests over
 * its port on 127.0.0.1, checks them first, then dispatches them through
 * the same table here; routes marked API_SOCKET_ONLY refuse it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "agent.h"
#include "events.h"
#include "httpd.h"
#include "invite.h"
#include "messages.h"
#include "petname.h"
#include "store.h"
#include "log.h"

#define API_MAX_HEADERS	16384

#define API_SOCKET_ONLY	0x01	/* petmail(1) on the socket, not the page */

struct api_route {
	enum evhttp_cmd_type	 method;
	const char		*path;
	int			 flags;
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

/* Run HANDLER with the request's JSON body; replies 400 on bad JSON. */
static void
api_with_body(struct agent *a, struct evhttp_request *req,
    void (*handler)(struct agent *, struct evhttp_request *, json_t *))
{
	json_t	*body;

	if ((body = httpd_body_json(req, API_MAX_BODY)) == NULL)
		return;
	handler(a, req, body);
	json_decref(body);
}

static void
api_invite(struct agent *a, struct evhttp_request *req)
{
	api_with_body(a, req, invite_api_create);
}

static void
api_accept(struct agent *a, struct evhttp_request *req)
{
	api_with_body(a, req, invite_api_accept);
}

static void
api_invitations(struct agent *a, struct evhttp_request *req)
{
	invite_api_list(a, req);
}

static void
api_contacts(struct agent *a, struct evhttp_request *req)
{
	httpd_reply_json(req, 200, store_contacts_json(a->store));
}

/* A petname field of a request body; NULL after replying 400. */
static const char *
api_petname(struct evhttp_request *req, json_t *body, const char *key)
{
	json_t	*v = json_object_get(body, key);
	char	 err[128];

	if (!json_is_string(v)) {
		httpd_reply_error(req, 400, "%s is needed", key);
		return NULL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    petname_check(json_string_value(v), json_string_length(v), err,
	    sizeof(err)) == -1) {
		httpd_reply_error(req, 400, "%s: %s", key, err);
		return NULL;
	}
	return json_string_value(v);
}

static void
api_rename_body(struct agent *a, struct evhttp_request *req, json_t *body)
{
	const char	*old, *new_name;
	char		 err[256];

	if ((old = api_petname(req, body, "petname")) == NULL ||
	    (new_name = api_petname(req, body, "new")) == NULL)
		return;
	if (strncmp(new_name, "pending-", 8) == 0) {
		httpd_reply_error(req, 400, "names starting with pending- are "
		    "kept for pending contacts");
		return;
	}
	if (store_contact_rename(a->store, old, new_name, err,
	    sizeof(err)) == -1) {
		httpd_reply_error(req, strncmp(err, "no contact", 10) == 0 ?
		    404 : 409, "%s", err);
		return;
	}
	log_info("contact renamed");
	events_emit(a->events, "contacts", json_pack("{s:s}", "change",
	    "renamed"));
	httpd_reply_json(req, 200, json_pack("{s:s}", "petname", new_name));
}

static void
api_rename(struct agent *a, struct evhttp_request *req)
{
	api_with_body(a, req, api_rename_body);
}

static void
api_remove_body(struct agent *a, struct evhttp_request *req, json_t *body)
{
	const char	*name;
	char		 err[256];
	long		 id = 0;

	if ((name = api_petname(req, body, "petname")) == NULL)
		return;
	if (store_contact_remove(a->store, name, &id, err, sizeof(err)) == -1) {
		httpd_reply_error(req, strncmp(err, "no contact", 10) == 0 ?
		    404 : 500, "%s", err);
		return;
	}
	invite_contact_removed(a, id);
	msg_contact_removed(a, id);
	log_info("contact %ld removed", id);
	events_emit(a->events, "contacts", json_pack("{s:s, s:I}", "change",
	    "removed", "id", (json_int_t)id));
	httpd_reply_json(req, 200, json_pack("{s:s}", "removed", name));
}

static void
api_remove(struct agent *a, struct evhttp_request *req)
{
	api_with_body(a, req, api_remove_body);
}

static void
api_send(struct agent *a, struct evhttp_request *req)
{
	api_with_body(a, req, msg_api_send);
}

static void
api_messages(struct agent *a, struct evhttp_request *req)
{
	msg_api_list(a, req);
}

static void
api_delete(struct agent *a, struct evhttp_request *req)
{
	api_with_body(a, req, msg_api_delete);
}

static void
api_retry(struct agent *a, struct evhttp_request *req)
{
	api_with_body(a, req, msg_api_retry);
}

static const struct api_route api_routes[] = {
	{ EVHTTP_REQ_GET,	"/v1/status",		0, api_status },
	{ EVHTTP_REQ_GET,	"/v1/events",		0, api_events },
	{ EVHTTP_REQ_POST,	"/v1/stop",		API_SOCKET_ONLY,
	    api_post_stop },
	{ EVHTTP_REQ_POST,	"/v1/ui/opener",	API_SOCKET_ONLY,
	    ui_api_opener },
	{ EVHTTP_REQ_POST,	"/v1/invite",		0, api_invite },
	{ EVHTTP_REQ_POST,	"/v1/accept",		0, api_accept },
	{ EVHTTP_REQ_GET,	"/v1/invitations",	0, api_invitations },
	{ EVHTTP_REQ_GET,	"/v1/contacts",		0, api_contacts },
	{ EVHTTP_REQ_POST,	"/v1/contacts/rename",	0, api_rename },
	{ EVHTTP_REQ_POST,	"/v1/contacts/remove",	0, api_remove },
	{ EVHTTP_REQ_POST,	"/v1/send",		0, api_send },
	{ EVHTTP_REQ_GET,	"/v1/messages",		0, api_messages },
	{ EVHTTP_REQ_POST,	"/v1/messages/delete",	0, api_delete },
	{ EVHTTP_REQ_POST,	"/v1/retry",		0, api_retry },
};

/* GET /v1/invitations/ID and /v1/invitations/ID/qr.svg */
static void
api_invitation(struct agent *a, struct evhttp_request *req, const char *rest)
{
	char	*end;
	long	 id;

	id = strtol(rest, &end, 10);
	if (rest[0] < '1' || rest[0] > '9' || id <= 0) {
		httpd_reply_error(req, 404, "no such introduction");
		return;
	}
	if (*end == '\0')
		invite_api_get(a, req, id);
	else if (strcmp(end, "/qr.svg") == 0)
		invite_api_qr(a, req, id);
	else
		httpd_reply_error(req, 404, "no such API: %s", httpd_path(req));
}

void
api_dispatch(struct agent *a, struct evhttp_request *req, enum api_via via)
{
	const char	*path = httpd_path(req);
	size_t		 i;
	int		 path_known = 0;

	/* A jump of the clock shows at once, not at the next retry. */
	agent_clock_check(a);

	if (strncmp(path, "/v1/invitations/", 16) == 0 &&
	    evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		api_invitation(a, req, path + 16);
		return;
	}

	for (i = 0; i < sizeof(api_routes) / sizeof(api_routes[0]); i++) {
		if (strcmp(api_routes[i].path, path) != 0)
			continue;
		path_known = 1;
		if (api_routes[i].method != evhttp_request_get_command(req))
			continue;
		if ((api_routes[i].flags & API_SOCKET_ONLY) &&
		    via != API_VIA_SOCKET) {
			httpd_reply_error(req, 403, "%s is for petmail(1) "
			    "on the agent's socket only, not the web page",
			    path);
			return;
		}
		api_routes[i].handler(a, req);
		return;
	}
	if (path_known)
		httpd_reply_error(req, 405, "method not allowed for %s", path);
	else
		httpd_reply_error(req, 404, "no such API: %s", path);
}

static void
api_request(struct evhttp_request *req, void *arg)
{
	api_dispatch(arg, req, API_VIA_SOCKET);
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
