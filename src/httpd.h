/*
 * Small helpers shared by the agent's HTTP servers (the local API, the
 * onion listener): listening on a private unix socket, JSON bodies in and
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

/* Reply with JSON (takes the reference) and the given status; NULL (a
 * json_pack() that failed) is logged and answered 500. */
void	httpd_reply_json(struct evhttp_request *, int code, json_t *);
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

#endif
