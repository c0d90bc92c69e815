#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"

static int
cmd_contacts_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	json_t		*j, *c;
	const char	*v, *addr;
	size_t		 i;
	int		 rc;

	if (argc != 1)
		return cmd_usage(&cmd_contacts_entry, "too many arguments");
	if ((rc = cmd_call(ctx, "GET", "/v1/contacts", NULL, &j)) != CMD_OK)
		return rc;
	if (ctx->json) {
		cmd_print_json(j);
		json_decref(j);
		return CMD_OK;
	}
	if (json_array_size(j) == 0)
		printf("no contacts yet: invite someone with petmail invite\n");
	json_array_foreach(j, i, c) {
		v = json_string_value(json_object_get(c, "verification"));
		addr = json_string_value(json_object_get(c, "address"));
		printf("%s\t%s", json_string_value(json_object_get(c,
		    "petname")), json_string_value(json_object_get(c,
		    "state")));
		if (v != NULL)
			printf("\tverification: %s", v);
		if (addr != NULL)
			printf("\t%s", addr);
		printf("\n");
	}
	json_decref(j);
	return CMD_OK;
}

/* POST BODY to PATH; print the answer (--json) or DONE. */
static int
contacts_change(struct cmd_ctx *ctx, const char *path, json_t *body,
    const char *done)
{
	json_t	*reply;
	int	 rc;

	if ((rc = cmd_post(ctx, path, body, &reply)) != CMD_OK)
		return rc;
	if (reply != NULL)
		printf("%s\n", done);
	json_decref(reply);
	return CMD_OK;
}

static int
cmd_rename_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	char	done[256];

	if (argc != 3)
		return cmd_usage(&cmd_rename_entry, argc < 3 ?
		    "which contact, and what new name?" : "too many arguments");
	snprintf(done, sizeof(done), "%s is now called %s", argv[1], argv[2]);
	return contacts_change(ctx, "/v1/contacts/rename", json_pack(
	    "{s:s, s:s}", "petname", argv[1], "new", argv[2]), done);
}

static int
cmd_remove_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	char	done[256];

	if (argc != 2)
		return cmd_usage(&cmd_remove_entry, argc < 2 ?
		    "which contact?" : "too many arguments");
	snprintf(done, sizeof(done), "removed %s", argv[1]);
	return contacts_change(ctx, "/v1/contacts/remove", json_pack("{s:s}",
	    "petname", argv[1]), done);
}

const struct cmd_entry cmd_contacts_entry = {
	.name = "contacts",
	.usage = "",
	.summary = "list your contacts: petname, state, verification phrase",
	.exec = cmd_contacts_exec,
};

const struct cmd_entry cmd_rename_entry = {
	.name = "rename",
	.usage = "petname new-petname",
	.summary = "give a contact another name",
	.exec = cmd_rename_exec,
};

const struct cmd_entry cmd_remove_entry = {
	.name = "remove",
	.usage = "petname",
	.summary = "remove a contact and its messages",
	.exec = cmd_remove_exec,
};
