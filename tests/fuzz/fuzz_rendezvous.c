/*
 * Fuzz target: rendezvous messages, on both ends.
 *
 * If the first byte is '{' (or a blank), the input is the answer to
 * recv as a client reads it from a rendezvous service: json_loadb() as
 * invite.c does, then rv_recv_decode().
 *
 * Otherwise the input is a session with an agent's onion listener
 * (fuzz_agent.c, serving a rendezvous service): lines of "OP JSON".
 * OP is one character: a allocate, c claim, s send, r recv, x release
 * (POST /v1/rv/...), m POST /v1/msg (the JSON is a string holding the
 * base64 of a batch of envelopes), h GET /v1/hello, g GET on a
 * rendezvous path, l the inviter's local send on its direct-invitation
 * channel (JSON: a base64 string), R the rest of the line as a raw
 * request path. A line that starts with '!' goes to the listener behind
 * direct invitation onions instead (whose one channel, $L, has a local
 * side a: the inviter's agent itself). In a body, $A and $B stand for the tokens of sides a and
 * b of the last channel allocated or claimed, $N for its nameplate and
 * $L for the direct invitation's nameplate, which no client can guess.
 * A recv that has to wait stays open, as a long poll does, until the
 * session ends. The agent must then still answer GET /v1/status.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "agent.h"
#include "envelope.h"
#include "rendezvous.h"
#include "xmalloc.h"

#include "fuzz.h"

#define LOCAL_NAMEPLATE \
	"localinvitelocalinvitelocalinvitelocalinvitelocalinvite"
#define SESSION_OPS_MAX	32

static struct agent	*a;

struct session {
	char	token_a[RV_TOKEN_HEX + 1];
	char	token_b[RV_TOKEN_HEX + 1];
	char	nameplate[RV_NAMEPLATE_MAX + 1];
	int	local_msgs;
	int	local_gone;
};

static void
local_cb(const uint8_t *msg, size_t len, void *arg)
{
	struct session	*s = arg;

	if (msg == NULL) {
		s->local_gone = 1;
		return;
	}
	if (len == 0 || len > RV_MAX_MSG)
		fuzz_die("the local side got a message of %zu bytes", len);
	s->local_msgs++;
}

/* BODY with $A, $B, $N and $L put in. */
static char *
substitute(const struct session *s, const char *body, size_t len)
{
	char	*out, *o;
	size_t	 i;

	out = o = xmalloc(len * (RV_TOKEN_HEX + 1) + 1);
	for (i = 0; i < len; i++) {
		const char	*v = NULL;

		if (body[i] == '$' && i + 1 < len) {
			switch (body[i + 1]) {
			case 'A':
				v = s->token_a;
				break;
			case 'B':
				v = s->token_b;
				break;
			case 'N':
				v = s->nameplate;
				break;
			case 'L':
				v = LOCAL_NAMEPLATE;
				break;
			}
		}
		if (v != NULL) {
			o += sprintf(o, "%s", v);
			i++;
		} else
			*o++ = body[i];
	}
	*o = '\0';
	return out;
}

/* Learn tokens and nameplates from what the service answered. */
static void
learn(struct session *s, int op, const struct fuzz_http_answer *ans)
{
	json_error_t	 jerr;
	json_t		*j;
	const char	*v;

	if (ans->status != 200 || ans->body == NULL)
		return;
	if ((j = json_loadb(ans->body, ans->bodylen, 0, &jerr)) == NULL)
		fuzz_die("the service answered 200 without JSON");
	if ((v = json_string_value(json_object_get(j, "token"))) != NULL) {
		if (strlen(v) != RV_TOKEN_HEX)
			fuzz_die("a token of %zu characters", strlen(v));
		snprintf(op == 'a' ? s->token_a : s->token_b, RV_TOKEN_HEX + 1,
		    "%s", v);
	}
	if (op == 'a' &&
	    (v = json_string_value(json_object_get(j, "nameplate"))) != NULL)
		snprintf(s->nameplate, sizeof(s->nameplate), "%s", v);
	json_decref(j);
}

static void
post(const char *http, const char *method, const char *path,
    const char *body, struct fuzz_http_answer *ans)
{
	char	*req;
	int	 n;

	if ((n = asprintf(&req, "%s %s HTTP/1.1\r\nHost: x.onion\r\n"
	    "Connection: close\r\nContent-Length: %zu\r\n\r\n%s", method,
	    path, strlen(body), body)) == -1)
		fuzz_die("out of memory");
	fuzz_http_exchange(a->base, http, req, (size_t)n, ans);
	free(req);
}

/* A JSON string of base64, decoded; NULL if it is not one. */
static uint8_t *
b64_arg(const char *text, size_t *len)
{
	json_error_t	 jerr;
	json_t		*j;
	const char	*b64;
	uint8_t		*bin = NULL;
	size_t		 cap;

	j = json_loads(text, JSON_DECODE_ANY, &jerr);
	if ((b64 = json_string_value(j)) != NULL) {
		cap = json_string_length(j) / 4 * 3 + 3;
		bin = xmalloc(cap);
		if (sodium_base642bin(bin, cap, b64, json_string_length(j),
		    NULL, len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
			free(bin);
			bin = NULL;
		}
	}
	json_decref(j);
	return bin;
}

static void
one_op(struct session *s, const char *http, int op, const char *arg)
{
	static const struct {
		int		 op;
		const char	*path;
	} rv_paths[] = {
		{ 'a', "/v1/rv/allocate" },
		{ 'c', "/v1/rv/claim" },
		{ 's', "/v1/rv/send" },
		{ 'r', "/v1/rv/recv" },
		{ 'x', "/v1/rv/release" },
	};
	struct fuzz_http_answer	 ans;
	uint8_t			*bin;
	char			*req;
	size_t			 i, len;
	int			 n;

	memset(&ans, 0, sizeof(ans));
	for (i = 0; i < sizeof(rv_paths) / sizeof(rv_paths[0]); i++)
		if (rv_paths[i].op == op) {
			post(http, "POST", rv_paths[i].path, arg, &ans);
			learn(s, op, &ans);
			fuzz_http_answer_clear(&ans);
			return;
		}
	switch (op) {
	case 'm':
		if ((bin = b64_arg(arg, &len)) == NULL)
			return;
		if ((n = asprintf(&req, "POST /v1/msg HTTP/1.1\r\n"
		    "Host: x.onion\r\nConnection: close\r\n"
		    "Content-Length: %zu\r\n\r\n", len)) == -1)
			fuzz_die("out of memory");
		req = xreallocarray(req, 1, (size_t)n + len + 1);
		memcpy(req + n, bin, len);
		fuzz_http_exchange(a->base, http, req, (size_t)n + len,
		    &ans);
		free(req);
		free(bin);
		break;
	case 'h':
		post(http, "GET", "/v1/hello", "", &ans);
		if (http == a->onion_path && ans.status != 200)
			fuzz_die("GET /v1/hello answered %d", ans.status);
		break;
	case 'g':
		post(http, "GET", "/v1/rv/recv", arg, &ans);
		break;
	case 'l':
		if ((bin = b64_arg(arg, &len)) == NULL)
			return;
		(void)rv_server_local_send(a->invite_rv, LOCAL_NAMEPLATE, bin,
		    len);
		free(bin);
		break;
	case 'R':
		post(http, "POST", arg, "", &ans);
		break;
	default:
		return;
	}
	fuzz_http_answer_clear(&ans);
}

static void
fuzz_session(const uint8_t *data, size_t size)
{
	struct session	 s;
	const char	*http;
	char		*text, *line, *next, *arg;
	int		 ops = 0;

	memset(&s, 0, sizeof(s));
	fuzz_agent_reset(a);
	if (rv_server_open_local(a->invite_rv, LOCAL_NAMEPLATE, 3600,
	    local_cb, &s) == -1)
		fuzz_die("cannot open the local channel");
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line != NULL && *line != '\0' &&
	    ops < SESSION_OPS_MAX; line = next, ops++) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		/* A NUL ends the session: requests are text. */
		http = a->onion_path;
		if (line[0] == '!') {
			http = a->invite_path;
			line++;
		}
		if (line[0] == '\0')
			continue;
		arg = substitute(&s, line + 1, strlen(line + 1));
		while (*arg == ' ')
			memmove(arg, arg + 1, strlen(arg));
		one_op(&s, http, line[0], arg);
		free(arg);
	}
	free(text);
	fuzz_http_close_all(a->base);
	rv_server_close(a->invite_rv, LOCAL_NAMEPLATE);
	fuzz_agent_check(a);
}

static void
fuzz_client(const uint8_t *data, size_t size)
{
	json_error_t	 jerr;
	json_t		*j;
	struct rv_recv	*r;
	size_t		 i;

	/* As invite_answer() loads it. */
	if ((j = json_loadb((const char *)data, size, 0, &jerr)) == NULL)
		return;
	r = xmalloc(sizeof(*r));
	if (rv_recv_decode(r, j) == 0) {
		if (r->count > RV_MAX_MSGS)
			fuzz_die("%zu messages", r->count);
		for (i = 0; i < r->count; i++)
			if (r->lens[i] == 0 || r->lens[i] > RV_MAX_MSG)
				fuzz_die("a message of %zu bytes", r->lens[i]);
	} else if (r->count != 0 || r->closed != 0)
		fuzz_die("a malformed answer left something behind");
	free(r);
	json_decref(j);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	a = fuzz_agent_new(1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] == '{' || data[0] == ' ' || data[0] == '\n')
		fuzz_client(data, size);
	else
		fuzz_session(data, size);
	return 0;
}
