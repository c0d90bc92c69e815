#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "statedir.h"
#include "xmalloc.h"

char *
statedir_resolve(const char *dir, char *err, size_t errlen)
{
	const char	*home;
	char		*path, *cwd, *joined;

	if (dir == NULL || *dir == '\0')
		dir = getenv("PETMAIL_DIR");
	if (dir != NULL && *dir != '\0')
		path = xstrdup(dir);
	else {
		home = getenv("HOME");
		if (home == NULL || *home != '/') {
			snprintf(err, errlen, "HOME is not set: choose a "
			    "state directory with -d DIR or PETMAIL_DIR");
			return NULL;
		}
		xasprintf(&path, "%s/.petmail", home);
	}
	if (path[0] == '/')
		return path;

	/* Relative: make it absolute, since the agent leaves the cwd. */
	if ((cwd = getcwd(NULL, 0)) == NULL) {
		snprintf(err, errlen, "cannot find the current directory: %s",
		    strerror(errno));
		free(path);
		return NULL;
	}
	xasprintf(&joined, "%s/%s", cwd, path);
	free(cwd);
	free(path);
	return joined;
}

char *
statedir_path(const char *dir, const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", dir, name);
	return p;
}

int
statedir_check(const char *dir, char *err, size_t errlen)
{
	struct stat	st;

	if (stat(dir, &st) == -1) {
		if (errno == ENOENT)
			snprintf(err, errlen, "no agent in %s: create one with "
			    "petmail create", dir);
		else
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s belongs to another user (uid %u)",
		    dir, (unsigned)st.st_uid);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s is accessible to other users (mode "
		    "%03o): run chmod 700 %s", dir,
		    (unsigned)(st.st_mode & 0777), dir);
		return -1;
	}
	return 0;
}

int
statedir_create(const char *dir, char *err, size_t errlen)
{
	char	*tor;

	if (mkdir(dir, 0700) == -1) {
		if (errno == EEXIST)
			snprintf(err, errlen, "%s already exists: remove it or "
			    "choose another directory with -d", dir);
		else
			snprintf(err, errlen, "cannot create %s: %s", dir,
			    strerror(errno));
		return -1;
	}
	/* mkdir honours the umask; make sure of 0700 whatever it is. */
	if (chmod(dir, 0700) == -1) {
		snprintf(err, errlen, "chmod %s: %s", dir, strerror(errno));
		return -1;
	}
	tor = statedir_path(dir, STATEDIR_TOR);
	if (mkdir(tor, 0700) == -1) {
		snprintf(err, errlen, "cannot create %s: %s", tor,
		    strerror(errno));
		free(tor);
		return -1;
	}
	free(tor);
	return 0;
}
