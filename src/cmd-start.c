#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "client.h"
#include "cmd.h"
#include "statedir.h"
#include "xmalloc.h"

/*
 * The petmaild to run: $PETMAILD, else the one beside this petmail (a
 * build tree), else the installed one.
 */
static char *
find_petmaild(void)
{
	const char	*env = getenv("PETMAILD");
	char		 self[PATH_MAX], *p;
	ssize_t		 n;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		xasprintf(&p, "%s/petmaild", dirname(self));
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return xstrdup(SBINDIR "/petmaild");
}

static int
cmd_start_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	json_t	*reply;
	char	*petmaild, err[512];
	char	*args[6];
	int	 ch, foreground = 0, status, i = 0;
	long	 code;
	pid_t	 pid;

	while ((ch = getopt(argc, argv, "f")) != -1) {
		switch (ch) {
		case 'f':
			foreground = 1;
			break;
		default:
			return cmd_usage(&cmd_start_entry, NULL);
		}
	}
	if (optind != argc)
		return cmd_usage(&cmd_start_entry, "too many arguments");
	if (cmd_resolve_dir(ctx) == -1)
		return CMD_ERROR;
	if (statedir_check(ctx->dir, err, sizeof(err)) == -1)
		return cmd_fail(CMD_ERROR, "%s", err);

	petmaild = find_petmaild();
	args[i++] = petmaild;
	if (foreground)
		args[i++] = (char *)"-f";
	args[i++] = (char *)"-d";
	args[i++] = ctx->dir;
	args[i] = NULL;
	if (foreground) {
		execv(petmaild, args);
		return cmd_fail(CMD_ERROR, "cannot run %s: %s", petmaild,
		    strerror(errno));
	}

	/* petmaild detaches once it serves its API, or says why it failed. */
	fflush(stdout);
	if ((pid = fork()) == -1)
		return cmd_fail(CMD_ERROR, "fork: %s", strerror(errno));
	if (pid == 0) {
		execv(petmaild, args);
		fprintf(stderr, "petmail: cannot run %s: %s\n", petmaild,
		    strerror(errno));
		_exit(127);
	}
	free(petmaild);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return cmd_fail(CMD_ERROR, "waitpid: %s",
			    strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return CMD_ERROR;	/* petmaild said why on stderr */

	if (client_request(ctx->dir, "GET", "/v1/status", NULL, &code,
	    &reply, err, sizeof(err)) == -1)
		return cmd_fail(CMD_NOAGENT, "the agent started but does not "
		    "answer: %s", err);
	if (ctx->json)
		cmd_print_json(reply);
	else
		printf("agent started (pid %lld) in %s\n",
		    (long long)json_integer_value(json_object_get(reply,
		    "pid")), ctx->dir);
	json_decref(reply);
	return CMD_OK;
}

const struct cmd_entry cmd_start_entry = {
	.name = "start",
	.usage = "[-f]",
	.summary = "start the agent (in the foreground with -f)",
	.exec = cmd_start_exec,
};
