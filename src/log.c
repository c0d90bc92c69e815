#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_progname = "petmail";
static enum log_level	 log_verbosity = LOG_LEVEL_INFO;
static char		*log_path;
static FILE		*log_file;
static int		 log_stderr_too;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

void
log_init(const char *progname, enum log_level level)
{
	log_progname = progname;
	log_verbosity = level;
}

void
log_also_stderr(int on)
{
	log_stderr_too = on;
}

void
log_set_level(enum log_level level)
{
	log_verbosity = level;
}

int
log_level_parse(const char *s, enum log_level *level)
{
	size_t	i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcasecmp(s, log_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	return log_names[level];
}

static FILE *
log_fopen(const char *path)
{
	FILE	*f;
	int	 fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return NULL;
	if ((f = fdopen(fd, "a")) == NULL) {
		close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

int
log_open(const char *path)
{
	FILE	*f;

	if ((f = log_fopen(path)) == NULL)
		return -1;
	log_close();
	log_file = f;
	if ((log_path = strdup(path)) == NULL) {
		log_close();
		return -1;
	}
	return 0;
}

int
log_reopen(void)
{
	FILE	*f;

	if (log_path == NULL)
		return 0;
	if ((f = log_fopen(log_path)) == NULL)
		return -1;
	fclose(log_file);
	log_file = f;
	return 0;
}

void
log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
	free(log_path);
	log_path = NULL;
}

static void	log_vwrite(enum log_level, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static void
log_vwrite(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
	char		 msg[1024], stamp[32];
	const char	*err = NULL;
	struct tm	 tm;
	struct timespec	 ts;

	if (level > log_verbosity)
		return;
	if (with_errno)
		err = strerror(errno);
	vsnprintf(msg, sizeof(msg), fmt, ap);

	if (log_file != NULL) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(log_file, "%s.%03ldZ [%s] %s%s%s\n", stamp,
		    ts.tv_nsec / 1000000, log_names[level], msg,
		    err ? ": " : "", err ? err : "");
	}
	if (log_file == NULL || log_stderr_too) {
		fprintf(stderr, "%s: %s%s%s\n", log_progname, msg,
		    err ? ": " : "", err ? err : "");
	}
}

#define LOG_BODY(level, with_errno) do {		\
	va_list	ap;					\
	int	saved = errno;				\
	va_start(ap, fmt);				\
	log_vwrite(level, with_errno, fmt, ap);		\
	va_end(ap);					\
	errno = saved;					\
} while (0)

void log_warn(const char *fmt, ...)	{ LOG_BODY(LOG_LEVEL_WARN, 1); }
void log_warnx(const char *fmt, ...)	{ LOG_BODY(LOG_LEVEL_WARN, 0); }
void log_info(const char *fmt, ...)	{ LOG_BODY(LOG_LEVEL_INFO, 0); }
void log_debug(const char *fmt, ...)	{ LOG_BODY(LOG_LEVEL_DEBUG, 0); }

void
fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERROR, 1);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERROR, 0);
	exit(1);
}
