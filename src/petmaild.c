/*
 * petmaild: the petmail agent. It owns a tor, publishes an onion service
 * as its delivery address, and serves the local API that petmail(1) and
 * the web page drive.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "log.h"
#include "version.h"

static void
usage(void)
{
	fprintf(stderr, "usage: petmaild [-f] [-d dir]\n"
	    "       petmaild --version\n");
	exit(CMD_USAGE);
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
	int	ch;

	log_init("petmaild", LOG_LEVEL_INFO);
	while ((ch = getopt_long(argc, argv, "d:fhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
		case 'f':
			break;
		case 'h':
			usage();
			break;
		case 'V':
			version_print(stdout, "petmaild");
			return 0;
		default:
			usage();
		}
	}
	if (argc != optind)
		usage();
	fprintf(stderr, "petmaild: the agent cannot run yet in this build; "
	    "see petmaild --version\n");
	return 1;
}
