/*
 * What the fuzz targets share: a scratch directory, and HTTP exchanges
 * with the agent's real servers on their unix sockets (see fuzz.h).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include "fuzz.h"

#define FUZZ_HTTP_OPEN_MAX	16	/* requests left waiting at once */
#define FUZZ_HTTP_ANSWER_MAX	(1024 * 1024)
#define FUZZ_HTTP_IDLE		4	/* quiet loop turns: the server waits */
#define FUZZ_HTTP_TURNS		100000	/* a server that never stops talking */

static char	tmpdir[256];
static int	open_fds[FUZZ_HTTP_OPEN_MAX];
static int	nopen;

void
fuzz_die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "fuzz harness: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
tmpdir_remove(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * The agent's database is a real sqlite file with synchronous=FULL: on a
 * disk, every commit waits for fsync. /dev/shm keeps that off the disk;
 * FUZZ_TMPDIR or TMPDIR choose another place.
 */
const char *
fuzz_tmpdir(void)
{
	struct stat	 sb;
	const char	*base;

	if (tmpdir[0] != '\0')
		return tmpdir;
	if ((base = getenv("FUZZ_TMPDIR")) == NULL) {
		if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) &&
		    access("/dev/shm", W_OK) == 0)
			base = "/dev/shm";
		else if ((base = getenv("TMPDIR")) == NULL)
			base = "/tmp";
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/petmail-fuzz.XXXXXX", base);
	if (mkdtemp(tmpdir) == NULL)
		fuzz_die("mkdtemp %s: %s", tmpdir, strerror(errno));
	atexit(tmpdir_remove);
	return tmpdir;
}

void
fuzz_loop_settle(struct event_base *base)
{
	int	i;

	for (i = 0; i < FUZZ_HTTP_IDLE; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

void
fuzz_http_answer_clear(struct fuzz_http_answer *ans)
{
	free(ans->body);
	memset(ans, 0, sizeof(*ans));
}

/* "HTTP/1.x NNN ..." then headers, a blank line and the body. */
static void
answer_parse(struct fuzz_http_answer *ans, const char *buf, size_t len)
{
	const char	*end;
	size_t		 off;

	if (len >= 13 && memcmp(buf, "HTTP/1.", 7) == 0 && buf[8] == ' ' &&
	    buf[9] >= '1' && buf[9] <= '5' && buf[10] >= '0' &&
	    buf[10] <= '9' && buf[11] >= '0' && buf[11] <= '9' &&
	    buf[12] == ' ')
		ans->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 +
		    (buf[11] - '0');
	if ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL)
		return;
	off = (size_t)(end - buf) + 4;
	ans->bodylen = len - off;
	if ((ans->body = malloc(ans->bodylen + 1)) == NULL)
		fuzz_die("out of memory");
	memcpy(ans->body, buf + off, ans->bodylen);
	ans->body[ans->bodylen] = '\0';
}

void
fuzz_http_exchange(struct event_base *base, const char *path,
    const void *req, size_t len, struct fuzz_http_answer *ans)
{
	struct sockaddr_un	 sun;
	static char		*buf;
	const uint8_t		*p = req;
	size_t			 off = 0, got = 0;
	ssize_t			 n;
	int			 fd, idle = 0, turns, eof = 0;

	memset(ans, 0, sizeof(*ans));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		fuzz_die("socket path %s too long", path);
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fuzz_die("connect %s: %s", path, strerror(errno));

	/* Kept: a fresh megabyte per exchange costs more than the rest. */
	if (buf == NULL && (buf = malloc(FUZZ_HTTP_ANSWER_MAX)) == NULL)
		fuzz_die("out of memory");
	for (turns = 0; turns < FUZZ_HTTP_TURNS; turns++) {
		if (off < len) {
			n = write(fd, p + off, len - off);
			if (n > 0)
				off += (size_t)n;
			else if (n == -1 && errno != EAGAIN)
				off = len;	/* the server hung up */
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = read(fd, buf + got, FUZZ_HTTP_ANSWER_MAX - got);
		if (n > 0) {
			got += (size_t)n;
			idle = 0;
			if (got == FUZZ_HTTP_ANSWER_MAX)
				fuzz_die("an answer of more than %d bytes",
				    FUZZ_HTTP_ANSWER_MAX);
		} else if (n == 0) {
			eof = 1;
			break;
		} else if (errno != EAGAIN && errno != ECONNRESET)
			fuzz_die("read: %s", strerror(errno));
		else if (off == len && ++idle >= FUZZ_HTTP_IDLE)
			break;
	}
	if (turns == FUZZ_HTTP_TURNS)
		fuzz_die("the server never stopped answering");
	answer_parse(ans, buf, got);
	if (eof) {
		close(fd);
		return;
	}
	ans->open = 1;
	if (nopen == FUZZ_HTTP_OPEN_MAX) {
		close(fd);
		fuzz_loop_settle(base);
	} else
		open_fds[nopen++] = fd;
}

void
fuzz_http_close_all(struct event_base *base)
{
	while (nopen > 0)
		close(open_fds[--nopen]);
	fuzz_loop_settle(base);
}
