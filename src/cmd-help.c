#include "config.h"

#include <stdio.h>

#include "cmd.h"

static int
cmd_help_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry	*e;

	if (argc > 2)
		return cmd_usage(&cmd_help_entry, "too many arguments");
	if (argc == 2) {
		if ((e = cmd_find(argv[1])) == NULL)
			return cmd_usage(&cmd_help_entry,
			    "unknown command: %s", argv[1]);
		printf("usage: petmail %s %s\n%s\n", e->name, e->usage,
		    e->summary);
		return CMD_OK;
	}
	cmd_print_usage(stdout);
	return CMD_OK;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[command]",
	.summary = "list the commands, or show how to use one",
	.exec = cmd_help_exec,
};
