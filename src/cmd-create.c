#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "conf.h"
#include "statedir.h"
#include "xmalloc.h"

static int
cmd_create_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "extra-torrc",	required_argument,	NULL, 'x' },
		{ "tor",		required_argument,	NULL, 't' },
		{ "no-network",		no_argument,		NULL, 'n' },
		{ "serve",		required_argument,	NULL, 's' },
		{ "rendezvous",		required_argument,	NULL, 'r' },
		{ "name",		required_argument,	NULL, 'N' },
		{ NULL,			0,			NULL, 0 }
	};
	struct conf	 conf;
	char		 err[1024], *path, *torrc;
	int		 ch, rc = CMD_ERROR;

	conf_init(&conf);
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'x':
		case 't':
			if ((path = realpath(optarg, NULL)) == NULL) {
				conf_clear(&conf);
				return cmd_fail(CMD_ERROR, "%s: %s", optarg,
				    strerror(errno));
			}
			free(ch == 'x' ? conf.extra_torrc : conf.tor);
			*(ch == 'x' ? &conf.extra_torrc : &conf.tor) = path;
			break;
		case 'n':
			conf.network = 0;
			break;
		case 's':
		case 'r':
		case 'N': {
			/* Check each value as the configuration file would. */
			const char	*key = ch == 's' ? "serve" :
			    ch == 'r' ? "rendezvous" : "name";
			char		*line;
			int		 bad;

			xasprintf(&line, "%s = %s\n", key, optarg);
			bad = conf_parse(&conf, line, strlen(line), err,
			    sizeof(err)) == -1;
			free(line);
			if (bad) {
				conf_clear(&conf);
				return cmd_fail(CMD_USAGE, "--%s: %s", key,
				    strchr(err, ':') ? strchr(err, ':') + 2 :
				    err);
			}
			break;
		}
		default:
			conf_clear(&conf);
			return cmd_usage(&cmd_create_entry, NULL);
		}
	}
	if (optind != argc) {
		conf_clear(&conf);
		return cmd_usage(&cmd_create_entry, "too many arguments");
	}
	/* Check the extra torrc now rather than at the first start. */
	if (conf.extra_torrc != NULL) {
		if (conf_read_extra_torrc(&torrc, conf.extra_torrc, err,
		    sizeof(err)) == -1) {
			cmd_fail(CMD_ERROR, "%s", err);
			goto out;
		}
		free(torrc);
	}
	if (cmd_resolve_dir(ctx) == -1)
		goto out;
	if (statedir_create(ctx->dir, err, sizeof(err)) == -1) {
		cmd_fail(CMD_ERROR, "%s", err);
		goto out;
	}
	path = statedir_path(ctx->dir, STATEDIR_CONF);
	if (conf_write(&conf, path, err, sizeof(err)) == -1) {
		free(path);
		cmd_fail(CMD_ERROR, "%s", err);
		goto out;
	}
	free(path);
	if (ctx->json) {
		json_t	*j = json_pack("{s:s}", "dir", ctx->dir);

		cmd_print_json(j);
		json_decref(j);
	} else
		printf("created a new agent in %s\n"
		    "start it with: petmail%s%s start\n", ctx->dir,
		    ctx->statedir ? " -d " : "",
		    ctx->statedir ? ctx->statedir : "");
	rc = CMD_OK;
out:
	conf_clear(&conf);
	return rc;
}

const struct cmd_entry cmd_create_entry = {
	.name = "create",
	.usage = "[--extra-torrc path] [--tor path] [--no-network]\n"
	    "       [--serve rendezvous] [--rendezvous address] [--name name]",
	.summary = "create a new agent: its state directory and configuration",
	.exec = cmd_create_exec,
};
