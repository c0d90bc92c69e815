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

#include "envelope.h"
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
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	evhttp_send_reply(req, code, NULL, buf);
	evbuffer_free(buf);
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
