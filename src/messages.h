/*
 * Messaging in motion: `petmail send` queues a message durably (sealed
 * with the contact's ratchet in the same transaction when the session
 * allows it), the outbox delivers batches of envelopes to the contact's
 * onion over Tor with retries, and the inbound side stores what contacts
 * send before it acks. See petmail-protocol(7), MESSAGES.
 */
#ifndef PETMAIL_MESSAGES_H
#define PETMAIL_MESSAGES_H

#include <event2/http.h>
#include <jansson.h>

struct agent;

#define MSG_RETRY_MIN_SECS	1
#define MSG_BATCH_TIMEOUT_MS	120000
/*
 * Reaching a contact that is away can keep tor busy for minutes; give up
 * sooner and try again, so that a contact back online is reached soon.
 */
#define MSG_CONNECT_TIMEOUT_MS	30000
/*
 * A batch is answered within a round trip or two; nothing either way for
 * this long means its circuit is gone (see net.h): give up, and try again
 * on new circuits.
 */
#define MSG_STALL_SECS		15
/* Envelopes that do not decrypt are logged at most this often. */
#define MSG_REJECT_LOG_SECS	60
/* Or this often for a contact that tore our circuit down or stopped
 * answering (tor's own limit on NEWNYM), for its first MSG_FRESH_FAILS
 * unanswered deliveries (about a minute of backoff); then at most once
 * per TOR_FORGET_SECS. */
#define MSG_PURGE_GONE_SECS	10
#define MSG_FRESH_FAILS		6
/* Follow tor's circuit events this long after a delivery. */
#define MSG_CIRC_FOLLOW_SECS	660

int	msg_init(struct agent *);
void	msg_shutdown(struct agent *);
/* Tor is up (again): try every outbox now. */
void	msg_tor_ready(struct agent *);
/* Our tor (re)started: follow its circuit events. */
struct torctl;
void	msg_tor_started(struct agent *, struct torctl *);
/* A new contact: the accepter opens the session with a first message. */
void	msg_contact_ready(struct agent *, long contact_id, int accepter);
void	msg_contact_removed(struct agent *, long contact_id);

/* Local API. */
void	msg_api_send(struct agent *, struct evhttp_request *, json_t *);
void	msg_api_list(struct agent *, struct evhttp_request *);
void	msg_api_delete(struct agent *, struct evhttp_request *, json_t *);
void	msg_api_retry(struct agent *, struct evhttp_request *, json_t *);

/* POST /v1/msg on the onion: a batch of envelopes from contacts. */
void	msg_inbound(struct agent *, struct evhttp_request *);

#endif
