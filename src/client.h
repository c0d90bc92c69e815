/*
 * The CLI's side of the local API: one HTTP request over the agent's unix
 * socket (libcurl, CURLOPT_UNIX_SOCKET_PATH), JSON in and out.
 */
#ifndef PETMAIL_CLIENT_H
#define PETMAIL_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#define CLIENT_MAX_REPLY	(16 * 1024 * 1024)

/*
 * METHOD PATH with BODY (may be NULL) to the agent in DIR. On success
 * *CODE is the HTTP status and *REPLY the parsed JSON (caller frees).
 * -1 with ERR when the agent cannot be reached or answers garbage.
 */
int	client_request(const char *dir, const char *method, const char *path,
	    json_t *body, long *code, json_t **reply, char *err, size_t errlen);

/* Follow GET PATH as server-sent events; CB returns 0 to go on, 1 to
 * stop. Returns 0 when CB stopped, -1 with ERR otherwise. */
typedef int client_event_cb(const char *type, json_t *data, void *arg);
int	client_events(const char *dir, const char *path, client_event_cb *cb,
	    void *arg, char *err, size_t errlen);

/* The error text of an API error reply ({"error": ...}), or a default. */
const char *client_error_text(json_t *reply);

#endif
