/*
 * The tor launcher: run tor as our child with a generated torrc (control
 * and SOCKS on unix sockets in a 0700 directory, cookie authentication,
 * owned by our pid, network disabled), wait for its control socket,
 * authenticate, TAKEOWNERSHIP, then follow bootstrap and report tor's exit
 * with its last log lines.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "torctl.h"
#include "torctl-int.h"

#define TOR_POLL_MS		25
#define TOR_TIMEOUT_MS		30000
#define TOR_KILL_MS		5000
#define TOR_LOGLINE_MAX		512
#define TOR_PATH_MAX		100

enum tor_state {
	TOR_STARTING = 0,
	TOR_READY,
	TOR_DONE,
};

struct torctl_tor {
	struct event_base		*base;
	struct torctl_tor_callbacks	 cb;
	enum tor_state			 state;
	char				 control_path[TOR_PATH_MAX + 8];
	char				 socks_path[TOR_PATH_MAX + 8];
	char				 why[TORCTL_ERROR_MAX];
	char				 last_error[TORCTL_ERROR_MAX];
	pid_t				 pid;
	int				 reaped;
	int				 wstatus;

	int				 logfd;
	struct event			*ev_log;
	char				 logpart[TOR_LOGLINE_MAX];
	size_t				 logpartlen;
	char				*loglines[TORCTL_LOG_LINES];
	size_t				 nlog;	/* lines ever seen */
	char				 lastlog[TORCTL_LOG_LINES *
					    (TOR_LOGLINE_MAX + 1)];

	struct event			*ev_chld;
	struct event			*ev_poll;	/* connect, reap */
	struct event			*ev_kill;
	struct timeval			 deadline;
	struct torctl			*ctl;
	int				 busy;
	int				 dead;
};

static void	tor_release(struct torctl_tor *);
static void	tor_check_exit(struct torctl_tor *);

static void
tor_log(struct torctl_tor *t, enum torctl_log_level level, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
tor_log(struct torctl_tor *t, enum torctl_log_level level, const char *fmt,
    ...)
{
	char	msg[1024];
	va_list	ap;

	if (t->cb.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->cb.log(level, msg, t->cb.arg);
}

static void
ctl_log_cb(enum torctl_log_level level, const char *msg, void *arg)
{
	struct torctl_tor	*t = arg;

	if (t->cb.log != NULL)
		t->cb.log(level, msg, t->cb.arg);
}

static void
tor_enter(struct torctl_tor *t)
{
	t->busy++;
}

static int
tor_leave(struct torctl_tor *t)
{
	if (--t->busy == 0 && t->dead) {
		tor_release(t);
		return -1;
	}
	return t->dead ? -1 : 0;
}

/* Tor's log, one line at a time, into a ring of the last lines. */
static void
tor_log_line(struct torctl_tor *t, const char *line)
{
	char	**slot = &t->loglines[t->nlog % TORCTL_LOG_LINES];

	free(*slot);
	*slot = strdup(line);
	t->nlog++;
	if (strstr(line, "[warn]") != NULL || strstr(line, "[err]") != NULL)
		tor_log(t, TORCTL_LOG_WARN, "tor: %s", line);
	else
		tor_log(t, TORCTL_LOG_DEBUG, "tor: %s", line);
}

static void
tor_log_read(struct torctl_tor *t)
{
	char	buf[4096];
	ssize_t	n, i;

	while (t->logfd != -1) {
		n = read(t->logfd, buf, sizeof(buf));
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			if (t->logpartlen > 0) {
				t->logpart[t->logpartlen] = '\0';
				tor_log_line(t, t->logpart);
				t->logpartlen = 0;
			}
			if (t->ev_log != NULL)
				event_free(t->ev_log);
			t->ev_log = NULL;
			close(t->logfd);
			t->logfd = -1;
			return;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' ||
			    t->logpartlen == sizeof(t->logpart) - 1) {
				t->logpart[t->logpartlen] = '\0';
				tor_log_line(t, t->logpart);
				t->logpartlen = 0;
				if (buf[i] == '\n')
					continue;
			}
			if (buf[i] != '\r' && buf[i] != '\0')
				t->logpart[t->logpartlen++] = buf[i];
		}
	}
}

static void
tor_log_cb(evutil_socket_t fd, short what, void *arg)
{
	struct torctl_tor	*t = arg;

	struct timeval		 tv = { 0, TOR_POLL_MS * 1000 };

	tor_enter(t);
	tor_log_read(t);
	if (t->logfd == -1) {
		tor_check_exit(t);
		/* Tor closed its end: it is exiting, if not yet reapable. */
		if (!t->reaped && t->state == TOR_READY)
			event_add(t->ev_poll, &tv);
	}
	(void)tor_leave(t);
}

const char *
torctl_tor_last_log(const struct torctl_tor *tc)
{
	struct torctl_tor	*t = (struct torctl_tor *)tc;
	size_t			 i, first;

	t->lastlog[0] = '\0';
	first = t->nlog > TORCTL_LOG_LINES ? t->nlog - TORCTL_LOG_LINES : 0;
	for (i = first; i < t->nlog; i++) {
		torctl_strlcat(t->lastlog, t->loglines[i % TORCTL_LOG_LINES] ?
		    t->loglines[i % TORCTL_LOG_LINES] : "", sizeof(t->lastlog));
		torctl_strlcat(t->lastlog, "\n", sizeof(t->lastlog));
	}
	return t->lastlog;
}

/* Tor's warnings among its last lines, for an error message. */
static void
tor_warnings(struct torctl_tor *t, char *out, size_t outlen)
{
	const char	*l, *m;
	size_t		 i, first;

	out[0] = '\0';
	first = t->nlog > TORCTL_LOG_LINES ? t->nlog - TORCTL_LOG_LINES : 0;
	for (i = first; i < t->nlog; i++) {
		if ((l = t->loglines[i % TORCTL_LOG_LINES]) == NULL)
			continue;
		if ((m = strstr(l, "[warn] ")) == NULL &&
		    (m = strstr(l, "[err] ")) == NULL)
			continue;
		m = strchr(m, ' ') + 1;
		if (out[0] != '\0')
			torctl_strlcat(out, " / ", outlen);
		torctl_strlcat(out, m, outlen);
	}
	if (out[0] == '\0' && t->nlog > 0 &&
	    (l = t->loglines[(t->nlog - 1) % TORCTL_LOG_LINES]) != NULL)
		torctl_strlcpy(out, l, outlen);
}

static void
tor_finish(struct torctl_tor *t, const char *why)
{
	char	 msg[TORCTL_ERROR_MAX], warn[TORCTL_ERROR_MAX];
	enum tor_state was = t->state;

	if (t->state == TOR_DONE)
		return;
	t->state = TOR_DONE;
	if (t->ev_poll != NULL)
		event_del(t->ev_poll);
	if (was == TOR_STARTING) {
		tor_warnings(t, warn, sizeof(warn));
		/* A long warning is cut short: it is for people to read. */
		if (warn[0] != '\0' && snprintf(msg, sizeof(msg), "%s: %s",
		    why, warn) >= (int)sizeof(msg))
			msg[sizeof(msg) - 1] = '\0';
		else if (warn[0] == '\0')
			snprintf(msg, sizeof(msg), "%s", why);
		tor_log(t, TORCTL_LOG_ERROR, "tor failed to start: %s", msg);
		if (t->cb.ready != NULL)
			t->cb.ready(t, -1, msg, t->cb.arg);
	} else {
		tor_log(t, TORCTL_LOG_WARN, "%s", why);
		if (t->cb.exit != NULL)
			t->cb.exit(t, why, torctl_tor_last_log(t), t->cb.arg);
	}
}

/* Reap tor if it exited; report once its log pipe is drained. */
static void
tor_check_exit(struct torctl_tor *t)
{
	char	why[TORCTL_ERROR_MAX];
	pid_t	rv;

	if (!t->reaped && t->pid > 0) {
		rv = waitpid(t->pid, &t->wstatus, WNOHANG);
		if (rv != t->pid)
			return;
		t->reaped = 1;
	}
	if (!t->reaped)
		return;
	/* Whatever tor wrote before exiting is in the pipe. */
	tor_log_read(t);
	if (t->ev_kill != NULL)
		event_del(t->ev_kill);
	if (t->why[0] != '\0')
		snprintf(why, sizeof(why), "%.400s; tor ", t->why);
	else
		snprintf(why, sizeof(why), "tor ");
	if (WIFEXITED(t->wstatus))
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
		    "exited with status %d", WEXITSTATUS(t->wstatus));
	else if (WIFSIGNALED(t->wstatus))
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
		    "was killed by signal %d", WTERMSIG(t->wstatus));
	else
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
		    "stopped");
	tor_finish(t, why);
}

static void
tor_chld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct torctl_tor	*t = arg;

	tor_enter(t);
	tor_check_exit(t);
	(void)tor_leave(t);
}

static void
tor_kill_cb(evutil_socket_t fd, short what, void *arg)
{
	struct torctl_tor	*t = arg;

	if (!t->reaped && t->pid > 0) {
		tor_log(t, TORCTL_LOG_WARN, "tor did not exit; killing it");
		kill(t->pid, SIGKILL);
	}
}

/* Make tor exit, because we lost it or gave up; report when reaped. */
static void
tor_abandon(struct torctl_tor *t, const char *why)
{
	struct timeval	tv = { TOR_KILL_MS / 1000, 0 };

	if (t->why[0] == '\0')
		torctl_strlcpy(t->why, why, sizeof(t->why));
	if (t->ctl != NULL) {
		torctl_free(t->ctl);
		t->ctl = NULL;
	}
	if (!t->reaped && t->pid > 0) {
		kill(t->pid, SIGTERM);
		evtimer_add(t->ev_kill, &tv);
	}
	tor_check_exit(t);
}

static void
ctl_close_cb(struct torctl *ctl, const char *reason, void *arg)
{
	struct torctl_tor	*t = arg;
	char			 why[TORCTL_ERROR_MAX];

	tor_enter(t);
	snprintf(why, sizeof(why), "control connection lost (%s)", reason);
	tor_abandon(t, why);
	(void)tor_leave(t);
}

static void
bootstrap_cb(struct torctl *ctl, int status, const char *error,
    const struct torctl_bootstrap *b, void *arg)
{
	struct torctl_tor	*t = arg;

	if (t->dead || status == -1 || t->cb.bootstrap == NULL)
		return;
	tor_enter(t);
	t->cb.bootstrap(t, b, t->cb.arg);
	(void)tor_leave(t);
}

static void
takeownership_cb(struct torctl *ctl, int status, const char *error,
    void *arg)
{
	struct torctl_tor	*t = arg;
	char			 why[TORCTL_ERROR_MAX];

	if (t->dead || t->state != TOR_STARTING)
		return;
	tor_enter(t);
	if (status == -1) {
		snprintf(why, sizeof(why), "TAKEOWNERSHIP failed: %s", error);
		tor_abandon(t, why);
		(void)tor_leave(t);
		return;
	}
	/*
	 * From now on, no timer: an idle agent must not wake up. Tor's exit
	 * is seen through SIGCHLD, and, in case someone else's waitpid()
	 * takes that signal, through its log pipe closing, after which we
	 * poll until it can be reaped (tor_log_cb()).
	 */
	event_del(t->ev_poll);
	t->state = TOR_READY;
	torctl_set_close_cb(t->ctl, ctl_close_cb, t);
	if (t->cb.bootstrap != NULL &&
	    (torctl_watch_bootstrap(t->ctl, bootstrap_cb, t) == -1 ||
	    torctl_bootstrap_phase(t->ctl, bootstrap_cb, t) == -1))
		tor_log(t, TORCTL_LOG_WARN, "cannot follow tor's bootstrap: %s",
		    torctl_error(t->ctl));
	if (t->cb.ready != NULL)
		t->cb.ready(t, 0, NULL, t->cb.arg);
	(void)tor_leave(t);
}

static void
ctl_ready_cb(struct torctl *ctl, int status, const char *error, void *arg)
{
	struct torctl_tor	*t = arg;
	struct timeval		 now;
	char			 why[TORCTL_ERROR_MAX];

	if (t->dead)
		return;
	tor_enter(t);
	evutil_gettimeofday(&now, NULL);
	if (status == -1 && strstr(error, "cookie file") != NULL &&
	    evutil_timercmp(&now, &t->deadline, <)) {
		/* Tor may listen before it has written its cookie: try
		 * again on the next poll. */
		tor_log(t, TORCTL_LOG_DEBUG, "retrying: %s", error);
		torctl_strlcpy(t->last_error, error, sizeof(t->last_error));
		t->ctl = NULL;
		torctl_free(ctl);
	} else if (status == -1) {
		snprintf(why, sizeof(why), "%s", error);
		tor_abandon(t, why);
	} else if (torctl_takeownership(ctl, takeownership_cb, t) == -1)
		tor_abandon(t, "cannot send TAKEOWNERSHIP");
	(void)tor_leave(t);
}

/* Until ready: try the control socket, watch the deadline. */
static void
tor_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct torctl_tor	*t = arg;
	struct timeval		 now;
	char			 addr[TOR_PATH_MAX + 16], why[TORCTL_ERROR_MAX];

	tor_enter(t);
	tor_check_exit(t);
	if (t->state != TOR_STARTING || t->why[0] != '\0')
		goto out;
	evutil_gettimeofday(&now, NULL);
	if (evutil_timercmp(&now, &t->deadline, >)) {
		snprintf(why, sizeof(why), "tor was not ready in time "
		    "(%.300s)", t->ctl != NULL && torctl_is_ready(t->ctl) ?
		    "TAKEOWNERSHIP" : t->ctl != NULL ? "authenticating" :
		    t->last_error[0] != '\0' ? t->last_error :
		    "no control socket");
		tor_abandon(t, why);
		goto out;
	}
	if (t->ctl != NULL || access(t->control_path, F_OK) == -1)
		goto out;
	if ((t->ctl = torctl_new(t->base)) == NULL) {
		tor_abandon(t, "out of memory");
		goto out;
	}
	torctl_set_log_cb(t->ctl, ctl_log_cb, t);
	snprintf(addr, sizeof(addr), "unix:%s", t->control_path);
	if (torctl_connect(t->ctl, addr, ctl_ready_cb, t) == -1) {
		/* Tor made the file but does not listen yet: retry. */
		torctl_free(t->ctl);
		t->ctl = NULL;
	}
out:
	(void)tor_leave(t);
}

static int
path_ok(const char *p)
{
	return strpbrk(p, " \t\r\n\"\\") == NULL;
}

static int
tor_prepare_dir(const char *dir, char *err, size_t errlen)
{
	struct stat	st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s must be a directory of ours with "
		    "mode 0700 (tor refuses sockets elsewhere)", dir);
		return -1;
	}
	return 0;
}

static int
tor_write_torrc(const char *path, const struct torctl_tor_config *cfg,
    const struct torctl_tor *t, char *err, size_t errlen)
{
	FILE	*f;
	size_t	 i;
	int	 fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	fprintf(f, "# Written by libtorctl for pid %ld; rewritten at each "
	    "start.\n", (long)getpid());
	fprintf(f, "DataDirectory %s\n",
	    cfg->data_dir != NULL ? cfg->data_dir : cfg->dir);
	fprintf(f, "ControlPort unix:%s\n", t->control_path);
	if (cfg->no_socks)
		fprintf(f, "SocksPort 0\n");
	else
		fprintf(f, "SocksPort unix:%s%s%s\n", t->socks_path,
		    cfg->socks_flags != NULL ? " " : "",
		    cfg->socks_flags != NULL ? cfg->socks_flags : "");
	fprintf(f, "CookieAuthentication 1\n");
	fprintf(f, "__OwningControllerProcess %ld\n", (long)getpid());
	fprintf(f, "DisableNetwork 1\n");
	fprintf(f, "Log notice stdout\n");
	fprintf(f, "RunAsDaemon 0\n");
	for (i = 0; i < cfg->ntorrc_lines; i++)
		fprintf(f, "%s\n", cfg->torrc_lines[i]);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void	tor_child(const char *, const char *, int)
		    __attribute__((noreturn));

static void
tor_child(const char *tor_path, const char *torrc, int logfd)
{
	sigset_t	 all;
	const char	*argv[] = { tor_path, "-f", torrc, "--defaults-torrc",
	    "/dev/null", NULL };
	char		 msg[512];
	int		 fd;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	if ((fd = open("/dev/null", O_RDONLY)) != -1 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	dup2(logfd, 1);
	dup2(logfd, 2);
	closefrom(3);
	execv(tor_path, (char *const *)argv);
	snprintf(msg, sizeof(msg), "[err] cannot run %s: %s\n", tor_path,
	    strerror(errno));
	(void)write(1, msg, strlen(msg));
	_exit(127);
}

struct torctl_tor *
torctl_tor_launch(struct event_base *base, const struct torctl_tor_config *cfg,
    const struct torctl_tor_callbacks *cb, char *error, size_t errorlen)
{
	struct torctl_tor	*t;
	struct timeval		 tv;
	char			 torrc[TOR_PATH_MAX + 8], err[TORCTL_ERROR_MAX];
	char			 cookie[TOR_PATH_MAX + 32];
	int			 pfd[2] = { -1, -1 }, timeout;
	size_t			 i;

	if (error != NULL && errorlen > 0)
		error[0] = '\0';
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		if (error != NULL)
			torctl_strlcpy(error, "out of memory", errorlen);
		return NULL;
	}
	t->base = base;
	t->cb = *cb;
	t->logfd = -1;
	err[0] = '\0';

	if (cfg->tor_path == NULL || cfg->dir == NULL) {
		snprintf(err, sizeof(err), "no tor binary or directory given");
		goto fail;
	}
	if (strlen(cfg->dir) + sizeof("/control.sock") > TOR_PATH_MAX ||
	    !path_ok(cfg->dir) ||
	    (cfg->data_dir != NULL && !path_ok(cfg->data_dir))) {
		snprintf(err, sizeof(err), "tor directory path too long or "
		    "holding spaces or quotes: %s", cfg->dir);
		goto fail;
	}
	if (cfg->socks_flags != NULL && strpbrk(cfg->socks_flags, "\r\n")) {
		snprintf(err, sizeof(err), "bad SOCKS flags");
		goto fail;
	}
	for (i = 0; i < cfg->ntorrc_lines; i++) {
		if (strpbrk(cfg->torrc_lines[i], "\r\n") != NULL) {
			snprintf(err, sizeof(err), "torrc line %zu holds a "
			    "line break", i + 1);
			goto fail;
		}
	}
	if (access(cfg->tor_path, X_OK) == -1) {
		snprintf(err, sizeof(err), "tor not found at %s: %s",
		    cfg->tor_path, strerror(errno));
		goto fail;
	}
	if (tor_prepare_dir(cfg->dir, err, sizeof(err)) == -1)
		goto fail;
	snprintf(t->control_path, sizeof(t->control_path), "%s/control.sock",
	    cfg->dir);
	snprintf(t->socks_path, sizeof(t->socks_path), "%s/socks.sock",
	    cfg->dir);
	snprintf(torrc, sizeof(torrc), "%s/torrc", cfg->dir);
	snprintf(cookie, sizeof(cookie), "%s/control_auth_cookie",
	    cfg->data_dir != NULL ? cfg->data_dir : cfg->dir);
	/* A stale socket or cookie from an earlier tor would mislead us. */
	(void)unlink(t->control_path);
	(void)unlink(cookie);
	if (tor_write_torrc(torrc, cfg, t, err, sizeof(err)) == -1)
		goto fail;

	if (pipe2(pfd, O_CLOEXEC) == -1) {
		snprintf(err, sizeof(err), "pipe: %s", strerror(errno));
		goto fail;
	}
	t->ev_chld = evsignal_new(base, SIGCHLD, tor_chld_cb, t);
	t->ev_poll = event_new(base, -1, EV_PERSIST, tor_poll_cb, t);
	t->ev_kill = evtimer_new(base, tor_kill_cb, t);
	t->ev_log = event_new(base, pfd[0], EV_READ | EV_PERSIST, tor_log_cb,
	    t);
	if (t->ev_chld == NULL || t->ev_poll == NULL || t->ev_kill == NULL ||
	    t->ev_log == NULL || evsignal_add(t->ev_chld, NULL) == -1) {
		snprintf(err, sizeof(err), "cannot set up events");
		goto fail;
	}
	switch (t->pid = fork()) {
	case -1:
		snprintf(err, sizeof(err), "fork: %s", strerror(errno));
		goto fail;
	case 0:
		tor_child(cfg->tor_path, torrc, pfd[1]);
		/* NOTREACHED */
	default:
		break;
	}
	close(pfd[1]);
	t->logfd = pfd[0];
	(void)fcntl(t->logfd, F_SETFL, fcntl(t->logfd, F_GETFL) | O_NONBLOCK);
	event_add(t->ev_log, NULL);

	timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms : TOR_TIMEOUT_MS;
	evutil_gettimeofday(&t->deadline, NULL);
	tv.tv_sec = timeout / 1000;
	tv.tv_usec = (timeout % 1000) * 1000;
	evutil_timeradd(&t->deadline, &tv, &t->deadline);
	tv.tv_sec = 0;
	tv.tv_usec = TOR_POLL_MS * 1000;
	event_add(t->ev_poll, &tv);
	tor_log(t, TORCTL_LOG_INFO, "started tor (pid %ld) in %s",
	    (long)t->pid, cfg->dir);
	return t;

fail:
	if (pfd[0] != -1)
		close(pfd[0]);
	if (pfd[1] != -1)
		close(pfd[1]);
	t->logfd = -1;
	if (error != NULL && errorlen > 0)
		torctl_strlcpy(error, err, errorlen);
	if (cb->log != NULL)
		cb->log(TORCTL_LOG_ERROR, err, cb->arg);
	tor_release(t);
	return NULL;
}

struct torctl *
torctl_tor_control(struct torctl_tor *t)
{
	return t->state == TOR_READY ? t->ctl : NULL;
}

pid_t
torctl_tor_pid(const struct torctl_tor *t)
{
	return t->pid;
}

const char *
torctl_tor_control_path(const struct torctl_tor *t)
{
	return t->control_path;
}

const char *
torctl_tor_socks_path(const struct torctl_tor *t)
{
	return t->socks_path;
}

void
torctl_tor_stop(struct torctl_tor *t)
{
	tor_enter(t);
	tor_abandon(t, "stopped");
	(void)tor_leave(t);
}

static void
tor_release(struct torctl_tor *t)
{
	size_t	i;

	if (t->ev_chld != NULL)
		event_free(t->ev_chld);
	if (t->ev_poll != NULL)
		event_free(t->ev_poll);
	if (t->ev_kill != NULL)
		event_free(t->ev_kill);
	if (t->ev_log != NULL)
		event_free(t->ev_log);
	if (t->logfd != -1)
		close(t->logfd);
	for (i = 0; i < TORCTL_LOG_LINES; i++)
		free(t->loglines[i]);
	free(t);
}

void
torctl_tor_free(struct torctl_tor *t)
{
	if (t == NULL || t->dead)
		return;
	t->dead = 1;
	if (t->ctl != NULL)
		torctl_free(t->ctl);
	t->ctl = NULL;
	if (!t->reaped && t->pid > 0) {
		kill(t->pid, SIGKILL);
		while (waitpid(t->pid, &t->wstatus, 0) == -1 && errno == EINTR)
			;
		t->reaped = 1;
	}
	if (t->busy == 0)
		tor_release(t);
}
