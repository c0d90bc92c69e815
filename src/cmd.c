#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

const struct cmd_entry *const cmd_table[] = {
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
