/*
 * Fuzz target: the local API's request handlers, end to end. An agent
 * (fuzz_agent.c: real store, real servers, no tor) answers one request
 * built from the input over a socketpair, and must then still answer
 * GET /v1/status.
 *
 * The first byte chooses a route of api.c's table (method and path, some
 * with a query); the rest is the JSON body. A first byte past the table
 * makes the rest the whole raw HTTP request, so that paths, methods and
 * headers are fuzzed too.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "fuzz.h"

static const char *const routes[] = {
	"GET /v1/status",
	"GET /v1/events",
	"POST /v1/stop",
	"POST /v1/invite",
	"POST /v1/accept",
	"GET /v1/invitations",
	"GET /v1/invitations/1",
	"GET /v1/contacts",
	"POST /v1/contacts/rename",
	"POST /v1/contacts/remove",
	"POST /v1/send",
	"GET /v1/messages",
	"GET /v1/messages?contact=bob",
	"POST /v1/messages/delete",
	"POST /v1/retry",
	"DELETE /v1/contacts",
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

static struct agent	*a;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	a = fuzz_agent_new(0);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_http_answer	 ans;
	char			*req;
	size_t			 len;
	int			 n;

	if (size == 0)
		return 0;
	fuzz_agent_reset(a);
	if (data[0] < NROUTES) {
		n = snprintf(NULL, 0, "%s HTTP/1.1\r\nHost: localhost\r\n"
		    "Connection: close\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n", routes[data[0]], size - 1);
		len = (size_t)n + size - 1;
		if ((req = malloc(len + 1)) == NULL)
			fuzz_die("out of memory");
		snprintf(req, (size_t)n + 1, "%s HTTP/1.1\r\nHost: localhost\r\n"
		    "Connection: close\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n", routes[data[0]], size - 1);
		memcpy(req + n, data + 1, size - 1);
		fuzz_http_exchange(a->base, a->sock_path, req, len, &ans);
		free(req);
	} else
		fuzz_http_exchange(a->base, a->sock_path, data + 1, size - 1, &ans);
	/* An answer the server finished must be a whole one. */
	if (!ans.open && ans.status != 0 && ans.body == NULL)
		fuzz_die("an answer without a body");
	fuzz_http_answer_clear(&ans);
	/* A client that waited (an event stream) hangs up now. */
	fuzz_http_close_all(a->base);
	fuzz_agent_check(a);
	return 0;
}
