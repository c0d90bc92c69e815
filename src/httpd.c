#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/util.h>
#include <jansson.h>

#include "httpd.h"
#include "log.h"

int
httpd_listen_unix(struct evhttp *http, const char *path, char *err,
    size_t errlen)
{
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
	if (evhttp_accept_socket_with_handle(http, fd) == NULL) {
		snprintf(err, errlen, "cannot serve %s", path);
		close(fd);
		return -1;
	}
	return 0;
}

void
httpd_reply_json(struct evhttp_request *req, int code, json_t *j)
{
	struct evbuffer	*buf = evbuffer_new();
	char		*text;

	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (buf == NULL || text == NULL)
		fatalx("httpd: out of memory");
	evbuffer_add(buf, text, strlen(text));
	evbuffer_add(buf, "\n", 1);
	free(text);
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

void
httpd_reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
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
