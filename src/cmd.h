/*
 * The petmail command line: one table of commands (cmd.c), one file per
 * command (cmd-NAME.c). To add a command, write cmd-NAME.c with its
 * struct cmd_entry, list it in cmd_table[] and src/include.am, and
 * document it in man/petmail.1.
 */
#ifndef PETMAIL_CMD_H
#define PETMAIL_CMD_H

#include <stdio.h>
#include <sysexits.h>

/* Exit statuses, as petmail(1) documents them. */
#define CMD_OK		0
#define CMD_ERROR	1
#define CMD_USAGE	EX_USAGE	/* 64 */
#define CMD_NOAGENT	EX_UNAVAILABLE	/* 69 */

struct cmd_ctx {
	const char	*statedir;	/* -d DIR, $PETMAIL_DIR or ~/.petmail */
	char		*dir;		/* the resolved, absolute state dir */
	int		 json;		/* --json: machine-readable output */
};

struct cmd_entry {
	const char	*name;
	const char	*usage;		/* arguments, after the name */
	const char	*summary;	/* one line for `petmail help` */
	/* argv[0] is the command name; returns an exit status. */
	int		(*exec)(struct cmd_ctx *, int, char **);
};

extern const struct cmd_entry *const cmd_table[];

const struct cmd_entry *cmd_find(const char *);
void	cmd_print_usage(FILE *);
/* Print "usage: petmail NAME USAGE" (after MSG, if any); return 64. */
int	cmd_usage(const struct cmd_entry *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Print "petmail: MSG" on stderr and return STATUS. */
int	cmd_fail(int, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Resolve ctx->statedir to an absolute path (kept in ctx); -1 after
 * printing why. */
int	cmd_resolve_dir(struct cmd_ctx *);
/*
 * One API request to the agent. On a 2xx answer returns CMD_OK with the
 * JSON in *REPLY (caller frees; REPLY may be NULL); otherwise prints the
 * reason and returns CMD_NOAGENT or CMD_ERROR.
 */
struct json_t;
int	cmd_call(struct cmd_ctx *, const char *method, const char *path,
	    struct json_t *body, struct json_t **reply);
/*
 * POST BODY (taken) to PATH. With --json, print the answer and set *REPLY
 * to NULL; otherwise *REPLY is the answer for the caller to report (and
 * free). Returns an exit status, as cmd_call.
 */
int	cmd_post(struct cmd_ctx *, const char *path, struct json_t *body,
	    struct json_t **reply);
/* Print JSON to stdout, indented, with a newline. */
void	cmd_print_json(struct json_t *);

extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_create_entry;
extern const struct cmd_entry cmd_start_entry;
extern const struct cmd_entry cmd_stop_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_watch_entry;
extern const struct cmd_entry cmd_config_check_entry;
extern const struct cmd_entry cmd_invite_entry;
extern const struct cmd_entry cmd_accept_entry;
extern const struct cmd_entry cmd_contacts_entry;
extern const struct cmd_entry cmd_rename_entry;
extern const struct cmd_entry cmd_remove_entry;
extern const struct cmd_entry cmd_send_entry;
extern const struct cmd_entry cmd_messages_entry;
extern const struct cmd_entry cmd_delete_entry;
extern const struct cmd_entry cmd_retry_entry;
extern const struct cmd_entry cmd_open_entry;

/* Follow an introduction to its end and report it (cmd-invite.c). */
int	cmd_wait_introduction(struct cmd_ctx *, long id);

#endif
