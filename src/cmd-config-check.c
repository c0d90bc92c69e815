#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "cmd.h"
#include "conf.h"
#include "statedir.h"

static int
cmd_config_check_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct conf	 conf;
	json_t		*j;
	char		*path, *torrc = NULL, err[1024];
	int		 ok;

	if (argc != 1)
		return cmd_usage(&cmd_config_check_entry, "too many arguments");
	if (cmd_resolve_dir(ctx) == -1)
		return CMD_ERROR;
	path = statedir_path(ctx->dir, STATEDIR_CONF);
	conf_init(&conf);
	ok = conf_load(&conf, path, err, sizeof(err)) == 0;
	if (ok && conf.extra_torrc != NULL)
		ok = conf_read_extra_torrc(&torrc, conf.extra_torrc, err,
		    sizeof(err)) == 0;
	free(torrc);
	conf_clear(&conf);
	free(path);
	if (ctx->json) {
		j = json_pack("{s:b, s:s*}", "ok", ok, "error",
		    ok ? NULL : err);
		cmd_print_json(j);
		json_decref(j);
		return ok ? CMD_OK : CMD_ERROR;
	}
	if (!ok)
		return cmd_fail(CMD_ERROR, "%s", err);
	printf("configuration OK\n");
	return CMD_OK;
}

const struct cmd_entry cmd_config_check_entry = {
	.name = "config-check",
	.usage = "",
	.summary = "check petmail.conf and say what is wrong, with its line",
	.exec = cmd_config_check_exec,
};
