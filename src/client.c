#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "client.h"
#include "statedir.h"
#include "xmalloc.h"

struct client_buf {
	char	*data;
	size_t	 len;
	int	 overflow;
};

static size_t
client_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct client_buf	*b = arg;
	size_t			 n = size * nmemb;

	if (b->len + n > CLIENT_MAX_REPLY) {
		b->overflow = 1;
		return 0;
	}
	b->data = xreallocarray(b->data, b->len + n + 1, 1);
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* An easy handle that can only talk to the agent's socket. */
static CURL *
client_handle(const char *dir, const char *path, char *errbuf)
{
	CURL	*c;
	char	*sock, url[512];

	if ((c = curl_easy_init()) == NULL)
		return NULL;
	sock = statedir_path(dir, STATEDIR_SOCK);
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	free(sock);	/* curl copies string options */
	return c;
}

static void
client_unreachable(char *err, size_t errlen, const char *dir, CURLcode rc,
    const char *errbuf)
{
	if (rc == CURLE_COULDNT_CONNECT)
		snprintf(err, errlen, "the agent in %s is not running: start it "
		    "with petmail start", dir);
	else
		snprintf(err, errlen, "cannot reach the agent in %s: %s", dir,
		    errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

int
client_request(const char *dir, const char *method, const char *path,
    json_t *body, long *code, json_t **reply, char *err, size_t errlen)
{
	struct client_buf	 buf = { NULL, 0, 0 };
	struct curl_slist	*hdrs = NULL;
	char			 errbuf[CURL_ERROR_SIZE] = "", *text = NULL;
	json_error_t		 jerr;
	CURLcode		 rc;
	CURL			*c;

	if ((c = client_handle(dir, path, errbuf)) == NULL) {
		snprintf(err, errlen, "libcurl cannot start");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, client_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &buf);
	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT);
		hdrs = curl_slist_append(hdrs,
		    "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
	} else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");

	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	free(text);
	if (rc != CURLE_OK) {
		if (buf.overflow)
			snprintf(err, errlen, "the agent's answer is larger "
			    "than %d bytes", CLIENT_MAX_REPLY);
		else
			client_unreachable(err, errlen, dir, rc, errbuf);
		free(buf.data);
		return -1;
	}
	*reply = json_loadb(buf.data ? buf.data : "", buf.len, 0, &jerr);
	free(buf.data);
	if (*reply == NULL) {
		snprintf(err, errlen, "the agent answered something that is "
		    "not JSON (HTTP %ld)", *code);
		return -1;
	}
	return 0;
}

const char *
client_error_text(json_t *reply)
{
	const char	*s = json_string_value(json_object_get(reply, "error"));

	return s != NULL ? s : "the agent refused the request";
}

/* Server-sent events: blank-line separated blocks of "field: value". */
struct client_sse {
	char		*buf;
	size_t		 len;
	client_event_cb	*cb;
	void		*arg;
	int		 stopped;
	int		 bad;
};

static int
client_sse_block(struct client_sse *s, char *block)
{
	char		*line, *save = NULL, *type = NULL, *data = NULL;
	json_error_t	 jerr;
	json_t		*j;
	int		 rc;

	for (line = strtok_r(block, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "event: ", 7) == 0)
			type = line + 7;
		else if (strncmp(line, "data: ", 6) == 0)
			data = line + 6;
	}
	if (type == NULL || data == NULL)
		return 0;	/* comments and keep-alives */
	if ((j = json_loads(data, 0, &jerr)) == NULL) {
		s->bad = 1;
		return 1;
	}
	rc = s->cb(type, j, s->arg);
	json_decref(j);
	return rc;
}

static size_t
client_sse_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct client_sse	*s = arg;
	size_t			 n = size * nmemb;
	char			*end;

	if (s->len + n > CLIENT_MAX_REPLY)
		return 0;
	s->buf = xreallocarray(s->buf, s->len + n + 1, 1);
	memcpy(s->buf + s->len, ptr, n);
	s->len += n;
	s->buf[s->len] = '\0';
	while ((end = strstr(s->buf, "\n\n")) != NULL) {
		*end = '\0';
		if (client_sse_block(s, s->buf) != 0) {
			s->stopped = 1;
			return 0;
		}
		s->len -= (size_t)(end + 2 - s->buf);
		memmove(s->buf, end + 2, s->len + 1);
	}
	return n;
}

int
client_events(const char *dir, const char *path, client_event_cb *cb,
    void *arg, char *err, size_t errlen)
{
	struct client_sse	 s = { NULL, 0, cb, arg, 0, 0 };
	char			 errbuf[CURL_ERROR_SIZE] = "";
	CURLcode		 rc;
	CURL			*c;
	long			 code = 0;

	if ((c = client_handle(dir, path, errbuf)) == NULL) {
		snprintf(err, errlen, "libcurl cannot start");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, client_sse_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	free(s.buf);
	if (s.stopped && !s.bad)
		return 0;
	if (s.bad)
		snprintf(err, errlen, "the agent sent a malformed event");
	else if (rc == CURLE_OK || code == 200)
		snprintf(err, errlen, "the agent closed the event stream "
		    "(it stopped?)");
	else
		client_unreachable(err, errlen, dir, rc, errbuf);
	return -1;
}
