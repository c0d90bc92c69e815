#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cmd.h"

/* One line of standard input, without its newline and blanks around. */
static int
cmd_read_code(char *code, size_t len)
{
	char	*p, *e;
	size_t	 n;

	if (fgets(code, (int)len, stdin) == NULL)
		return -1;
	n = strlen(code);
	if (n > 0 && code[n - 1] != '\n' && !feof(stdin)) {
		sodium_memzero(code, len);
		return -1;	/* longer than a code can be */
	}
	for (p = code; *p == ' ' || *p == '\t'; p++)
		;
	e = p + strlen(p);
	while (e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' ||
	    e[-1] == '\t'))
		e--;
	*e = '\0';
	memmove(code, p, (size_t)(e - p) + 1);
	if (code[0] == '\0')
		return -1;
	return 0;
}

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
	code[0] = '\0';
	/*
	 * "-": the code's line from standard input, which other users
	 * cannot read the way they can read our arguments (ps).
	 */
	if (argc - optind == 1 && strcmp(argv[optind], "-") == 0) {
		if (cmd_read_code(code, sizeof(code)) == -1)
			return cmd_usage(&cmd_accept_entry, "no code on "
			    "standard input (one line, at most %zu bytes)",
			    sizeof(code) - 1);
		optind = argc;
	}
	/* "7 aardvark adroitness" typed as three words is one code. */
	for (i = optind; i < argc; i++) {
		if (n + strlen(argv[i]) + 2 > sizeof(code))
			return cmd_usage(&cmd_accept_entry, "the code is too "
			    "long");
		n += (size_t)snprintf(code + n, sizeof(code) - n, "%s%s",
		    i > optind ? "-" : "", argv[i]);
	}
	body = json_pack("{s:s}", "code", code);
	sodium_memzero(code, sizeof(code));
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
	.usage = "[-n petname] code | -",
	.summary = "accept an invitation code: the inviter becomes a contact",
	.exec = cmd_accept_exec,
};
