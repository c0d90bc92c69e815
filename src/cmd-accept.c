#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"

static int
cmd_accept_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name",	required_argument,	NULL, 'n' },
		{ NULL,		0,			NULL, 0 }
	};
	json_t		*body, *reply;
	const char	*petname = NULL;
	char		 code[512];
	size_t		 n = 0;
	long		 id;
	int		 ch, rc, i;

	while ((ch = getopt_long(argc, argv, "n:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			petname = optarg;
			break;
		default:
			return cmd_usage(&cmd_accept_entry, NULL);
		}
	}
	if (optind == argc)
		return cmd_usage(&cmd_accept_entry, "the code is missing");
	/* "7 aardvark adroitness" typed as three words is one code. */
	code[0] = '\0';
	for (i = optind; i < argc; i++) {
		if (n + strlen(argv[i]) + 2 > sizeof(code))
			return cmd_usage(&cmd_accept_entry, "the code is too "
			    "long");
		n += (size_t)snprintf(code + n, sizeof(code) - n, "%s%s",
		    i > optind ? "-" : "", argv[i]);
	}
	body = json_pack("{s:s}", "code", code);
	if (petname != NULL)
		json_object_set_new(body, "petname", json_string(petname));
	rc = cmd_call(ctx, "POST", "/v1/accept", body, &reply);
	json_decref(body);
	if (rc != CMD_OK)
		return rc;
	id = (long)json_integer_value(json_object_get(reply, "id"));
	json_decref(reply);
	if (!ctx->json) {
		printf("connecting to the inviter over Tor...\n");
		fflush(stdout);
	}
	return cmd_wait_introduction(ctx, id);
}

const struct cmd_entry cmd_accept_entry = {
	.name = "accept",
	.usage = "[-n petname] code",
	.summary = "accept an invitation code: the inviter becomes a contact",
	.exec = cmd_accept_exec,
};
