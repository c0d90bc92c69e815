/*
 * The rendezvous service: numbered channels where two agents that share
 * an invitation code swap opaque introduction messages, over Tor. Any
 * petmaild serves one on its onion with `serve = rendezvous`; an inviter
 * serves a one-channel instance on each direct invitation onion. The
 * server sees only opaque messages, never an address or a code, and it
 * bounds everything an anonymous client can make it hold: channels,
 * message bytes in all, held receives (one per side), and the work of
 * each request (finding a channel or the smallest free nameplate costs
 * no more than a scan of RV_MAX_CHANNELS pointers).
 *
 *   POST /v1/rv/allocate {}                        -> {nameplate, token}
 *   POST /v1/rv/claim    {nameplate}               -> {token}
 *   POST /v1/rv/send     {nameplate, token, body}  -> {index}
 *   POST /v1/rv/recv     {nameplate, token, after} -> {messages, next}
 *   POST /v1/rv/release  {nameplate, token}        -> {}
 */
#ifndef PETMAIL_RENDEZVOUS_H
#define PETMAIL_RENDEZVOUS_H

#include <stddef.h>
#include <stdint.h>

#include <event2/http.h>
#include <jansson.h>

#define RV_MAX_CHANNELS		10000	/* open channels at once */
#define RV_MAX_MSG		4096	/* bytes per message */
#define RV_MAX_MSGS		8	/* messages per side of a channel */
#define RV_MAX_WAITERS		512	/* held long-poll requests */
#define RV_MAX_BYTES		(16 * 1024 * 1024)	/* all messages held */
#define RV_MAX_LIFETIME		(24 * 3600)	/* unclaimed channel */
#define RV_CLAIMED_LIFETIME	600	/* once claimed: finish in 10 min */
#define RV_POLL_SECS		25	/* a recv waits this long at most */
#define RV_NAMEPLATE_MAX	56
#define RV_TOKEN_HEX		64

struct event_base;
struct rv_server;

/*
 * A client's view of the answer to recv: the other side's messages,
 * base64-decoded, and whether the channel is closed. A pure parser over
 * the answer's JSON, which comes from a service reached over Tor: every
 * count and size is bounded, and nothing of a malformed answer is used.
 */
struct rv_recv {
	uint8_t		 msgs[RV_MAX_MSGS][RV_MAX_MSG];
	size_t		 lens[RV_MAX_MSGS];
	size_t		 count;
	int		 closed;
};
/* -1, with R zeroed, unless ANSWER is {"messages": [at most RV_MAX_MSGS
 * base64 strings of 1 to RV_MAX_MSG bytes], ...}. */
int	rv_recv_decode(struct rv_recv *r, const json_t *answer)
	    __attribute__((warn_unused_result));

struct rv_server *rv_server_new(struct event_base *, int allow_allocate);
void	rv_server_free(struct rv_server *);
/* Serve REQ if its path is under /v1/rv/; 0 if it is not ours. */
int	rv_server_handle(struct rv_server *, struct evhttp_request *);
int	rv_server_channels(struct rv_server *);

/*
 * The inviter's own side of a direct invitation, in process: open a
 * channel named NAMEPLATE (the invitation onion's id) whose side "a" is
 * local. CB runs for each message side "b" sends, and with MSG NULL when
 * the channel goes away (expired, or closed by us).
 */
typedef void rv_local_cb(const uint8_t *msg, size_t len, void *arg);
int	rv_server_open_local(struct rv_server *, const char *nameplate,
	    long lifetime, rv_local_cb *, void *arg);
int	rv_server_local_send(struct rv_server *, const char *nameplate,
	    const uint8_t *msg, size_t len);
void	rv_server_close(struct rv_server *, const char *nameplate);

#endif
