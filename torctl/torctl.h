/*
 * libtorctl: an asynchronous Tor control-port client and tor launcher.
 *
 * It runs on the caller's libevent event_base and never blocks (the only
 * exceptions are reading a 32-byte cookie file and reaping a killed child
 * in torctl_tor_free()). It knows nothing about its caller.
 *
 * Conventions, as in libsodium: outputs first, explicit lengths, sizes as
 * named constants, 0 on success and -1 on error. Every command takes a
 * callback that is called exactly once: with tor's reply, or with a NULL
 * reply when the connection closed first (including from torctl_free()).
 * Diagnostics go to the log callback, never to stderr; they never contain
 * a cookie, a password or a private key. Not thread-safe: use it from the
 * thread running the event_base. Writes never raise SIGPIPE.
 */
#ifndef TORCTL_H
#define TORCTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct event_base;

#define TORCTL_WUR __attribute__((warn_unused_result))

/* Bounds on what tor may send: longer lines or larger replies close the
 * connection with an error. */
#define TORCTL_LINE_MAX		16384U
#define TORCTL_REPLY_MAX	(4U * 1024U * 1024U)
#define TORCTL_REPLY_LINES_MAX	65536U
#define TORCTL_ERROR_MAX	512U

#define TORCTL_COOKIE_BYTES	32U
#define TORCTL_NONCE_BYTES	32U
#define TORCTL_HASH_BYTES	32U
/* v3 service id: 56 base32 characters, without ".onion". */
#define TORCTL_SERVICE_ID_LEN	56U
#define TORCTL_SERVICE_ID_MAX	(TORCTL_SERVICE_ID_LEN + 1U)
/* "ED25519-V3:" + base64 of a 64-byte expanded key, NUL-terminated. */
#define TORCTL_ONION_KEY_MAX	128U
#define TORCTL_LOG_LINES	20U

enum torctl_log_level {
	TORCTL_LOG_ERROR = 0,
	TORCTL_LOG_WARN,
	TORCTL_LOG_INFO,
	TORCTL_LOG_DEBUG,
};

typedef void torctl_log_cb(enum torctl_log_level, const char *msg,
    void *arg);

/*
 * Replies: the pure parser.
 *
 * A reply is one or more lines sharing a 3-digit status code. "250-" is a
 * mid line, "250+" a line followed by a data block (ended by a lone ".";
 * dot-stuffing removed; lines joined with "\n", each ending in "\n"),
 * "250 " the end line. 2xx is success, 4xx/5xx an error, 6xx an
 * asynchronous event.
 */
struct torctl_line {
	char		 sep;		/* '-', '+' or ' ' */
	char		*text;		/* after "NNN?", NUL-terminated */
	char		*data;		/* data block of a '+' line, or NULL */
	size_t		 datalen;
};

struct torctl_reply {
	int			 code;
	struct torctl_line	*lines;
	size_t			 nlines;
	size_t			 size;	/* bytes of text and data held */
};

enum torctl_parse {
	TORCTL_PARSE_ERROR = -1,
	TORCTL_PARSE_MORE = 0,		/* need more input */
	TORCTL_PARSE_REPLY = 1,		/* a reply is complete: take it */
};

struct torctl_parser {
	struct torctl_reply	*cur;
	size_t			 linecap;	/* lines allocated in cur */
	int			 in_data;
	char			*data;
	size_t			 datalen;
	size_t			 datacap;
	char			 error[TORCTL_ERROR_MAX];
};

void	torctl_parser_init(struct torctl_parser *);
/* Wipes and frees any partial reply. */
void	torctl_parser_clear(struct torctl_parser *);
/* One line, without its CRLF. */
enum torctl_parse torctl_parser_line(struct torctl_parser *,
    const char *line, size_t len) TORCTL_WUR;
/* Consume whole lines from BUF until a reply is complete or the input
 * runs out; *used says how much was consumed. An unterminated line longer
 * than TORCTL_LINE_MAX is an error. */
enum torctl_parse torctl_parser_feed(struct torctl_parser *, size_t *used,
    const char *buf, size_t len) TORCTL_WUR;
/* After TORCTL_PARSE_REPLY: the caller owns the reply. */
struct torctl_reply *torctl_parser_take(struct torctl_parser *);
/* Wipes and frees; accepts NULL. */
void	torctl_reply_free(struct torctl_reply *);
/* "error code: text" for 4xx/5xx replies, into OUT. */
void	torctl_reply_error(char *out, size_t outlen,
	    const struct torctl_reply *);

/*
 * Helpers over one line of text (pure functions).
 */
/* Unquote a QuotedString at the start of IN (which must begin with '"'):
 * C escapes \\ \" \n \r \t and \ooo octal. *consumed gets the bytes of IN
 * used. -1 on malformed input, an escaped NUL or a too small OUT. */
int	torctl_unquote(char *out, size_t outlen, size_t *consumed,
	    const char *in) TORCTL_WUR;
/* Quote S for a command argument; -1 if it holds CR, LF or NUL, or if OUT
 * is too small. */
int	torctl_quote(char *out, size_t outlen, const char *s) TORCTL_WUR;
/* The value of KEY=VALUE in a space-separated line, unquoted when quoted.
 * -1 if absent, malformed or too long. */
int	torctl_kv_get(char *out, size_t outlen, const char *line,
	    const char *key) TORCTL_WUR;
/* The INDEX-th (0-based) space-separated word of LINE. -1 if absent or
 * too long. */
int	torctl_word(char *out, size_t outlen, const char *line,
	    size_t index) TORCTL_WUR;
/* Whether S is safe as one command argument: non-empty, printable ASCII,
 * no space, no quote, no CR/LF. */
int	torctl_arg_ok(const char *s);

/* SAFECOOKIE hashes (control-spec): HMAC-SHA256 keyed with the fixed
 * strings, over COOKIE | CLIENT_NONCE | SERVER_NONCE. */
void	torctl_safecookie_hashes(uint8_t server_hash[TORCTL_HASH_BYTES],
	    uint8_t client_hash[TORCTL_HASH_BYTES],
	    const uint8_t cookie[TORCTL_COOKIE_BYTES],
	    const uint8_t client_nonce[TORCTL_NONCE_BYTES],
	    const uint8_t server_nonce[TORCTL_NONCE_BYTES]);

/*
 * Connections.
 */
struct torctl;

/* STATUS is 0 once authenticated, -1 with a message on failure. */
typedef void torctl_ready_cb(struct torctl *, int status, const char *error,
    void *arg);
/* The connection closed or failed after it was ready. */
typedef void torctl_close_cb(struct torctl *, const char *reason, void *arg);
/* A command's reply (any code: check r->code, 250 is success), or NULL
 * if the connection closed first. Replies, like every pointer handed to
 * a callback, are valid only until the callback returns. */
typedef void torctl_reply_cb(struct torctl *, const struct torctl_reply *,
    void *arg);
/* An asynchronous event (code 650); the first word of lines[0].text is
 * the event name. */
typedef void torctl_event_cb(struct torctl *, const struct torctl_reply *,
    void *arg);

struct torctl *torctl_new(struct event_base *);
/* Closes, calls pending command callbacks with NULL, frees. Safe to call
 * from any torctl callback (the memory is released after it returns).
 * Accepts NULL. */
void	torctl_free(struct torctl *);
void	torctl_set_log_cb(struct torctl *, torctl_log_cb *, void *arg);
void	torctl_set_close_cb(struct torctl *, torctl_close_cb *, void *arg);
/* Optional before connecting: a cookie file (instead of the one that
 * PROTOCOLINFO names) and a password for HASHEDPASSWORD. */
int	torctl_set_cookie_file(struct torctl *, const char *path) TORCTL_WUR;
int	torctl_set_password(struct torctl *, const char *password) TORCTL_WUR;
/*
 * Connect to ADDR, "unix:/path" or "HOST:PORT" (numeric host or
 * "localhost"), send PROTOCOLINFO, authenticate with the best method
 * offered (SAFECOOKIE, COOKIE, HASHEDPASSWORD, NULL) and call CB.
 */
int	torctl_connect(struct torctl *, const char *addr, torctl_ready_cb *cb,
	    void *arg) TORCTL_WUR;
int	torctl_is_ready(const struct torctl *);
/* The last error, or "". */
const char *torctl_error(const struct torctl *);
/* Tor's version from PROTOCOLINFO, or "" before it. */
const char *torctl_version(const struct torctl *);

#define TORCTL_CMD_SECRET	0x1	/* never log; wipe after sending */
/* Send one command line (no CRLF; CR, LF and NUL are refused). Replies
 * come back in order. */
int	torctl_command(struct torctl *, const char *line, int flags,
	    torctl_reply_cb *cb, void *arg) TORCTL_WUR;
/* Once ready: dispatch events named NAME to CB and send SETEVENTS with
 * every subscribed name. Several subscribers may share a name; events
 * are never mixed up with command replies. */
int	torctl_subscribe(struct torctl *, const char *name, torctl_event_cb *cb,
	    void *arg) TORCTL_WUR;
/* Remove every subscription of CB/ARG and send SETEVENTS again. */
int	torctl_unsubscribe(struct torctl *, torctl_event_cb *cb, void *arg);

/*
 * Typed commands. Each validates its arguments (-1 at once, nothing sent,
 * on bad input) and its callback gets STATUS 0, or -1 and ERROR (tor's
 * "code text", or why the connection closed).
 */
typedef void torctl_done_cb(struct torctl *, int status, const char *error,
    void *arg);

struct torctl_kv {
	const char	*key;
	const char	*value;		/* NULL: unset/default (GETCONF) */
};
typedef void torctl_kv_cb(struct torctl *, int status, const char *error,
    const struct torctl_kv *kv, size_t nkv, void *arg);

/* GETINFO key...: KV gets one entry per key (data blocks included). */
int	torctl_getinfo(struct torctl *, const char *const *keys, size_t nkeys,
	    torctl_kv_cb *cb, void *arg) TORCTL_WUR;
int	torctl_getconf(struct torctl *, const char *const *keys, size_t nkeys,
	    torctl_kv_cb *cb, void *arg) TORCTL_WUR;
/* SETCONF key=value...; a NULL value resets the key to its default. */
int	torctl_setconf(struct torctl *, const struct torctl_kv *kv, size_t nkv,
	    torctl_done_cb *cb, void *arg) TORCTL_WUR;
int	torctl_resetconf(struct torctl *, const char *const *keys,
	    size_t nkeys, torctl_done_cb *cb, void *arg) TORCTL_WUR;
/* SIGNAL NAME (e.g. "NEWNYM", "HUP", "SHUTDOWN"). */
int	torctl_signal(struct torctl *, const char *name, torctl_done_cb *cb,
	    void *arg) TORCTL_WUR;
/* Tor exits when this connection closes. */
int	torctl_takeownership(struct torctl *, torctl_done_cb *cb, void *arg)
	    TORCTL_WUR;

/* Bootstrap state, from GETINFO status/bootstrap-phase or STATUS_CLIENT
 * BOOTSTRAP events. */
struct torctl_bootstrap {
	int	percent;
	int	warning;		/* a "WARN" bootstrap problem */
	char	tag[64];
	char	summary[256];
	char	reason[64];		/* with warnings: tor's REASON= */
};
typedef void torctl_bootstrap_cb(struct torctl *, int status,
    const char *error, const struct torctl_bootstrap *, void *arg);
/* Parse "NOTICE BOOTSTRAP PROGRESS=.. TAG=.. SUMMARY=.." (the text after
 * "STATUS_CLIENT " or "status/bootstrap-phase="). */
int	torctl_bootstrap_parse(struct torctl_bootstrap *, const char *text)
	    TORCTL_WUR;
int	torctl_bootstrap_phase(struct torctl *, torctl_bootstrap_cb *cb,
	    void *arg) TORCTL_WUR;
/* Follow STATUS_CLIENT BOOTSTRAP events (status is always 0). */
int	torctl_watch_bootstrap(struct torctl *, torctl_bootstrap_cb *cb,
	    void *arg) TORCTL_WUR;

/* ADD_ONION. */
#define TORCTL_ONION_DISCARD_PK	0x1	/* Flags=DiscardPK */
#define TORCTL_ONION_DETACH	0x2	/* Flags=Detach */
#define TORCTL_ONION_V3AUTH	0x4	/* Flags=V3Auth */
#define TORCTL_ONION_MAX_STREAMS_CLOSE 0x8 /* Flags=MaxStreamsCloseCircuit */

struct torctl_onion_port {
	unsigned int	 virtport;	/* 1..65535 */
	const char	*target;	/* "unix:/path", "host:port", "port" or NULL */
};

struct torctl_onion {
	/* NULL for NEW:ED25519-V3, else "ED25519-V3:<base64>" (a secret:
	 * the command is never logged and wiped once sent). */
	const char			*key;
	const struct torctl_onion_port	*ports;
	size_t				 nports;
	int				 flags;
	/* Base32 x25519 public keys, one ClientAuthV3= each. */
	const char *const		*client_auth_v3;
	size_t				 nclient_auth_v3;
	unsigned int			 max_streams;	/* 0: none */
};

/* SERVICE_ID is the 56-character id (no ".onion"). PRIVATE_KEY is
 * "ED25519-V3:<base64>" for a new key without DiscardPK, else NULL; it
 * lives in guarded memory wiped when the callback returns: copy it. */
typedef void torctl_onion_cb(struct torctl *, int status, const char *error,
    const char *service_id, const char *private_key, void *arg);
int	torctl_add_onion(struct torctl *, const struct torctl_onion *,
	    torctl_onion_cb *cb, void *arg) TORCTL_WUR;
int	torctl_del_onion(struct torctl *, const char *service_id,
	    torctl_done_cb *cb, void *arg) TORCTL_WUR;
/* Whether S is a syntactically valid v3 service id (56 base32 chars). */
int	torctl_service_id_ok(const char *s);

/* ONION_CLIENT_AUTH_ADD HSADDRESS x25519:KEY [ClientName=NAME]
 * [Flags=Permanent]. KEY is the base64 x25519 private key (a secret). */
#define TORCTL_CLIENT_AUTH_PERMANENT	0x1
int	torctl_onion_client_auth_add(struct torctl *, const char *service_id,
	    const char *x25519_key_b64, const char *nickname, int flags,
	    torctl_done_cb *cb, void *arg) TORCTL_WUR;
int	torctl_onion_client_auth_remove(struct torctl *,
	    const char *service_id, torctl_done_cb *cb, void *arg) TORCTL_WUR;

/* HS_DESC events, for telling "published" from "added". */
enum torctl_hs_desc_action {
	TORCTL_HS_DESC_OTHER = 0,
	TORCTL_HS_DESC_UPLOAD,
	TORCTL_HS_DESC_UPLOADED,
	TORCTL_HS_DESC_FAILED,
};
struct torctl_hs_desc {
	enum torctl_hs_desc_action	 action;
	char				 action_name[32];
	char				 service_id[TORCTL_SERVICE_ID_MAX];
	char				 hsdir[128];
	char				 reason[64];	/* FAILED: REASON= */
};
int	torctl_hs_desc_parse(struct torctl_hs_desc *, const char *text)
	    TORCTL_WUR;
/* Every HS_DESC event (ours and, for FAILED, also client-side fetches):
 * compare SERVICE_ID with the one ADD_ONION returned. A service counts as
 * published after its first UPLOADED; FAILED for one HSDir is normal. */
typedef void torctl_hs_desc_cb(struct torctl *,
    const struct torctl_hs_desc *, void *arg);
int	torctl_watch_hs_desc(struct torctl *, torctl_hs_desc_cb *cb,
	    void *arg) TORCTL_WUR;

/*
 * Launcher: run tor as our child with a generated torrc, connect,
 * authenticate (SAFECOOKIE) and TAKEOWNERSHIP, then report bootstrap
 * progress until tor exits.
 */
struct torctl_tor;

struct torctl_tor_config {
	const char		*tor_path;	/* tor binary */
	/* Existing or new directory (made 0700; refused if group/world
	 * accessible). Holds torrc, control.sock, socks.sock and, unless
	 * DATA_DIR is given, is tor's DataDirectory. */
	const char		*dir;
	const char		*data_dir;	/* NULL: DIR */
	const char		*socks_flags;	/* e.g. "IsolateSOCKSAuth"; NULL */
	int			 no_socks;	/* SocksPort 0 */
	/* Extra torrc lines, appended verbatim (no CR/LF inside). */
	const char *const	*torrc_lines;
	size_t			 ntorrc_lines;
	int			 timeout_ms;	/* to authenticated; 0: 30000 */
};
/*
 * The generated torrc (DIR/torrc, rewritten at each launch):
 *	DataDirectory DATA_DIR
 *	ControlPort unix:DIR/control.sock
 *	SocksPort unix:DIR/socks.sock SOCKS_FLAGS	(or SocksPort 0)
 *	CookieAuthentication 1
 *	__OwningControllerProcess <our pid>
 *	DisableNetwork 1
 *	Log notice stdout				(read through a pipe)
 * then TORRC_LINES. Tor opens the SOCKS socket only once the caller sets
 * DisableNetwork 0 (SETCONF). Tor exits when we do, even on SIGKILL: its
 * owning control connection closes (TAKEOWNERSHIP), and it polls our pid.
 */

/* Called once: 0 when tor is running, authenticated and owned, or -1 with
 * ERROR (carrying tor's own last warning when it exited). */
typedef void torctl_tor_ready_cb(struct torctl_tor *, int status,
    const char *error, void *arg);
/* Called once after a successful start, when tor exits or its control
 * connection closes. LAST_LOG holds tor's last log lines. */
typedef void torctl_tor_exit_cb(struct torctl_tor *, const char *why,
    const char *last_log, void *arg);
typedef void torctl_tor_bootstrap_cb(struct torctl_tor *,
    const struct torctl_bootstrap *, void *arg);

struct torctl_tor_callbacks {
	torctl_tor_ready_cb	*ready;
	torctl_tor_exit_cb	*exit;
	torctl_tor_bootstrap_cb	*bootstrap;	/* may be NULL */
	torctl_log_cb		*log;		/* may be NULL */
	void			*arg;
};

/* Start tor. NULL, with the reason in ERROR (also logged), if it cannot
 * even be started; otherwise the ready callback follows. */
struct torctl_tor *torctl_tor_launch(struct event_base *,
	    const struct torctl_tor_config *,
	    const struct torctl_tor_callbacks *, char *error, size_t errorlen)
	    TORCTL_WUR;
/* The authenticated control connection (NULL until ready). */
struct torctl	*torctl_tor_control(struct torctl_tor *);
pid_t		 torctl_tor_pid(const struct torctl_tor *);
const char	*torctl_tor_control_path(const struct torctl_tor *);
const char	*torctl_tor_socks_path(const struct torctl_tor *);
/* Tor's last log lines, newline-separated. */
const char	*torctl_tor_last_log(const struct torctl_tor *);
/* Ask tor to exit (SIGTERM); the exit callback follows. */
void	torctl_tor_stop(struct torctl_tor *);
/* Kill tor if still running (SIGKILL, then reap), close, free. No
 * callback is called. Accepts NULL; safe from its callbacks. */
void	torctl_tor_free(struct torctl_tor *);

#endif
