/*
 * petmail open: ask the agent for a one-time opener URL and open the web
 * page on it, in $BROWSER (a colon-separated list, as sensible-browser
 * reads it) or else xdg-open. The URL works once, for a short time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cmd.h"
#include "xmalloc.h"

/*
 * Start PROG URL detached (its own session, output to /dev/null) and
 * wait only for the exec: 0 if it runs, -1 with errno if it cannot.
 */
static int
open_spawn(const char *prog, const char *url)
{
	pid_t	pid;
	int	fds[2], err = 0, devnull, status;
	ssize_t	n;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		/* A grandchild, so that the browser outlives us unreaped. */
		if (fork() != 0)
			_exit(0);
		setsid();
		if ((devnull = open("/dev/null", O_RDWR)) != -1) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		execlp(prog, prog, url, (char *)NULL);
		err = errno;
		if (write(fds[1], &err, sizeof(err)) == -1)
			_exit(127);
		_exit(127);
	}
	close(fds[1]);
	waitpid(pid, &status, 0);
	n = read(fds[0], &err, sizeof(err));
	close(fds[0]);
	if (n == (ssize_t)sizeof(err)) {
		errno = err;
		return -1;
	}
	return 0;
}

/* Try each browser of $BROWSER, then xdg-open. */
static int
open_browser(const char *url, char *why, size_t whylen)
{
	const char	*env = getenv("BROWSER");
	char		*list, *prog, *save = NULL;
	int		 rc = -1;

	snprintf(why, whylen, "no browser found");
	if (env != NULL && env[0] != '\0') {
		list = xstrdup(env);
		for (prog = strtok_r(list, ":", &save); prog != NULL && rc == -1;
		    prog = strtok_r(NULL, ":", &save)) {
			if ((rc = open_spawn(prog, url)) == -1)
				snprintf(why, whylen, "cannot run %s: %s", prog,
				    strerror(errno));
		}
		free(list);
		if (rc == 0)
			return 0;
	}
	if (open_spawn("xdg-open", url) == 0)
		return 0;
	if (env == NULL || env[0] == '\0')
		snprintf(why, whylen, "cannot run xdg-open: %s",
		    strerror(errno));
	return -1;
}

static int
cmd_open_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-browser",	no_argument,	NULL, 'N' },
		{ NULL,		0,		NULL, 0 }
	};
	json_t		*reply, *j;
	const char	*url;
	char		 why[512];
	int		 ch, browser = 1, rc;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'N':
			browser = 0;
			break;
		default:
			return cmd_usage(&cmd_open_entry, NULL);
		}
	}
	if (optind != argc)
		return cmd_usage(&cmd_open_entry, "too many arguments");
	if ((rc = cmd_call(ctx, "POST", "/v1/ui/opener", NULL, &reply)) !=
	    CMD_OK)
		return rc;
	url = json_string_value(json_object_get(reply, "url"));
	if (url == NULL) {
		json_decref(reply);
		return cmd_fail(CMD_ERROR, "the agent gave no URL");
	}
	if (!browser) {
		if (ctx->json) {
			j = json_pack("{s:s}", "url", url);
			cmd_print_json(j);
			json_decref(j);
		} else
			printf("%s\n(this link works once, within %d "
			    "seconds)\n", url, (int)(json_integer_value(
			    json_object_get(reply, "expires")) - time(NULL)));
		json_decref(reply);
		return CMD_OK;
	}
	rc = open_browser(url, why, sizeof(why));
	sodium_memzero((char *)url, strlen(url));
	json_decref(reply);
	if (rc == -1)
		return cmd_fail(CMD_ERROR, "%s: set BROWSER, or run petmail "
		    "open --no-browser and open the link yourself", why);
	if (ctx->json) {
		j = json_pack("{s:b}", "opened", 1);
		cmd_print_json(j);
		json_decref(j);
	} else
		printf("opened the web page in your browser\n");
	return CMD_OK;
}

const struct cmd_entry cmd_open_entry = {
	.name = "open",
	.usage = "[--no-browser]",
	.summary = "open the web page in a browser (or print its one-time link)",
	.exec = cmd_open_exec,
};
