#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client.h"
#include "cmd.h"
#include "statedir.h"

struct watch {
	struct cmd_ctx	*ctx;
	long		 left;		/* events still to show; -1: forever */
};

static int
watch_event(const char *type, json_t *data, void *arg)
{
	struct watch	*w = arg;
	json_t		*j;
	char		*text;

	if (w->ctx->json) {
		j = json_pack("{s:s, s:O}", "event", type, "data", data);
		text = json_dumps(j, JSON_COMPACT);
		printf("%s\n", text);
		free(text);
		json_decref(j);
	} else {
		text = json_dumps(data, JSON_COMPACT);
		printf("%s %s\n", type, text);
		free(text);
	}
	fflush(stdout);
	if (w->left > 0 && --w->left == 0)
		return 1;
	return 0;
}

static int
cmd_watch_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct watch	 w = { ctx, -1 };
	char		 err[512], *end;
	int		 ch;

	while ((ch = getopt(argc, argv, "n:")) != -1) {
		switch (ch) {
		case 'n':
			w.left = strtol(optarg, &end, 10);
			if (*end != '\0' || w.left <= 0)
				return cmd_usage(&cmd_watch_entry,
				    "-n needs a positive count");
			break;
		default:
			return cmd_usage(&cmd_watch_entry, NULL);
		}
	}
	if (optind != argc)
		return cmd_usage(&cmd_watch_entry, "too many arguments");
	if (cmd_resolve_dir(ctx) == -1)
		return CMD_ERROR;
	if (statedir_check(ctx->dir, err, sizeof(err)) == -1)
		return cmd_fail(CMD_NOAGENT, "%s", err);
	if (client_events(ctx->dir, "/v1/events", watch_event, &w, err,
	    sizeof(err)) == -1)
		return cmd_fail(CMD_NOAGENT, "%s", err);
	return CMD_OK;
}

const struct cmd_entry cmd_watch_entry = {
	.name = "watch",
	.usage = "[-n count]",
	.summary = "print the agent's events as they happen",
	.exec = cmd_watch_exec,
};
