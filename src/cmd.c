#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "client.h"
#include "cmd.h"
#include "statedir.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_create_entry,
	&cmd_start_entry,
	&cmd_stop_entry,
	&cmd_status_entry,
	&cmd_watch_entry,
	&cmd_invite_entry,
	&cmd_accept_entry,
	&cmd_contacts_entry,
	&cmd_rename_entry,
	&cmd_remove_entry,
	&cmd_send_entry,
	&cmd_messages_entry,
	&cmd_delete_entry,
	&cmd_retry_entry,
	&cmd_open_entry,
	&cmd_config_check_entry,
	&cmd_help_entry,
	&cmd_version_entry,
	NULL
};

const struct cmd_entry *
cmd_find(const char *name)
{
	const struct cmd_entry *const	*e;

	for (e = cmd_table; *e != NULL; e++)
		if (strcmp((*e)->name, name) == 0)
			return *e;
	return NULL;
}

void
cmd_print_usage(FILE *f)
{
	const struct cmd_entry *const	*e;

	fprintf(f, "usage: petmail [-d dir] [--json] command [args ...]\n"
	    "       petmail --version\n\ncommands:\n");
	for (e = cmd_table; *e != NULL; e++)
		fprintf(f, "  %-10s %s\n", (*e)->name, (*e)->summary);
	fprintf(f, "\nSee petmail(1) for details.\n");
}

int
cmd_usage(const struct cmd_entry *entry, const char *fmt, ...)
{
	va_list	ap;

	if (fmt != NULL) {
		fprintf(stderr, "petmail %s: ", entry->name);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "usage: petmail %s%s%s\n", entry->name,
	    entry->usage[0] != '\0' ? " " : "", entry->usage);
	return CMD_USAGE;
}

int
cmd_fail(int status, const char *fmt, ...)
{
	va_list	ap;

	fputs("petmail: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int
cmd_resolve_dir(struct cmd_ctx *ctx)
{
	char	err[512];

	if (ctx->dir != NULL)
		return 0;
	if ((ctx->dir = statedir_resolve(ctx->statedir, err,
	    sizeof(err))) == NULL) {
		cmd_fail(CMD_ERROR, "%s", err);
		return -1;
	}
	return 0;
}

int
cmd_call(struct cmd_ctx *ctx, const char *method, const char *path,
    json_t *body, json_t **reply)
{
	json_t	*j = NULL;
	char	 err[512];
	long	 code = 0;

	if (reply != NULL)
		*reply = NULL;
	if (cmd_resolve_dir(ctx) == -1)
		return CMD_ERROR;
	if (statedir_check(ctx->dir, err, sizeof(err)) == -1)
		return cmd_fail(CMD_NOAGENT, "%s", err);
	if (client_request(ctx->dir, method, path, body, &code, &j, err,
	    sizeof(err)) == -1)
		return cmd_fail(CMD_NOAGENT, "%s", err);
	if (code < 200 || code > 299) {
		cmd_fail(CMD_ERROR, "%s", client_error_text(j));
		json_decref(j);
		return CMD_ERROR;
	}
	if (reply != NULL)
		*reply = j;
	else
		json_decref(j);
	return CMD_OK;
}

int
cmd_post(struct cmd_ctx *ctx, const char *path, json_t *body, json_t **reply)
{
	int	rc;

	rc = cmd_call(ctx, "POST", path, body, reply);
	json_decref(body);
	if (rc == CMD_OK && ctx->json) {
		cmd_print_json(*reply);
		json_decref(*reply);
		*reply = NULL;
	}
	return rc;
}

void
cmd_print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
}
