#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "log.h"
#include "net.h"
#include "wipe.h"
#include "xmalloc.h"

struct net_req {
	struct net		*net;
	CURL			*easy;
	struct curl_slist	*headers;
	uint8_t			*body;		/* the request body (copy) */
	uint8_t			*reply;
	size_t			 replylen;
	size_t			 max_reply;
	int			 too_big;
	long			 stall_secs;
	char			 errbuf[CURL_ERROR_SIZE];
	net_done_cb		*cb;
	void			*arg;
	TAILQ_ENTRY(net_req)	 entry;
};

struct net {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	TAILQ_HEAD(, net_req)	 reqs;
};

/* One per socket curl watches. */
struct net_sock {
	struct net	*net;
	struct event	*ev;
	curl_socket_t	 fd;
};

static void	net_check_done(struct net *);

static void
net_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net	*n = arg;
	int		 running, flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(n->multi, fd, flags, &running);
	net_check_done(n);
}

static void
net_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net	*n = arg;
	int		 running;

	curl_multi_socket_action(n->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	net_check_done(n);
}

static int
net_socket_cb(CURL *easy, curl_socket_t fd, int what, void *arg,
    void *sockp)
{
	struct net	*n = arg;
	struct net_sock	*s = sockp;
	short		 kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_free(s->ev);
			free(s);
		}
		curl_multi_assign(n->multi, fd, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->net = n;
		s->fd = fd;
		curl_multi_assign(n->multi, fd, s);
	} else
		event_free(s->ev);
	if ((s->ev = event_new(n->base, fd, kind, net_event_cb, n)) == NULL)
		fatalx("event_new");
	event_add(s->ev, NULL);
	return 0;
}

static int
net_timerfunc(CURLM *multi, long timeout_ms, void *arg)
{
	struct net	*n = arg;
	struct timeval	 tv;

	if (timeout_ms < 0) {
		evtimer_del(n->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(n->timer, &tv);
	return 0;
}

struct net *
net_new(struct event_base *base)
{
	struct net	*n = xcalloc(1, sizeof(*n));

	n->base = base;
	TAILQ_INIT(&n->reqs);
	if ((n->multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init");
	if ((n->timer = evtimer_new(base, net_timer_cb, n)) == NULL)
		fatalx("evtimer_new");
	curl_multi_setopt(n->multi, CURLMOPT_SOCKETFUNCTION, net_socket_cb);
	curl_multi_setopt(n->multi, CURLMOPT_SOCKETDATA, n);
	curl_multi_setopt(n->multi, CURLMOPT_TIMERFUNCTION, net_timerfunc);
	curl_multi_setopt(n->multi, CURLMOPT_TIMERDATA, n);
	/* A few warm connections per peer are plenty. */
	curl_multi_setopt(n->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 4L);
	return n;
}

static void
net_req_free(struct net_req *r)
{
	curl_multi_remove_handle(r->net->multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	TAILQ_REMOVE(&r->net->reqs, r, entry);
	wipe_free(r->body);		/* tokens, sealed records */
	wipe_free(r->reply);
	free(r);
}

void
net_free(struct net *n)
{
	struct net_req	*r;

	if (n == NULL)
		return;
	while ((r = TAILQ_FIRST(&n->reqs)) != NULL)
		net_req_free(r);
	curl_multi_cleanup(n->multi);
	event_free(n->timer);
	free(n);
}

static size_t
net_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct net_req	*r = arg;
	size_t		 len = size * nmemb;

	if (r->replylen + len > r->max_reply) {
		r->too_big = 1;
		return 0;
	}
	/* Never in place, wiping the old copy (len + 1 cannot overflow:
	 * both are bounded by max_reply). */
	if ((r->reply = wipe_realloc(r->reply, r->replylen + len + 1)) == NULL)
		fatalx("net: out of memory");
	memcpy(r->reply + r->replylen, ptr, len);
	r->replylen += len;
	return len;
}

struct net_req *
net_request(struct net *n, const struct net_opts *o, net_done_cb *cb,
    void *arg)
{
	struct net_req	*r;
	char		 url[256], proxy[512], ctype[128];
	int		 running;

	r = xcalloc(1, sizeof(*r));
	r->net = n;
	r->cb = cb;
	r->arg = arg;
	r->max_reply = o->max_reply ? o->max_reply : NET_MAX_REPLY_DEFAULT;
	if ((r->easy = curl_easy_init()) == NULL)
		fatalx("curl_easy_init");
	snprintf(url, sizeof(url), "http://%s%s", o->onion, o->path);
	snprintf(proxy, sizeof(proxy), "socks5h://localhost%s", o->socks_path);

	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_PROXY, proxy);
	curl_easy_setopt(r->easy, CURLOPT_PROXYUSERNAME,
	    o->isolation ? o->isolation : "petmail");
	curl_easy_setopt(r->easy, CURLOPT_PROXYPASSWORD, "x");
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS,
	    o->timeout_ms ? o->timeout_ms : 120000L);
	if (o->connect_ms > 0)
		curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
		    o->connect_ms);
	/*
	 * A stream on a circuit whose other end is gone (a contact whose
	 * tor stopped, a laptop that lost its network) takes what we write
	 * and never answers, until tor learns the circuit is dead, which
	 * can take minutes. Silence that long is the sign of it.
	 */
	if (o->stall_secs > 0) {
		r->stall_secs = o->stall_secs;
		curl_easy_setopt(r->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(r->easy, CURLOPT_LOW_SPEED_TIME,
		    o->stall_secs);
	}
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, net_write_cb);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "petmail");
	curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPALIVE, 0L);
	snprintf(ctype, sizeof(ctype), "Content-Type: %s",
	    o->content_type ? o->content_type : "application/octet-stream");
	r->headers = curl_slist_append(r->headers, ctype);
	/* No "Expect: 100-continue" round trip before a body. */
	r->headers = curl_slist_append(r->headers, "Expect:");
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	if (strcmp(o->method, "POST") == 0) {
		if (o->bodylen > 0) {
			if ((r->body = wipe_malloc(o->bodylen)) == NULL)
				fatalx("net: out of memory");
			memcpy(r->body, o->body, o->bodylen);
		}
		curl_easy_setopt(r->easy, CURLOPT_POST, 1L);
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS,
		    r->body ? (char *)r->body : "");
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE,
		    (long)o->bodylen);
	} else
		curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, o->method);

	TAILQ_INSERT_TAIL(&n->reqs, r, entry);
	curl_multi_add_handle(n->multi, r->easy);
	curl_multi_socket_action(n->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	return r;
}

void
net_cancel(struct net_req *r)
{
	if (r != NULL)
		net_req_free(r);
}

int
net_socks_code(const char *err)
{
	const char	*p;
	int		 code;

	/* curl: "Can't complete SOCKS5 connection to HOST. (240)" */
	if (strstr(err, "SOCKS5") == NULL || (p = strrchr(err, '(')) == NULL)
		return -1;
	if (sscanf(p, "(%d)", &code) != 1 || code < 1 || code > 255)
		return -1;
	return code;
}

const char *
net_socks_error(int code)
{
	switch (code) {
	case 0x01:
		return "tor could not connect (general failure)";
	case 0x02:
		return "tor's policy refused the connection";
	case 0x03:
		return "tor has no route to the network (tor not ready?)";
	case 0x04:
		return "the onion service is unreachable (contact offline?)";
	case 0x05:
		return "the onion service refused the connection";
	case 0x06:
		return "timed out";
	case 0xF0:
		return "contact's onion service not found (contact offline?)";
	case 0xF1:
		return "contact's onion service descriptor is invalid";
	case 0xF2:
		return "introduction to contact failed";
	case 0xF3:
		return "rendezvous with contact failed";
	case 0xF4:
		return "contact's onion service needs client authorization";
	case 0xF5:
		return "contact's onion service refused our client authorization";
	case 0xF6:
		return "bad onion address";
	case 0xF7:
		return "introduction to contact timed out";
	default:
		return "tor could not connect";
	}
}

static void
net_check_done(struct net *n)
{
	struct net_req	*r;
	CURLMsg		*msg;
	char		 error[CURL_ERROR_SIZE + 64];
	long		 code = 0;
	int		 left, socks;

	while ((msg = curl_multi_info_read(n->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&r);
		if (msg->data.result == CURLE_OK) {
			curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE,
			    &code);
			if (r->reply != NULL)
				r->reply[r->replylen] = '\0';
			r->cb(0, code, r->reply, r->replylen, NULL, r->arg);
			net_req_free(r);
			continue;
		}
		if (r->too_big)
			snprintf(error, sizeof(error), "the answer is larger "
			    "than %zu bytes", r->max_reply);
		else if ((socks = net_socks_code(r->errbuf)) != -1)
			snprintf(error, sizeof(error), "%s",
			    net_socks_error(socks));
		else if (msg->data.result == CURLE_OPERATION_TIMEDOUT &&
		    r->stall_secs > 0 && strstr(r->errbuf, "too slow") != NULL)
			snprintf(error, sizeof(error), "no answer for %ld s (the "
			    "circuit to it may be gone)", r->stall_secs);
		else if (msg->data.result == CURLE_OPERATION_TIMEDOUT)
			snprintf(error, sizeof(error), "timed out");
		else if (msg->data.result == CURLE_COULDNT_CONNECT ||
		    msg->data.result == CURLE_COULDNT_RESOLVE_PROXY)
			snprintf(error, sizeof(error), "tor not ready (its "
			    "SOCKS port does not answer)");
		else
			snprintf(error, sizeof(error), "%s", r->errbuf[0] ?
			    r->errbuf : curl_easy_strerror(msg->data.result));
		r->cb(-1, 0, NULL, 0, error, r->arg);
		net_req_free(r);
	}
}
