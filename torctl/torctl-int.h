/* libtorctl internals shared between its files; not installed. */
#ifndef TORCTL_INT_H
#define TORCTL_INT_H

#include <sys/queue.h>

#include "torctl.h"

struct event;
struct evbuffer;

struct torctl_pending {
	TAILQ_ENTRY(torctl_pending)	 entry;
	torctl_reply_cb			*cb;
	void				*arg;
};
TAILQ_HEAD(torctl_pending_list, torctl_pending);

struct torctl_sub {
	TAILQ_ENTRY(torctl_sub)		 entry;
	char				*name;
	torctl_event_cb			*cb;
	void				*arg;
	int				 owned;	/* free(arg) with it */
};
TAILQ_HEAD(torctl_sub_list, torctl_sub);

enum torctl_state {
	TORCTL_IDLE = 0,
	TORCTL_CONNECTING,
	TORCTL_AUTHENTICATING,
	TORCTL_READY,
	TORCTL_CLOSED,
};

struct torctl {
	struct event_base		*base;
	enum torctl_state		 state;
	int				 fd;
	struct event			*ev_read;
	struct event			*ev_write;
	struct evbuffer			*out;
	char				*in;	/* sodium_malloc'd */
	size_t				 inlen;
	struct torctl_parser		 parser;
	struct torctl_pending_list	 pending;
	struct torctl_sub_list		 subs;

	torctl_log_cb			*log_cb;
	void				*log_arg;
	torctl_close_cb			*close_cb;
	void				*close_arg;
	torctl_ready_cb			*ready_cb;
	void				*ready_arg;

	char				*cookie_file;
	char				*password;	/* sodium_malloc'd */
	uint8_t				*cookie;	/* sodium_malloc'd */
	uint8_t				 client_nonce[TORCTL_NONCE_BYTES];

	char				 version[64];
	char				 error[TORCTL_ERROR_MAX];
	int				 busy;	/* dispatch depth */
	int				 dead;	/* freed while busy */
};

void	torctl_log(struct torctl *, enum torctl_log_level, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	torctl_fail(struct torctl *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	torctl_command_internal(struct torctl *, const char *, int,
	    torctl_reply_cb *, void *);
int	torctl_subscribe_owned(struct torctl *, const char *,
	    torctl_event_cb *, void *);
void	torctl_auth_start(struct torctl *);
size_t	torctl_strlcpy(char *, const char *, size_t);
size_t	torctl_strlcat(char *, const char *, size_t);

#endif
