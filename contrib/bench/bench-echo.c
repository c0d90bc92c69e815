/*
 * bench-echo: the raw floor's far end. Listens on a unix socket (the
 * target of an onion service, as petmaild's own onion.sock is) and sends
 * back every byte it reads, on any number of connections. Not installed.
 *
 *	usage: bench-echo SOCKET_PATH
 *
 * It writes SOCKET_PATH once it listens and exits on SIGTERM or SIGINT,
 * removing the socket.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

/* A client that stops reading may make us hold this much, no more. */
#define ECHO_MAX_PENDING	(1024 * 1024)

static void
echo_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*out = bufferevent_get_output(bev);

	if (evbuffer_get_length(out) > ECHO_MAX_PENDING) {
		bufferevent_free(bev);
		return;
	}
	bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void
echo_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void
echo_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct event_base	*base = evconnlistener_get_base(l);
	struct bufferevent	*bev;

	bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, echo_read_cb, NULL, echo_event_cb, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void
echo_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct event_base	*base;
	struct evconnlistener	*l;
	struct event		*sigterm, *sigint;
	struct sockaddr_un	 sun;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-echo SOCKET_PATH\n");
		return 64;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "bench-echo: socket path too long\n");
		return 64;
	}
	memcpy(sun.sun_path, argv[1], strlen(argv[1]));
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL) {
		fprintf(stderr, "bench-echo: event_base_new failed\n");
		return 1;
	}
	if (unlink(argv[1]) == -1 && errno != ENOENT) {
		fprintf(stderr, "bench-echo: %s: %s\n", argv[1],
		    strerror(errno));
		return 1;
	}
	l = evconnlistener_new_bind(base, echo_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 64,
	    (struct sockaddr *)&sun, sizeof(sun));
	if (l == NULL) {
		fprintf(stderr, "bench-echo: cannot listen on %s: %s\n",
		    argv[1], strerror(errno));
		return 1;
	}
	sigterm = evsignal_new(base, SIGTERM, echo_signal_cb, base);
	sigint = evsignal_new(base, SIGINT, echo_signal_cb, base);
	if (sigterm == NULL || sigint == NULL ||
	    evsignal_add(sigterm, NULL) == -1 ||
	    evsignal_add(sigint, NULL) == -1) {
		fprintf(stderr, "bench-echo: cannot catch signals\n");
		return 1;
	}
	event_base_dispatch(base);
	evconnlistener_free(l);
	unlink(argv[1]);
	event_free(sigterm);
	event_free(sigint);
	event_base_free(base);
	return 0;
}
