/*
 * Outbound HTTP over Tor, and nothing else: libcurl's multi interface
 * driven by the agent's libevent loop, every request through our tor's
 * SOCKS unix socket with socks5h (tor resolves the .onion name; we never
 * resolve anything), one SOCKS username per isolation key so that tor
 * keeps circuits to different peers apart. curl keeps finished
 * connections open for reuse, which keeps chats to a peer warm.
 */
#ifndef PETMAIL_NET_H
#define PETMAIL_NET_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct net;
struct net_req;

#define NET_MAX_REPLY_DEFAULT	(256 * 1024)

struct net_opts {
	const char	*socks_path;	/* our tor's SOCKS unix socket */
	const char	*onion;		/* "<56 chars>.onion" */
	const char	*method;	/* "GET", "POST" */
	const char	*path;		/* "/v1/..." */
	const uint8_t	*body;		/* copied; may be NULL */
	size_t		 bodylen;
	const char	*content_type;	/* NULL: application/octet-stream */
	const char	*isolation;	/* SOCKS username; NULL: "petmail" */
	long		 timeout_ms;	/* whole request; 0: 120 s */
	long		 connect_ms;	/* to an open stream; 0: timeout_ms */
	long		 stall_secs;	/* give up after this long with not a
					 * byte either way; 0: never */
	size_t		 max_reply;	/* 0: NET_MAX_REPLY_DEFAULT */
};

/*
 * STATUS 0: an HTTP answer arrived (any code); BODY/LEN is its body.
 * STATUS -1: no answer; ERROR says why in words a user understands
 * ("contact's onion service not found (contact offline?)").
 */
typedef void net_done_cb(int status, long http_code, const uint8_t *body,
    size_t len, const char *error, void *arg);

struct net	*net_new(struct event_base *);
/* Cancels every request (no callbacks) and frees. Accepts NULL. */
void		 net_free(struct net *);
struct net_req	*net_request(struct net *, const struct net_opts *,
		    net_done_cb *, void *arg);
/* Cancel one request: its callback will not be called. */
void		 net_cancel(struct net_req *);

/* The words for a SOCKS5 reply code (tor's extended codes included). */
const char	*net_socks_error(int code);
/* Pull the SOCKS reply code out of curl's error text, or -1. */
int		 net_socks_code(const char *curl_error);

#endif
