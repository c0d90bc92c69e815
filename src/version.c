#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "version.h"

extern char **environ;

const char *
version_tor_path(void)
{
	const char	*p = getenv("PETMAIL_TOR");

	if (p != NULL && *p != '\0')
		return p;
	return PETMAIL_TOR_PATH;
}

int
version_parse_tor(char *out, size_t outlen, const char *text)
{
	const char	*prefix = "Tor version ";
	const char	*p = text, *end;
	size_t		 n;

	/* tor may print notices first; find the line that starts with it. */
	for (;;) {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			break;
		if ((p = strchr(p, '\n')) == NULL)
			return -1;
		p++;
	}
	p += strlen(prefix);
	for (end = p; *end != '\0' && *end != '\n' && *end != ' '; end++)
		;
	n = (size_t)(end - p);
	if (n > 0 && p[n - 1] == '.')
		n--;
	if (n == 0 || n >= outlen || n >= VERSION_TOR_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char	c = p[i];

		if (!((c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return -1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int
version_tor(char *out, size_t outlen, const char *path)
{
	posix_spawn_file_actions_t	 fa;
	char				 buf[4096];
	char				*argv[] = { (char *)path, (char *)"--version", NULL };
	struct pollfd			 pfd;
	size_t				 len = 0;
	ssize_t				 n;
	pid_t				 pid;
	int				 fds[2], status, rc;

	if (access(path, X_OK) == -1) {
		snprintf(out, outlen, "not found at %s (%s)", path,
		    strerror(errno));
		return -1;
	}
	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(out, outlen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
	    O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
	    O_RDONLY, 0);
	rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		snprintf(out, outlen, "cannot run %s: %s", path, strerror(rc));
		return -1;
	}

	/* Read at most 10 s of output: a broken binary must not hang us. */
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (len < sizeof(buf) - 1) {
		if (poll(&pfd, 1, 10000) <= 0)
			break;
		n = read(fds[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fds[0]);
	/* tor exits right after printing; one that does not is killed. */
	if (waitpid(pid, &status, WNOHANG) == 0) {
		usleep(100 * 1000);
		if (waitpid(pid, &status, WNOHANG) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
	}

	if (version_parse_tor(out, outlen, buf) == -1) {
		snprintf(out, outlen, "%s did not report a tor version", path);
		return -1;
	}
	return 0;
}

void
version_print(FILE *f, const char *progname)
{
	const curl_version_info_data	*cv;
	char				 tor[256];
	const char			*torpath = version_tor_path();

	cv = curl_version_info(CURLVERSION_NOW);
	fprintf(f, "%s %s\n", progname, PACKAGE_VERSION);
	fprintf(f, "libsodium %s\n", sodium_version_string());
	fprintf(f, "libevent %s\n", event_get_version());
	fprintf(f, "sqlite %s\n", sqlite3_libversion());
	fprintf(f, "libcurl %s\n", cv->version);
	fprintf(f, "jansson %s\n", jansson_version_str());
	if (version_tor(tor, sizeof(tor), torpath) == 0)
		fprintf(f, "tor %s (%s)\n", tor, torpath);
	else
		fprintf(f, "tor: %s; install the Debian package tor or set "
		    "PETMAIL_TOR\n", tor);
}
