#include "config.h"

#include <stdio.h>

#include <jansson.h>

#include "cmd.h"
#include "version.h"

static int
cmd_version_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	char		 tor[256];
	const char	*path = version_tor_path();
	json_t		*o;
	int		 have_tor;

	if (argc != 1)
		return cmd_usage(&cmd_version_entry, "too many arguments");
	if (!ctx->json) {
		version_print(stdout, "petmail");
		return CMD_OK;
	}
	have_tor = version_tor(tor, sizeof(tor), path) == 0;
	o = json_pack("{s:s, s:s, s:s*}", "version", PACKAGE_VERSION,
	    "tor_path", path, "tor", have_tor ? tor : NULL);
	if (!have_tor)
		json_object_set_new(o, "tor_error", json_string(tor));
	json_dumpf(o, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(o);
	return CMD_OK;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "",
	.summary = "show the versions of petmail, its libraries and tor",
	.exec = cmd_version_exec,
};
