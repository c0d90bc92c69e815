#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"

static int
cmd_status_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	json_t		*j, *tor;
	const char	*addr, *state, *error;
	int		 rc;

	if (argc != 1)
		return cmd_usage(&cmd_status_entry, "too many arguments");
	if ((rc = cmd_call(ctx, "GET", "/v1/status", NULL, &j)) != CMD_OK)
		return rc;
	if (ctx->json) {
		cmd_print_json(j);
		json_decref(j);
		return CMD_OK;
	}
	tor = json_object_get(j, "tor");
	addr = json_string_value(json_object_get(j, "address"));
	state = json_string_value(json_object_get(tor, "state"));
	error = json_string_value(json_object_get(tor, "error"));

	printf("agent:    running (pid %lld) in %s\n",
	    (long long)json_integer_value(json_object_get(j, "pid")),
	    json_string_value(json_object_get(j, "dir")));
	if (state != NULL && strcmp(state, "running") == 0)
		printf("tor:      %lld%% (%s)\n",
		    (long long)json_integer_value(json_object_get(tor,
		    "bootstrap")),
		    json_string_value(json_object_get(tor, "summary")));
	else
		printf("tor:      %s\n", state ? state : "unknown");
	if (error != NULL)
		printf("problem:  %s\n", error);
	if (addr == NULL)
		printf("address:  not yet published\n");
	else if (json_is_true(json_object_get(j, "published")))
		printf("address:  %s (published)\n", addr);
	else
		printf("address:  %s (not yet published)\n", addr);
	printf("contacts: %lld\n", (long long)json_integer_value(
	    json_object_get(j, "contacts")));
	printf("outbox:   %lld\n", (long long)json_integer_value(
	    json_object_get(j, "outbox")));
	json_decref(j);
	return CMD_OK;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "",
	.summary = "show where the agent stands: tor, address, contacts, outbox",
	.exec = cmd_status_exec,
};
