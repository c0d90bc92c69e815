/*
 * What this build is made of: petmail's version, the libraries it was
 * linked with, and the tor binary it will run.
 */
#ifndef PETMAIL_VERSION_H
#define PETMAIL_VERSION_H

#include <stddef.h>
#include <stdio.h>

#define VERSION_TOR_MAX 64

/* The tor binary to use: $PETMAIL_TOR if set, else the configured default. */
const char *version_tor_path(void);

/*
 * Parse the output of `tor --version` ("Tor version 0.4.9.11.") into
 * OUT ("0.4.9.11"). Returns 0, or -1 when TEXT is not tor's answer.
 */
int	version_parse_tor(char *out, size_t outlen, const char *text);

/*
 * Run `PATH --version` and store tor's version in OUT. On failure returns
 * -1 and leaves a one-line reason in OUT ("not found at /x/tor").
 */
int	version_tor(char *out, size_t outlen, const char *path);

/* Print the version block shown by --version of both programs. */
void	version_print(FILE *, const char *progname);

#endif
