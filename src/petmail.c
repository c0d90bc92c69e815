/*
 * petmail: the command-line client of the petmail agent. A thin client:
 * each command is one request to the agent's local API (see cmd.h).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "version.h"

static void
usage(void)
{
	cmd_print_usage(stderr);
	exit(CMD_USAGE);
}

/*
 * Every command takes --json; accept it anywhere before "--" and remove
 * it from argv, so that commands never see it.
 */
static int
strip_json(int argc, char **argv)
{
	int	i, j, json = 0;

	for (i = j = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[j++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
			continue;
		}
		argv[j++] = argv[i];
	}
	argv[j] = NULL;
	return json ? -j : j;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir",	required_argument,	NULL, 'd' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	struct cmd_ctx		 ctx = { 0 };
	const struct cmd_entry	*entry;
	int			 ch, n, rc;

	log_init("petmail", LOG_LEVEL_WARN);
	if ((n = strip_json(argc, argv)) < 0) {
		ctx.json = 1;
		n = -n;
	}
	argc = n;

	/* "+": stop at the command name; its options are its own. */
	while ((ch = getopt_long(argc, argv, "+d:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			ctx.statedir = optarg;
			break;
		case 'h':
			cmd_print_usage(stdout);
			return CMD_OK;
		case 'V':
			version_print(stdout, "petmail");
			return CMD_OK;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	if (ctx.statedir == NULL)
		ctx.statedir = getenv("PETMAIL_DIR");

	if ((entry = cmd_find(argv[0])) == NULL) {
		fprintf(stderr, "petmail: unknown command: %s\n", argv[0]);
		usage();
	}
	optind = 0;	/* glibc: full reset for the command's getopt */
	rc = entry->exec(&ctx, argc, argv);
	free(ctx.dir);
	return rc;
}
