/*
 * A control connection: non-blocking socket I/O on the caller's
 * event_base, a FIFO of per-command callbacks, and event subscribers.
 * Bytes read go to the pure parser in reply.c; this file only moves them.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <sodium.h>

#include "torctl.h"
#include "torctl-int.h"

#define CONN_INBUF	(TORCTL_LINE_MAX + 256U)

static void	conn_read_cb(evutil_socket_t, short, void *);
static void	conn_write_cb(evutil_socket_t, short, void *);
static void	conn_release(struct torctl *);
static int	sub_add(struct torctl *, const char *, torctl_event_cb *,
		    void *, int);

void
torctl_log(struct torctl *ctl, enum torctl_log_level level, const char *fmt,
    ...)
{
	char	msg[1024];
	va_list	ap;

	if (ctl->log_cb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl->log_cb(level, msg, ctl->log_arg);
}

static void
sub_free(struct torctl_sub *s)
{
	if (s->owned)
		free(s->arg);
	free(s->name);
	free(s);
}

static void
conn_enter(struct torctl *ctl)
{
	ctl->busy++;
}

/* Returns -1 if CTL is gone or closed and the caller must stop. */
static int
conn_leave(struct torctl *ctl)
{
	struct torctl_sub	*s, *next;

	if (--ctl->busy == 0) {
		if (ctl->dead) {
			conn_release(ctl);
			return -1;
		}
		for (s = TAILQ_FIRST(&ctl->subs); s != NULL; s = next) {
			next = TAILQ_NEXT(s, entry);
			if (s->cb == NULL) {
				TAILQ_REMOVE(&ctl->subs, s, entry);
				sub_free(s);
			}
		}
	}
	return ctl->dead || ctl->state == TORCTL_CLOSED ? -1 : 0;
}

struct torctl *
torctl_new(struct event_base *base)
{
	struct torctl	*ctl;

	if (sodium_init() == -1)
		return NULL;
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		return NULL;
	ctl->base = base;
	ctl->fd = -1;
	TAILQ_INIT(&ctl->pending);
	TAILQ_INIT(&ctl->subs);
	torctl_parser_init(&ctl->parser);
	if ((ctl->out = evbuffer_new()) == NULL ||
	    (ctl->in = sodium_malloc(CONN_INBUF)) == NULL) {
		if (ctl->out != NULL)
			evbuffer_free(ctl->out);
		free(ctl);
		return NULL;
	}
	return ctl;
}

void
torctl_set_log_cb(struct torctl *ctl, torctl_log_cb *cb, void *arg)
{
	ctl->log_cb = cb;
	ctl->log_arg = arg;
}

void
torctl_set_close_cb(struct torctl *ctl, torctl_close_cb *cb, void *arg)
{
	ctl->close_cb = cb;
	ctl->close_arg = arg;
}

int
torctl_set_cookie_file(struct torctl *ctl, const char *path)
{
	char	*p;

	if ((p = strdup(path)) == NULL)
		return -1;
	free(ctl->cookie_file);
	ctl->cookie_file = p;
	return 0;
}

int
torctl_set_password(struct torctl *ctl, const char *password)
{
	size_t	 len = strlen(password);
	char	*p;

	if (strchr(password, '\r') != NULL || strchr(password, '\n') != NULL)
		return -1;
	if ((p = sodium_malloc(len + 1)) == NULL)
		return -1;
	memcpy(p, password, len + 1);
	if (ctl->password != NULL)
		sodium_free(ctl->password);
	ctl->password = p;
	return 0;
}

int
torctl_is_ready(const struct torctl *ctl)
{
	return ctl->state == TORCTL_READY && !ctl->dead;
}

const char *
torctl_error(const struct torctl *ctl)
{
	return ctl->error;
}

const char *
torctl_version(const struct torctl *ctl)
{
	return ctl->version;
}

/* Close the socket; keep the object. */
static void
conn_close(struct torctl *ctl)
{
	if (ctl->ev_read != NULL)
		event_free(ctl->ev_read);
	if (ctl->ev_write != NULL)
		event_free(ctl->ev_write);
	ctl->ev_read = ctl->ev_write = NULL;
	if (ctl->fd != -1)
		close(ctl->fd);
	ctl->fd = -1;
	evbuffer_drain(ctl->out, evbuffer_get_length(ctl->out));
	torctl_parser_clear(&ctl->parser);
	sodium_memzero(ctl->in, CONN_INBUF);
	ctl->inlen = 0;
	if (ctl->cookie != NULL)
		sodium_free(ctl->cookie);
	ctl->cookie = NULL;
	ctl->state = TORCTL_CLOSED;
}

/* Call every pending command's callback with NULL. */
static void
conn_flush_pending(struct torctl *ctl)
{
	struct torctl_pending	*p;

	while ((p = TAILQ_FIRST(&ctl->pending)) != NULL) {
		TAILQ_REMOVE(&ctl->pending, p, entry);
		if (p->cb != NULL)
			p->cb(ctl, NULL, p->arg);
		free(p);
	}
}

void
torctl_fail(struct torctl *ctl, const char *fmt, ...)
{
	enum torctl_state	 was = ctl->state;
	torctl_ready_cb		*ready_cb = ctl->ready_cb;
	va_list			 ap;

	if (ctl->state == TORCTL_CLOSED)
		return;
	va_start(ap, fmt);
	vsnprintf(ctl->error, sizeof(ctl->error), fmt, ap);
	va_end(ap);
	torctl_log(ctl, TORCTL_LOG_WARN, "tor control: %s", ctl->error);
	conn_close(ctl);
	conn_enter(ctl);
	ctl->ready_cb = NULL;
	conn_flush_pending(ctl);
	if (was == TORCTL_READY) {
		if (ctl->close_cb != NULL && !ctl->dead)
			ctl->close_cb(ctl, ctl->error, ctl->close_arg);
	} else if (ready_cb != NULL && !ctl->dead)
		ready_cb(ctl, -1, ctl->error, ctl->ready_arg);
	(void)conn_leave(ctl);
}

static void
conn_release(struct torctl *ctl)
{
	struct torctl_sub	*s;

	while ((s = TAILQ_FIRST(&ctl->subs)) != NULL) {
		TAILQ_REMOVE(&ctl->subs, s, entry);
		sub_free(s);
	}
	evbuffer_free(ctl->out);
	sodium_free(ctl->in);
	if (ctl->password != NULL)
		sodium_free(ctl->password);
	free(ctl->cookie_file);
	free(ctl);
}

void
torctl_free(struct torctl *ctl)
{
	if (ctl == NULL || ctl->dead)
		return;
	if (ctl->state != TORCTL_CLOSED && ctl->state != TORCTL_IDLE)
		snprintf(ctl->error, sizeof(ctl->error), "connection closed");
	conn_close(ctl);
	ctl->dead = 1;
	conn_enter(ctl);
	conn_flush_pending(ctl);
	(void)conn_leave(ctl);
}

static int
conn_parse_addr(struct torctl *ctl, struct sockaddr_storage *ss,
    socklen_t *sslen, const char *addr)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)ss;
	struct addrinfo		 hints, *res;
	char			 host[256];
	const char		*colon, *port, *h;
	size_t			 hlen;
	int			 rv;

	memset(ss, 0, sizeof(*ss));
	if (strncmp(addr, "unix:", 5) == 0) {
		addr += 5;
		if (strlen(addr) >= sizeof(sun->sun_path) || *addr == '\0') {
			snprintf(ctl->error, sizeof(ctl->error),
			    "control socket path too long or empty: %s", addr);
			return -1;
		}
		sun->sun_family = AF_UNIX;
		torctl_strlcpy(sun->sun_path, addr, sizeof(sun->sun_path));
		*sslen = sizeof(*sun);
		return 0;
	}
	if ((colon = strrchr(addr, ':')) == NULL) {
		snprintf(ctl->error, sizeof(ctl->error),
		    "control address is neither unix:PATH nor HOST:PORT: %s",
		    addr);
		return -1;
	}
	h = addr;
	hlen = (size_t)(colon - addr);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(ctl->error, sizeof(ctl->error),
		    "bad control address: %s", addr);
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (strcmp(host, "localhost") == 0)
		torctl_strlcpy(host, "127.0.0.1", sizeof(host));
	port = colon + 1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	/* Numeric only: resolving names could leak to DNS. */
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rv = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(ctl->error, sizeof(ctl->error),
		    "bad control address %s: %s", addr, gai_strerror(rv));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void
conn_connected(struct torctl *ctl)
{
	ctl->state = TORCTL_AUTHENTICATING;
	event_del(ctl->ev_write);
	event_add(ctl->ev_read, NULL);
	torctl_auth_start(ctl);
}

int
torctl_connect(struct torctl *ctl, const char *addr, torctl_ready_cb *cb,
    void *arg)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	int			fd;

	if (ctl->state != TORCTL_IDLE && ctl->state != TORCTL_CLOSED) {
		snprintf(ctl->error, sizeof(ctl->error), "already connected");
		return -1;
	}
	if (conn_parse_addr(ctl, &ss, &sslen, addr) == -1)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		snprintf(ctl->error, sizeof(ctl->error), "socket: %s",
		    strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, sslen) == -1 &&
	    errno != EINPROGRESS) {
		snprintf(ctl->error, sizeof(ctl->error),
		    "cannot connect to tor's control port %s: %s", addr,
		    strerror(errno));
		close(fd);
		return -1;
	}
	ctl->fd = fd;
	ctl->error[0] = '\0';
	ctl->version[0] = '\0';
	ctl->ready_cb = cb;
	ctl->ready_arg = arg;
	ctl->state = TORCTL_CONNECTING;
	ctl->ev_read = event_new(ctl->base, fd, EV_READ | EV_PERSIST,
	    conn_read_cb, ctl);
	ctl->ev_write = event_new(ctl->base, fd, EV_WRITE | EV_PERSIST,
	    conn_write_cb, ctl);
	if (ctl->ev_read == NULL || ctl->ev_write == NULL) {
		conn_close(ctl);
		snprintf(ctl->error, sizeof(ctl->error), "out of memory");
		return -1;
	}
	torctl_log(ctl, TORCTL_LOG_DEBUG, "connecting to tor at %s", addr);
	/* Report the connection from the event loop, never from here. */
	event_add(ctl->ev_write, NULL);
	return 0;
}

/* Like evbuffer_write(), but a closed peer must not raise SIGPIPE in
 * our caller's process. */
static int
conn_send(struct torctl *ctl)
{
	struct evbuffer_iovec	v[16];
	struct iovec		iov[16];
	struct msghdr		mh;
	ssize_t			n;
	int			i, nv;

	nv = evbuffer_peek(ctl->out, -1, NULL, v, 16);
	if (nv > 16)
		nv = 16;
	for (i = 0; i < nv; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)nv;
	if ((n = sendmsg(ctl->fd, &mh, MSG_NOSIGNAL)) == -1)
		return -1;
	evbuffer_drain(ctl->out, (size_t)n);
	return 0;
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct torctl	*ctl = arg;
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	if (ctl->state == TORCTL_CONNECTING) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			torctl_fail(ctl, "cannot connect to tor's control "
			    "port: %s", strerror(err));
			return;
		}
		conn_connected(ctl);
		return;
	}
	if (conn_send(ctl) == -1 && errno != EAGAIN && errno != EINTR) {
		torctl_fail(ctl, "write to tor's control port: %s",
		    strerror(errno));
		return;
	}
	if (evbuffer_get_length(ctl->out) == 0)
		event_del(ctl->ev_write);
}

static void
conn_dispatch(struct torctl *ctl, struct torctl_reply *r)
{
	struct torctl_pending	*p;
	struct torctl_sub	*s;
	char			 name[64];

	if (r->code / 100 == 6) {
		if (r->nlines == 0 || torctl_word(name, sizeof(name),
		    r->lines[0].text, 0) == -1)
			return;
		torctl_log(ctl, TORCTL_LOG_DEBUG, "event %s", name);
		TAILQ_FOREACH(s, &ctl->subs, entry) {
			if (s->cb != NULL && strcmp(s->name, name) == 0) {
				s->cb(ctl, r, s->arg);
				if (ctl->dead || ctl->state == TORCTL_CLOSED)
					return;
			}
		}
		return;
	}
	if ((p = TAILQ_FIRST(&ctl->pending)) == NULL) {
		torctl_fail(ctl, "tor sent a reply (%03d) to no command",
		    r->code);
		return;
	}
	TAILQ_REMOVE(&ctl->pending, p, entry);
	torctl_log(ctl, TORCTL_LOG_DEBUG, "reply %03d", r->code);
	if (p->cb != NULL)
		p->cb(ctl, r, p->arg);
	free(p);
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct torctl		*ctl = arg;
	struct torctl_reply	*r;
	enum torctl_parse	 rv;
	ssize_t			 n;
	size_t			 used;

	n = read(fd, ctl->in + ctl->inlen, CONN_INBUF - ctl->inlen);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		torctl_fail(ctl, "read from tor's control port: %s",
		    strerror(errno));
		return;
	}
	if (n == 0) {
		torctl_fail(ctl, "tor closed the control connection");
		return;
	}
	ctl->inlen += (size_t)n;

	conn_enter(ctl);
	for (;;) {
		rv = torctl_parser_feed(&ctl->parser, &used, ctl->in,
		    ctl->inlen);
		memmove(ctl->in, ctl->in + used, ctl->inlen - used);
		ctl->inlen -= used;
		sodium_memzero(ctl->in + ctl->inlen, used);
		if (rv == TORCTL_PARSE_ERROR) {
			torctl_fail(ctl, "malformed reply from tor: %s",
			    ctl->parser.error);
			break;
		}
		if (rv == TORCTL_PARSE_MORE) {
			if (ctl->inlen == CONN_INBUF)
				torctl_fail(ctl, "reply line too long");
			break;
		}
		r = torctl_parser_take(&ctl->parser);
		conn_dispatch(ctl, r);
		torctl_reply_free(r);
		if (ctl->dead || ctl->state == TORCTL_CLOSED)
			break;
	}
	(void)conn_leave(ctl);
}

static void
secret_cleanup(const void *data, size_t len, void *arg)
{
	sodium_free(arg);
}

int
torctl_command_internal(struct torctl *ctl, const char *line, int flags,
    torctl_reply_cb *cb, void *arg)
{
	struct torctl_pending	*p;
	size_t			 len = strlen(line);
	char			*copy, word[32];

	if (ctl->dead || ctl->fd == -1 || ctl->state == TORCTL_CONNECTING) {
		snprintf(ctl->error, sizeof(ctl->error),
		    "not connected to tor");
		return -1;
	}
	if (len == 0 || strpbrk(line, "\r\n") != NULL) {
		snprintf(ctl->error, sizeof(ctl->error),
		    "refusing a command with CR or LF in it");
		return -1;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	if (flags & TORCTL_CMD_SECRET) {
		if (torctl_word(word, sizeof(word), line, 0) == -1)
			torctl_strlcpy(word, "?", sizeof(word));
		torctl_log(ctl, TORCTL_LOG_DEBUG, "command %s [secret]", word);
		if ((copy = sodium_malloc(len + 2)) == NULL) {
			free(p);
			return -1;
		}
		memcpy(copy, line, len);
		memcpy(copy + len, "\r\n", 2);
		if (evbuffer_add_reference(ctl->out, copy, len + 2,
		    secret_cleanup, copy) == -1) {
			sodium_free(copy);
			free(p);
			return -1;
		}
	} else {
		torctl_log(ctl, TORCTL_LOG_DEBUG, "command %s", line);
		if (evbuffer_add(ctl->out, line, len) == -1 ||
		    evbuffer_add(ctl->out, "\r\n", 2) == -1) {
			free(p);
			return -1;
		}
	}
	p->cb = cb;
	p->arg = arg;
	TAILQ_INSERT_TAIL(&ctl->pending, p, entry);
	event_add(ctl->ev_write, NULL);
	return 0;
}

int
torctl_command(struct torctl *ctl, const char *line, int flags,
    torctl_reply_cb *cb, void *arg)
{
	if (!torctl_is_ready(ctl)) {
		snprintf(ctl->error, sizeof(ctl->error),
		    "not connected to tor");
		return -1;
	}
	return torctl_command_internal(ctl, line, flags, cb, arg);
}

static void
setevents_cb(struct torctl *ctl, const struct torctl_reply *r, void *arg)
{
	char	err[TORCTL_ERROR_MAX];

	if (r != NULL && r->code != 250) {
		torctl_reply_error(err, sizeof(err), r);
		torctl_log(ctl, TORCTL_LOG_WARN, "SETEVENTS failed: %s", err);
	}
}

static int
conn_setevents(struct torctl *ctl)
{
	struct torctl_sub	*s, *t;
	char			 line[1024];
	int			 seen;

	torctl_strlcpy(line, "SETEVENTS", sizeof(line));
	TAILQ_FOREACH(s, &ctl->subs, entry) {
		if (s->cb == NULL)
			continue;
		seen = 0;
		TAILQ_FOREACH(t, &ctl->subs, entry) {
			if (t == s)
				break;
			if (t->cb != NULL && strcmp(t->name, s->name) == 0)
				seen = 1;
		}
		if (seen)
			continue;
		if (torctl_strlcat(line, " ", sizeof(line)) >= sizeof(line) ||
		    torctl_strlcat(line, s->name, sizeof(line)) >= sizeof(line))
			return -1;
	}
	return torctl_command(ctl, line, 0, setevents_cb, NULL);
}

int
torctl_subscribe(struct torctl *ctl, const char *name, torctl_event_cb *cb,
    void *arg)
{
	return sub_add(ctl, name, cb, arg, 0);
}

int
torctl_subscribe_owned(struct torctl *ctl, const char *name,
    torctl_event_cb *cb, void *arg)
{
	return sub_add(ctl, name, cb, arg, 1);
}

static int
sub_add(struct torctl *ctl, const char *name, torctl_event_cb *cb, void *arg,
    int owned)
{
	struct torctl_sub	*s;
	const char		*c;

	for (c = name; *c != '\0'; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    *c == '_'))
			break;
	if (*name == '\0' || *c != '\0' || strlen(name) > 63 || cb == NULL) {
		snprintf(ctl->error, sizeof(ctl->error), "bad event name");
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->name = strdup(name)) == NULL) {
		free(s);
		return -1;
	}
	s->cb = cb;
	s->arg = arg;
	TAILQ_INSERT_TAIL(&ctl->subs, s, entry);
	if (conn_setevents(ctl) == -1) {
		TAILQ_REMOVE(&ctl->subs, s, entry);
		free(s->name);
		free(s);
		return -1;
	}
	s->owned = owned;
	return 0;
}

int
torctl_unsubscribe(struct torctl *ctl, torctl_event_cb *cb, void *arg)
{
	struct torctl_sub	*s;

	TAILQ_FOREACH(s, &ctl->subs, entry) {
		if (s->cb == cb && s->arg == arg)
			s->cb = NULL;
	}
	conn_enter(ctl);
	(void)conn_leave(ctl);
	if (!torctl_is_ready(ctl))
		return 0;
	return conn_setevents(ctl);
}
