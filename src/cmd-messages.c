#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <jansson.h>

#include "cmd.h"
#include "xmalloc.h"

#define SEND_MAX_STDIN	(65514 + 1)

static int
cmd_send_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	json_t	*body, *reply;
	char	*text;
	size_t	 n;
	int	 rc, i, len;

	if (argc < 3)
		return cmd_usage(&cmd_send_entry, "to whom, and what?");
	if (argc == 3 && strcmp(argv[2], "-") == 0) {
		text = xmalloc(SEND_MAX_STDIN + 1);
		n = fread(text, 1, SEND_MAX_STDIN, stdin);
		if (ferror(stdin)) {
			free(text);
			return cmd_fail(CMD_ERROR, "cannot read standard "
			    "input: %s", strerror(errno));
		}
		text[n] = '\0';
		if (n > 0 && text[n - 1] == '\n')
			text[--n] = '\0';
	} else {
		/* The words of the message, joined by spaces. */
		for (len = 0, i = 2; i < argc; i++)
			len += (int)strlen(argv[i]) + 1;
		text = xmalloc((size_t)len + 1);
		text[0] = '\0';
		for (i = 2; i < argc; i++) {
			if (i > 2)
				strcat(text, " ");
			strcat(text, argv[i]);
		}
	}
	body = json_pack("{s:s, s:s}", "petname", argv[1], "text", text);
	free(text);
	if (body == NULL)
		return cmd_fail(CMD_ERROR, "the message is not valid UTF-8");
	if ((rc = cmd_post(ctx, "/v1/send", body, &reply)) != CMD_OK)
		return rc;
	if (reply != NULL)
		printf("queued message %lld for %s\n", (long long)
		    json_integer_value(json_object_get(reply, "id")), argv[1]);
	json_decref(reply);
	return CMD_OK;
}

static int
cmd_messages_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	json_t		*j, *m;
	char		 path[256], when[32], *esc;
	const char	*err;
	time_t		 t;
	size_t		 i;
	int		 rc;

	if (argc > 2)
		return cmd_usage(&cmd_messages_entry, "too many arguments");
	if (argc == 2) {
		if ((esc = evhttp_encode_uri(argv[1])) == NULL)
			return cmd_fail(CMD_ERROR, "out of memory");
		snprintf(path, sizeof(path), "/v1/messages?contact=%s", esc);
		free(esc);
	} else
		snprintf(path, sizeof(path), "/v1/messages");
	if ((rc = cmd_call(ctx, "GET", path, NULL, &j)) != CMD_OK)
		return rc;
	if (ctx->json) {
		cmd_print_json(j);
		json_decref(j);
		return CMD_OK;
	}
	json_array_foreach(j, i, m) {
		t = (time_t)json_integer_value(json_object_get(m, "created"));
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime(&t));
		err = json_string_value(json_object_get(m, "error"));
		printf("%lld %s %s %s [%s%s%s]\n    %s\n",
		    (long long)json_integer_value(json_object_get(m, "id")),
		    when,
		    strcmp(json_string_value(json_object_get(m, "direction")),
		    "in") == 0 ? "from" : "to",
		    json_string_value(json_object_get(m, "contact")),
		    json_string_value(json_object_get(m, "state")),
		    err != NULL ? ": " : "", err != NULL ? err : "",
		    json_string_value(json_object_get(m, "body")));
	}
	json_decref(j);
	return CMD_OK;
}

static int
cmd_delete_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "contact",	required_argument,	NULL, 'c' },
		{ "before",	required_argument,	NULL, 'b' },
		{ NULL,		0,			NULL, 0 }
	};
	json_t		*body, *reply;
	struct tm	 tm;
	char		*end;
	long long	 id = 0, before = 0;
	int		 ch, rc;

	body = json_object();
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			json_object_set_new(body, "contact",
			    json_string(optarg));
			break;
		case 'b':
			memset(&tm, 0, sizeof(tm));
			before = strtoll(optarg, &end, 10);
			if (*end != '\0' || before <= 0) {
				end = strptime(optarg, "%Y-%m-%d", &tm);
				if (end == NULL || *end != '\0') {
					json_decref(body);
					return cmd_usage(&cmd_delete_entry,
					    "--before takes a date (YYYY-MM-DD) "
					    "or unix seconds");
				}
				tm.tm_isdst = -1;
				before = (long long)mktime(&tm);
			}
			json_object_set_new(body, "before",
			    json_integer(before));
			break;
		default:
			json_decref(body);
			return cmd_usage(&cmd_delete_entry, NULL);
		}
	}
	if (optind < argc) {
		id = strtoll(argv[optind], &end, 10);
		if (*end != '\0' || id <= 0 || optind + 1 != argc) {
			json_decref(body);
			return cmd_usage(&cmd_delete_entry, "which message id?");
		}
		json_object_set_new(body, "id", json_integer(id));
	}
	if (json_object_size(body) == 0) {
		json_decref(body);
		return cmd_usage(&cmd_delete_entry, "say which messages");
	}
	if ((rc = cmd_post(ctx, "/v1/messages/delete", body, &reply)) != CMD_OK)
		return rc;
	if (reply != NULL)
		printf("deleted %lld message(s)\n", (long long)
		    json_integer_value(json_object_get(reply, "deleted")));
	json_decref(reply);
	return CMD_OK;
}

static int
cmd_retry_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	json_t	*body, *reply;
	int	 rc;

	if (argc > 2)
		return cmd_usage(&cmd_retry_entry, "too many arguments");
	body = argc == 2 ? json_pack("{s:s}", "petname", argv[1]) :
	    json_object();
	if ((rc = cmd_post(ctx, "/v1/retry", body, &reply)) != CMD_OK)
		return rc;
	if (reply != NULL)
		printf("retrying %lld message(s) now\n", (long long)
		    json_integer_value(json_object_get(reply, "retrying")));
	json_decref(reply);
	return CMD_OK;
}

const struct cmd_entry cmd_send_entry = {
	.name = "send",
	.usage = "petname text... | petname -",
	.summary = "send a message (queued durably; - reads standard input)",
	.exec = cmd_send_exec,
};

const struct cmd_entry cmd_messages_entry = {
	.name = "messages",
	.usage = "[petname]",
	.summary = "show a conversation, or all messages, oldest first",
	.exec = cmd_messages_exec,
};

const struct cmd_entry cmd_delete_entry = {
	.name = "delete",
	.usage = "id | --contact petname | --before date",
	.summary = "delete messages, their plaintext included, from disk",
	.exec = cmd_delete_exec,
};

const struct cmd_entry cmd_retry_entry = {
	.name = "retry",
	.usage = "[petname]",
	.summary = "try to deliver waiting messages now",
	.exec = cmd_retry_exec,
};
