/*
 * petmaild: the petmail agent. It owns a tor, publishes an onion service
 * as its delivery address, and serves the local API that petmail(1)
 * drives on a unix socket and the web page on 127.0.0.1 (ui.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "agent.h"
#include "cmd.h"
#include "events.h"
#include "invite.h"
#include "messages.h"
#include "net.h"
#include "log.h"
#include "statedir.h"
#include "store.h"
#include "version.h"
#include "wipe.h"
#include "xmalloc.h"

static struct agent	 agent;
static int		 pid_fd = -1;

static void
usage(void)
{
	fprintf(stderr, "usage: petmaild [-f] [-d dir]\n"
	    "       petmaild --version\n");
	exit(CMD_USAGE);
}

/*
 * Raise the soft limit on descriptors towards what the inbound limits
 * want (onion.c sizes them from what we get): desktop sessions often
 * start programs with 1024, far below the hard limit.
 */
static void
agent_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur >= ONION_FDS_WANTED)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
	    rl.rlim_max > ONION_FDS_WANTED ? ONION_FDS_WANTED : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

static void
agent_signal(evutil_socket_t sig, short what, void *arg)
{
	struct agent	*a = arg;
	struct conf	 conf;
	char		 err[512];

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		agent_shutdown(a, sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	case SIGHUP:
		if (log_reopen() == -1)
			log_warn("cannot reopen %s", a->log_path);
		/* Settings that apply without a restart: the log level. */
		conf_init(&conf);
		if (conf_load(&conf, a->conf_path, err, sizeof(err)) == -1) {
			log_warnx("configuration not reloaded: %s", err);
			conf_clear(&conf);
			break;
		}
		log_set_level(conf.log_level);
		a->conf.log_level = conf.log_level;
		conf_clear(&conf);
		log_info("log reopened and configuration reloaded");
		break;
	}
}

/*
 * Take the pid file's lock: it is held for as long as we run, so a pid
 * file whose lock is free is stale. -1 with ERR if an agent runs.
 */
static int
pidfile_lock(const char *path, char *err, size_t errlen)
{
	char	buf[32];
	ssize_t	n;

	pid_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (pid_fd == -1) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (flock(pid_fd, LOCK_EX | LOCK_NB) == -1) {
		n = read(pid_fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(err, errlen, "an agent is already running in this "
		    "directory (pid %s)", buf[0] ? buf : "unknown");
		close(pid_fd);
		pid_fd = -1;
		return -1;
	}
	return 0;
}

static void
pidfile_write(void)
{
	char	buf[32];
	int	n;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pid_fd, 0) == -1 || pwrite(pid_fd, buf, (size_t)n, 0) != n)
		log_warn("cannot write the pid file");
}

/*
 * Detach, but only report success once the agent serves its API: the
 * parent waits on a pipe for the child's first word.
 */
static int
daemonize(int *notify_fd)
{
	char	msg[512];
	ssize_t	n;
	pid_t	pid;
	int	fds[2], devnull;

	if (pipe2(fds, O_CLOEXEC) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid != 0) {
		close(fds[1]);
		n = read(fds[0], msg, sizeof(msg) - 1);
		if (n <= 0) {
			fprintf(stderr, "petmaild: the agent exited during "
			    "start-up; see its log\n");
			_exit(1);
		}
		msg[n] = '\0';
		if (strcmp(msg, "ok") != 0) {
			fprintf(stderr, "petmaild: %s\n", msg);
			_exit(1);
		}
		_exit(0);
	}
	close(fds[0]);
	if (setsid() == -1)
		fatal("setsid");
	if ((devnull = open("/dev/null", O_RDWR)) != -1) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}
	*notify_fd = fds[1];
	return 0;
}

static void
notify(int *fd, const char *msg)
{
	if (*fd == -1)
		return;
	if (write(*fd, msg, strlen(msg)) == -1)
		log_warn("cannot report start-up");
	close(*fd);
	*fd = -1;
}

/* Fail start-up: tell whoever waits (the parent or the terminal). */
static void __attribute__((noreturn))
startup_failed(int *notify_fd, const char *msg)
{
	log_warnx("%s", msg);
	notify(notify_fd, msg);
	exit(1);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir",	required_argument,	NULL, 'd' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	struct agent		*a = &agent;
	struct event		*sigs[3];
	const int		 signums[3] = { SIGTERM, SIGINT, SIGHUP };
	struct rlimit		 nocore = { 0, 0 };
	const char		*dir = NULL;
	char			 err[1024];
	int			 ch, foreground = 0, notify_fd = -1, i;

	log_init("petmaild", LOG_LEVEL_INFO);
	/* First: the libraries must allocate nothing before this. */
	if (wipe_install() == -1)
		fatalx("cannot make the libraries wipe what they free");
	while ((ch = getopt_long(argc, argv, "d:fhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'V':
			version_print(stdout, "petmaild");
			return 0;
		case 'h':
		default:
			usage();
		}
	}
	if (argc != optind)
		usage();

	/* Secrets stay in this process: no core dumps, no ptrace by peers. */
	setrlimit(RLIMIT_CORE, &nocore);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	agent_raise_nofile();
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		fatalx("libsodium cannot initialise");

	if ((a->dir = statedir_resolve(dir, err, sizeof(err))) == NULL ||
	    statedir_check(a->dir, err, sizeof(err)) == -1)
		fatalx("%s", err);
	agent_paths(a);
	conf_init(&a->conf);
	if (conf_load(&a->conf, a->conf_path, err, sizeof(err)) == -1)
		fatalx("%s", err);
	log_set_level(a->conf.log_level);
	if (pidfile_lock(a->pid_path, err, sizeof(err)) == -1)
		fatalx("%s", err);

	if (!foreground)
		daemonize(&notify_fd);
	if (log_open(a->log_path) == -1)
		startup_failed(&notify_fd, "cannot open the log file");
	if (foreground)
		log_also_stderr(1);
	pidfile_write();
	log_info("petmaild %s starting in %s", PACKAGE_VERSION, a->dir);

	if (store_open(&a->store, a->db_path, err, sizeof(err)) == -1 ||
	    store_identity_load(a->store, &a->id) == -1) {
		if (a->store != NULL)
			snprintf(err, sizeof(err), "cannot load the agent's "
			    "identity from the database");
		startup_failed(&notify_fd, err);
	}

	/* A jump while the agent was stopped, before anything is resumed. */
	if (store_clock_load(a->store, &a->clock) == -1)
		log_warnx("database: cannot read the last clock mark");
	agent_clock_check(a);

	if ((a->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	for (i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(a->base, signums[i], agent_signal, a);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) == -1)
			fatalx("cannot handle signal %d", signums[i]);
	}
	a->net = net_new(a->base);
	if (agent_serve_start(a, err, sizeof(err)) == -1 ||
	    ui_start(a, err, sizeof(err)) == -1 ||
	    agent_tor_start(a, err, sizeof(err)) == -1)
		startup_failed(&notify_fd, err);
	notify(&notify_fd, "ok");
	log_info("serving the local API on %s", a->sock_path);

	event_base_dispatch(a->base);

	log_info("stopped");
	a->clock_saved = 0;
	agent_clock_check(a);
	ui_stop(a);
	agent_serve_stop(a);
	net_free(a->net);
	agent_tor_free(a);
	unlink(a->sock_path);
	unlink(a->onion_path);
	unlink(a->invite_path);
	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	event_base_free(a->base);
	store_identity_free(a->id);
	store_close(a->store);
	conf_clear(&a->conf);
	unlink(a->pid_path);
	close(pid_fd);
	agent_free_paths(a);
	log_close();
	return 0;
}
