/*
 * bench-msg: times petmail messages from the outside, through the local
 * API of two agents, every timestamp taken by this one process on one
 * clock (CLOCK_MONOTONIC). It follows both agents' event streams
 * (GET /v1/events) and
 *
 *   warm:  sends COUNT messages one at a time (POST /v1/send on A) and
 *          times each from just before the POST to B's "message" event
 *          for it (also to A's answer and to A's "delivered" event); then
 *          CLI_COUNT more with `petmail send`, timed from just before the
 *          process starts. WARMUP messages first, not counted.
 *   cold:  the same for one message, with a long deadline.
 *   burst: queues COUNT messages of SIZE bytes as fast as the API takes
 *          them (PARALLEL requests in flight) and times until B has
 *          stored all and A has seen all delivered; counts messages that
 *          B stored out of the sender's order.
 *   list:  GET /v1/messages?contact=NAME on one agent REPS times.
 *
 * Prints one JSON object. Not installed.
 *
 *	usage: bench-msg warm  -a A.sock -b B.sock -c CONTACT [-n COUNT]
 *	           [-W WARMUP] [-z SIZE] [-g GAP_MS] [-P PETMAIL -D A_DIR
 *	           -N CLI_COUNT] [-t SECS]
 *	       bench-msg cold  -a A.sock -b B.sock -c CONTACT [-t SECS]
 *	       bench-msg burst -a A.sock -b B.sock -c CONTACT [-n COUNT]
 *	           [-z SIZE] [-p PARALLEL] [-t SECS]
 *	       bench-msg list  -a SOCK -c CONTACT [-n REPS]
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

extern char **environ;

#define BM_MAX_MESSAGES		100000
#define BM_MAX_EVENT		(1024 * 1024)
#define BM_MAX_REPLY		(64 * 1024 * 1024)
#define BM_POLL_MS		50

struct bm;

struct bm_stream {
	struct bm	*bm;
	CURL		*easy;
	int		 which;		/* 0: A (sender), 1: B (receiver) */
	char		*buf;
	size_t		 len;
	int		 ready;		/* its first event came */
};

struct bm_post {
	struct bm		*bm;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*body;
	char			*reply;
	size_t			 replylen;
	long			 index;
};

struct bm {
	CURLM		*multi;
	const char	*sock[2];
	const char	*contact;
	char		 prefix[64];	/* every body starts with it */
	long		 count;
	double		*sent, *replied, *arrived, *acked;
	long		 narrived, nacked, nreplied;
	long		 last_seq;	/* B's last stored seq */
	long		 out_of_order;
	int		 inflight;
	struct bm_stream streams[2];
};

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	ap;

	fputs("bench-msg: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *
bm_alloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n, size)) == NULL)
		die("out of memory");
	return p;
}

static CURL *
bm_easy(const char *sock, const char *path)
{
	CURL	*c;
	char	 url[512];

	if ((c = curl_easy_init()) == NULL)
		die("curl_easy_init");
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	return c;
}

/* The index of a message of ours from its body, or -1. */
static long
bm_index(struct bm *b, const char *body)
{
	size_t	 plen = strlen(b->prefix);
	char	*end;
	long	 i;

	if (body == NULL || strncmp(body, b->prefix, plen) != 0)
		return -1;
	i = strtol(body + plen, &end, 10);
	if (end == body + plen || *end != '-' || i < 0 || i >= b->count)
		return -1;
	return i;
}

static void
bm_event(struct bm_stream *s, const char *type, const char *data)
{
	struct bm	*b = s->bm;
	json_t		*j;
	const char	*dir, *state;
	long		 i, seq;

	s->ready = 1;
	if (strcmp(type, "message") != 0)
		return;
	if ((j = json_loads(data, 0, NULL)) == NULL)
		die("an event that is not JSON: %.100s", data);
	i = bm_index(b, json_string_value(json_object_get(j, "body")));
	dir = json_string_value(json_object_get(j, "direction"));
	state = json_string_value(json_object_get(j, "state"));
	seq = (long)json_integer_value(json_object_get(j, "seq"));
	if (i >= 0 && dir != NULL && state != NULL) {
		if (s->which == 1 && strcmp(dir, "in") == 0 &&
		    b->arrived[i] == 0) {
			b->arrived[i] = now_ms();
			b->narrived++;
			if (seq <= b->last_seq)
				b->out_of_order++;
			b->last_seq = seq;
		} else if (s->which == 0 && strcmp(dir, "out") == 0 &&
		    strcmp(state, "delivered") == 0 && b->acked[i] == 0) {
			b->acked[i] = now_ms();
			b->nacked++;
		} else if (s->which == 0 && strcmp(state, "failed") == 0)
			die("message %ld failed: %s", i, json_string_value(
			    json_object_get(j, "error")));
	}
	json_decref(j);
}

/* Server-sent events: "event: T\ndata: D\n\n". */
static size_t
bm_stream_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct bm_stream	*s = arg;
	size_t			 n = size * nmemb;
	char			*end, *type, *data, *line, *next;

	if (s->len + n > BM_MAX_EVENT)
		die("an event is too long");
	if ((s->buf = realloc(s->buf, s->len + n + 1)) == NULL)
		die("out of memory");
	memcpy(s->buf + s->len, ptr, n);
	s->len += n;
	s->buf[s->len] = '\0';
	while ((end = strstr(s->buf, "\n\n")) != NULL) {
		*end = '\0';
		type = data = NULL;
		for (line = s->buf; line != NULL; line = next) {
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			if (strncmp(line, "event: ", 7) == 0)
				type = line + 7;
			else if (strncmp(line, "data: ", 6) == 0)
				data = line + 6;
		}
		if (type != NULL && data != NULL)
			bm_event(s, type, data);
		end += 2;
		s->len -= (size_t)(end - s->buf);
		memmove(s->buf, end, s->len + 1);
	}
	return n;
}

static void
bm_follow(struct bm *b, int which)
{
	struct bm_stream	*s = &b->streams[which];

	s->bm = b;
	s->which = which;
	s->easy = bm_easy(b->sock[which], "/v1/events");
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, bm_stream_write);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, NULL);
	curl_multi_add_handle(b->multi, s->easy);
}

static size_t
bm_post_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct bm_post	*p = arg;
	size_t		 n = size * nmemb;

	if (p->replylen + n > BM_MAX_REPLY)
		return 0;
	if ((p->reply = realloc(p->reply, p->replylen + n + 1)) == NULL)
		die("out of memory");
	memcpy(p->reply + p->replylen, ptr, n);
	p->replylen += n;
	p->reply[p->replylen] = '\0';
	return n;
}

/* The body of message I: our prefix, its index, padding to SIZE. */
static char *
bm_body(struct bm *b, long i, size_t size)
{
	char	*s;
	size_t	 n;

	s = bm_alloc(size + 64, 1);
	n = (size_t)snprintf(s, size + 64, "%s%ld-", b->prefix, i);
	for (; n < size; n++)
		s[n] = (char)('a' + (n % 26));
	s[n] = '\0';
	return s;
}

static void
bm_send(struct bm *b, long i, size_t size)
{
	struct bm_post	*p = bm_alloc(1, sizeof(*p));
	char		*text = bm_body(b, i, size);
	json_t		*j;

	p->bm = b;
	p->index = i;
	j = json_pack("{s:s, s:s}", "petname", b->contact, "text", text);
	if (j == NULL || (p->body = json_dumps(j, JSON_COMPACT)) == NULL)
		die("cannot make a request body");
	json_decref(j);
	free(text);
	p->easy = bm_easy(b->sock[0], "/v1/send");
	p->headers = curl_slist_append(NULL, "Content-Type: application/json");
	p->headers = curl_slist_append(p->headers, "Expect:");
	curl_easy_setopt(p->easy, CURLOPT_HTTPHEADER, p->headers);
	curl_easy_setopt(p->easy, CURLOPT_POSTFIELDS, p->body);
	curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, bm_post_write);
	curl_easy_setopt(p->easy, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
	b->sent[i] = now_ms();
	b->inflight++;
	curl_multi_add_handle(b->multi, p->easy);
}

/* Run the transfers for up to MS milliseconds. */
static void
bm_pump(struct bm *b, int ms)
{
	struct bm_post	*p;
	CURLMsg		*m;
	long		 code;
	int		 running, left;

	curl_multi_perform(b->multi, &running);
	curl_multi_poll(b->multi, NULL, 0, ms, NULL);
	curl_multi_perform(b->multi, &running);
	while ((m = curl_multi_info_read(b->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		p = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
		    (char **)&p);
		if (p == NULL)
			die("an event stream ended: %s",
			    curl_easy_strerror(m->data.result));
		code = 0;
		curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &code);
		if (m->data.result != CURLE_OK || code != 200)
			die("POST /v1/send: %s, HTTP %ld: %s",
			    curl_easy_strerror(m->data.result), code,
			    p->reply != NULL ? p->reply : "");
		b->replied[p->index] = now_ms();
		b->nreplied++;
		b->inflight--;
		curl_multi_remove_handle(b->multi, p->easy);
		curl_easy_cleanup(p->easy);
		curl_slist_free_all(p->headers);
		free(p->body);
		free(p->reply);
		free(p);
	}
}

static void
bm_start(struct bm *b, long count)
{
	uint8_t	nonce[6];
	char	hex[sizeof(nonce) * 2 + 1];
	double	deadline = now_ms() + 30e3;

	b->count = count;
	b->sent = bm_alloc((size_t)count, sizeof(double));
	b->replied = bm_alloc((size_t)count, sizeof(double));
	b->arrived = bm_alloc((size_t)count, sizeof(double));
	b->acked = bm_alloc((size_t)count, sizeof(double));
	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2hex(hex, sizeof(hex), nonce, sizeof(nonce));
	snprintf(b->prefix, sizeof(b->prefix), "bench-%s-", hex);
	if ((b->multi = curl_multi_init()) == NULL)
		die("curl_multi_init");
	bm_follow(b, 0);
	bm_follow(b, 1);
	while (!b->streams[0].ready || !b->streams[1].ready) {
		if (now_ms() > deadline)
			die("no event stream from the agents");
		bm_pump(b, BM_POLL_MS);
	}
}

static void
bm_wait_one(struct bm *b, long i, double secs)
{
	double	deadline = now_ms() + secs * 1e3;

	while (b->arrived[i] == 0 || b->acked[i] == 0 || b->replied[i] == 0) {
		if (now_ms() > deadline)
			die("message %ld: not delivered within %.0f s "
			    "(replied %d, stored %d, delivered %d)", i, secs,
			    b->replied[i] != 0, b->arrived[i] != 0,
			    b->acked[i] != 0);
		bm_pump(b, BM_POLL_MS);
	}
}

static json_t *
bm_delta(const double *to, const double *from, long start, long end)
{
	json_t	*a = json_array();
	long	 i;

	for (i = start; i < end; i++)
		json_array_append_new(a, json_real(to[i] - from[i]));
	return a;
}

/* `petmail -d DIR send CONTACT BODY`, timed from just before it starts. */
static void
bm_cli_send(struct bm *b, long i, size_t size, const char *petmail,
    const char *dir)
{
	posix_spawn_file_actions_t	 fa;
	pid_t				 pid;
	char				*text = bm_body(b, i, size);
	char				 send[] = "send", d[] = "-d";
	char				*argv[] = { (char *)petmail, d,
					    (char *)dir, send,
					    (char *)b->contact, text, NULL };
	int				 st, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	b->sent[i] = now_ms();
	if ((rc = posix_spawn(&pid, petmail, &fa, NULL, argv, environ)) != 0)
		die("cannot run %s: %s", petmail, strerror(rc));
	posix_spawn_file_actions_destroy(&fa);
	for (;;) {
		rc = (int)waitpid(pid, &st, WNOHANG);
		if (rc == pid)
			break;
		if (rc == -1 && errno != EINTR)
			die("waitpid: %s", strerror(errno));
		bm_pump(b, 5);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("petmail send failed");
	b->replied[i] = now_ms();
	free(text);
}

static json_t *
bm_warm(struct bm *b, long count, long warmup, size_t size, int gap_ms,
    const char *petmail, const char *dir, long ncli, double secs)
{
	double	t;
	long	i, total = warmup + count + ncli;

	bm_start(b, total);
	for (i = 0; i < total; i++) {
		if (i < warmup + count) {
			bm_send(b, i, size);
			/* Just the POST and its answer: keep the clock
			 * honest by not waiting on anything else. */
		} else
			bm_cli_send(b, i, size, petmail, dir);
		bm_wait_one(b, i, secs);
		t = now_ms() + gap_ms;
		while (now_ms() < t)
			bm_pump(b, gap_ms);
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:I}",
	    "api_ms", bm_delta(b->arrived, b->sent, warmup, warmup + count),
	    "reply_ms", bm_delta(b->replied, b->sent, warmup, warmup + count),
	    "ack_ms", bm_delta(b->acked, b->sent, warmup, warmup + count),
	    "cli_ms", bm_delta(b->arrived, b->sent, warmup + count, total),
	    "cli_exit_ms", bm_delta(b->replied, b->sent, warmup + count,
	    total), "size", (json_int_t)size);
}

static double
bm_max(const double *v, long n)
{
	double	m = 0;
	long	i;

	for (i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static json_t *
bm_burst(struct bm *b, long count, size_t size, int parallel, double secs)
{
	double	t0, deadline;
	long	next = 0;

	bm_start(b, count);
	t0 = now_ms();
	deadline = t0 + secs * 1e3;
	while (b->narrived < count || b->nacked < count) {
		while (next < count && b->inflight < parallel)
			bm_send(b, next++, size);
		if (now_ms() > deadline)
			die("burst: after %.0f s, %ld queued, %ld stored, %ld "
			    "delivered", secs, b->nreplied, b->narrived,
			    b->nacked);
		bm_pump(b, next < count ? 1 : BM_POLL_MS);
	}
	return json_pack("{s:I, s:I, s:i, s:f, s:f, s:f, s:f, s:I}",
	    "count", (json_int_t)count, "size", (json_int_t)size,
	    "parallel", parallel,
	    "queue_ms", bm_max(b->replied, count) - t0,
	    "arrive_ms", bm_max(b->arrived, count) - t0,
	    "ack_ms", bm_max(b->acked, count) - t0,
	    "total_ms", (bm_max(b->arrived, count) > bm_max(b->acked, count) ?
	    bm_max(b->arrived, count) : bm_max(b->acked, count)) - t0,
	    "out_of_order", (json_int_t)b->out_of_order);
}

static json_t *
bm_list(const char *sock, const char *contact, long reps)
{
	struct bm_post	 p;
	json_t		*times = json_array(), *j;
	CURL		*c;
	CURLcode	 rc;
	double		 t0;
	long		 i, code, n = -1;
	char		 path[256], *esc;

	if ((c = curl_easy_init()) == NULL ||
	    (esc = curl_easy_escape(c, contact, 0)) == NULL)
		die("curl_easy_init");
	curl_easy_cleanup(c);
	snprintf(path, sizeof(path), "/v1/messages?contact=%s", esc);
	curl_free(esc);
	c = bm_easy(sock, path);
	memset(&p, 0, sizeof(p));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bm_post_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &p);
	for (i = 0; i < reps; i++) {
		p.replylen = 0;
		t0 = now_ms();
		rc = curl_easy_perform(c);
		code = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (rc != CURLE_OK || code != 200)
			die("GET %s: %s, HTTP %ld", path,
			    curl_easy_strerror(rc), code);
		json_array_append_new(times, json_real(now_ms() - t0));
	}
	if ((j = json_loadb(p.reply, p.replylen, 0, NULL)) == NULL ||
	    !json_is_array(j))
		die("GET %s: not a JSON array", path);
	n = (long)json_array_size(j);
	json_decref(j);
	curl_easy_cleanup(c);
	j = json_pack("{s:o, s:I, s:I}", "ms", times, "bytes",
	    (json_int_t)p.replylen, "messages", (json_int_t)n);
	free(p.reply);
	return j;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: bench-msg warm -a A.sock -b B.sock -c CONTACT [-n COUNT] "
	    "[-W WARMUP]\n"
	    "           [-z SIZE] [-g GAP_MS] [-P PETMAIL -D A_DIR "
	    "-N CLI_COUNT] [-t SECS]\n"
	    "       bench-msg cold -a A.sock -b B.sock -c CONTACT [-t SECS]\n"
	    "       bench-msg burst -a A.sock -b B.sock -c CONTACT [-n COUNT] "
	    "[-z SIZE]\n"
	    "           [-p PARALLEL] [-t SECS]\n"
	    "       bench-msg list -a SOCK -c CONTACT [-n REPS]\n");
	exit(64);
}

static long
num(const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	struct bm	 b;
	json_t		*out;
	const char	*mode, *petmail = NULL, *dir = NULL;
	long		 count = -1, warmup = 5, ncli = 0, size = -1;
	long		 parallel = 16, gap = 20, secs = 120;
	int		 ch;

	if (argc < 2)
		usage();
	mode = argv[1];
	memset(&b, 0, sizeof(b));
	b.last_seq = -1;
	optind = 2;
	while ((ch = getopt(argc, argv, "a:b:c:n:W:z:g:P:D:N:p:t:")) != -1) {
		switch (ch) {
		case 'a':
			b.sock[0] = optarg;
			break;
		case 'b':
			b.sock[1] = optarg;
			break;
		case 'c':
			b.contact = optarg;
			break;
		case 'n':
			count = num(optarg, 1, BM_MAX_MESSAGES);
			break;
		case 'W':
			warmup = num(optarg, 0, 1000);
			break;
		case 'z':
			size = num(optarg, 32, 60000);
			break;
		case 'g':
			gap = num(optarg, 0, 10000);
			break;
		case 'P':
			petmail = optarg;
			break;
		case 'D':
			dir = optarg;
			break;
		case 'N':
			ncli = num(optarg, 0, 1000);
			break;
		case 'p':
			parallel = num(optarg, 1, 256);
			break;
		case 't':
			secs = num(optarg, 1, 3600);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || b.sock[0] == NULL || b.contact == NULL ||
	    (ncli > 0 && (petmail == NULL || dir == NULL)))
		usage();
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		die("cannot initialise libsodium or libcurl");
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(mode, "list") == 0)
		out = bm_list(b.sock[0], b.contact, count > 0 ? count : 7);
	else if (b.sock[1] == NULL)
		usage();
	else if (strcmp(mode, "warm") == 0)
		out = bm_warm(&b, count > 0 ? count : 50, warmup,
		    (size_t)(size > 0 ? size : 32),
		    (int)gap, petmail, dir, ncli, (double)secs);
	else if (strcmp(mode, "cold") == 0)
		out = bm_warm(&b, 1, 0, (size_t)(size > 0 ? size : 32), 0,
		    NULL, NULL, 0,
		    (double)secs);
	else if (strcmp(mode, "burst") == 0)
		out = bm_burst(&b, count > 0 ? count : 1000,
		    (size_t)(size > 0 ? size : 200), (int)parallel,
		    (double)secs);
	else
		usage();
	if (out == NULL || json_dumpf(out, stdout, JSON_COMPACT) == -1)
		die("cannot write the results");
	putchar('\n');
	json_decref(out);
	return 0;
}
