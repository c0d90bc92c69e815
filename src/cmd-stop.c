#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "statedir.h"

#define STOP_WAIT_SECS	30

/* The agent holds its pid file's lock until its very end. */
static int
agent_gone(const char *dir)
{
	char	*path = statedir_path(dir, STATEDIR_PID);
	int	 fd, gone = 1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return 1;
	if (flock(fd, LOCK_SH | LOCK_NB) == -1)
		gone = 0;
	close(fd);
	return gone;
}

static int
cmd_stop_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	json_t		*j;
	int		 rc, i;

	if (argc != 1)
		return cmd_usage(&cmd_stop_entry, "too many arguments");
	if ((rc = cmd_call(ctx, "POST", "/v1/stop", NULL, NULL)) != CMD_OK)
		return rc;
	/* Wait until it has stopped its tor and exited. */
	for (i = 0; i < STOP_WAIT_SECS * 20 && !agent_gone(ctx->dir); i++)
		nanosleep(&ts, NULL);
	if (!agent_gone(ctx->dir))
		return cmd_fail(CMD_ERROR, "the agent did not stop within %d s",
		    STOP_WAIT_SECS);
	if (ctx->json) {
		j = json_pack("{s:b}", "stopped", 1);
		cmd_print_json(j);
		json_decref(j);
	} else
		printf("agent stopped\n");
	return CMD_OK;
}

const struct cmd_entry cmd_stop_entry = {
	.name = "stop",
	.usage = "",
	.summary = "stop the agent and its tor",
	.exec = cmd_stop_exec,
};
