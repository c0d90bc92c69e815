#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"

#define INTRO_POLL_MS	300

static void
print_line_json(json_t *j)
{
	char	*text = json_dumps(j, JSON_COMPACT);

	printf("%s\n", text);
	free(text);
	fflush(stdout);
}

/*
 * Follow introduction ID until it is done or failed, then tell the user
 * about the new contact. Shared by invite and accept.
 */
int
cmd_wait_introduction(struct cmd_ctx *ctx, long id)
{
	struct timespec	 ts = { 0, INTRO_POLL_MS * 1000000L };
	json_t		*j, *contact;
	const char	*state;
	char		 path[64];
	int		 rc;

	snprintf(path, sizeof(path), "/v1/invitations/%ld", id);
	for (;;) {
		if ((rc = cmd_call(ctx, "GET", path, NULL, &j)) != CMD_OK)
			return rc;
		state = json_string_value(json_object_get(j, "state"));
		if (state != NULL && (strcmp(state, "done") == 0 ||
		    strcmp(state, "failed") == 0))
			break;
		json_decref(j);
		nanosleep(&ts, NULL);
	}
	if (strcmp(state, "failed") == 0) {
		if (ctx->json)
			print_line_json(j);
		rc = cmd_fail(CMD_ERROR, "the introduction failed: %s",
		    json_string_value(json_object_get(j, "error")));
		json_decref(j);
		return rc;
	}
	contact = json_object_get(j, "contact");
	if (ctx->json)
		print_line_json(j);
	else
		printf("%s is now your contact\n"
		    "verification: %s\n"
		    "(compare it with what the other side sees; the same "
		    "words mean no one came between you)\n",
		    json_string_value(json_object_get(contact, "petname")),
		    json_string_value(json_object_get(contact,
		    "verification")));
	json_decref(j);
	return CMD_OK;
}

static int
cmd_invite_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name",	required_argument,	NULL, 'n' },
		{ "direct",	no_argument,		NULL, 'D' },
		{ "no-wait",	no_argument,		NULL, 'W' },
		{ "words",	required_argument,	NULL, 'w' },
		{ NULL,		0,			NULL, 0 }
	};
	json_t		*body, *reply;
	char		*end;
	long		 words = 0, id;
	int		 ch, direct = 0, wait = 1, rc;
	const char	*petname = NULL;
	time_t		 expires;
	char		 when[64];

	while ((ch = getopt_long(argc, argv, "n:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			petname = optarg;
			break;
		case 'D':
			direct = 1;
			break;
		case 'W':
			wait = 0;
			break;
		case 'w':
			words = strtol(optarg, &end, 10);
			if (*end != '\0' || words < 2 || words > 8)
				return cmd_usage(&cmd_invite_entry,
				    "--words takes 2 to 8");
			break;
		default:
			return cmd_usage(&cmd_invite_entry, NULL);
		}
	}
	if (optind != argc)
		return cmd_usage(&cmd_invite_entry, "too many arguments");
	body = json_pack("{s:b}", "direct", direct);
	if (petname != NULL)
		json_object_set_new(body, "petname", json_string(petname));
	if (words != 0)
		json_object_set_new(body, "words", json_integer(words));
	rc = cmd_call(ctx, "POST", "/v1/invite", body, &reply);
	json_decref(body);
	if (rc != CMD_OK)
		return rc;
	id = (long)json_integer_value(json_object_get(reply, "id"));
	if (ctx->json)
		print_line_json(reply);
	else {
		expires = (time_t)json_integer_value(json_object_get(reply,
		    "expires"));
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M",
		    localtime(&expires));
		printf("code: %s\n"
		    "Give this code to the person you invite (in person, on "
		    "the phone...).\n"
		    "It works once, until %s.\n",
		    json_string_value(json_object_get(reply, "code")), when);
		if (wait)
			printf("waiting for the other side to accept...\n");
		fflush(stdout);
	}
	json_decref(reply);
	if (!wait)
		return CMD_OK;
	return cmd_wait_introduction(ctx, id);
}

const struct cmd_entry cmd_invite_entry = {
	.name = "invite",
	.usage = "[-n petname] [--direct] [--no-wait] [--words n]",
	.summary = "make an invitation code for someone to accept",
	.exec = cmd_invite_exec,
};
