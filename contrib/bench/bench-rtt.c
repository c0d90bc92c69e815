/*
 * bench-rtt: the raw floor. Connects to an echo onion service through a
 * tor SOCKS unix socket with libcurl (socks5h: tor resolves the name,
 * CONNECT_ONLY: curl stops once the stream is open) and times
 *
 *   cold: a new SOCKS username each time (so tor builds new circuits),
 *         from the start of the connection to the first echoed byte of a
 *         32-byte write;
 *   warm: 32-byte round trips on one open stream;
 *   bulk: round trips of BULK bytes on one open stream (the size of a
 *         batch of envelopes: a burst sends those).
 *
 * It first retries until one connection succeeds (the descriptor may not
 * be fetchable yet), untimed. Prints one JSON object:
 * {"cold_ms": [...], "cold_connect_ms": [...], "cold_failures": N,
 *  "warm_ms": [...], "bulk_bytes": BULK, "bulk_ms": [...]}. Not installed.
 *
 *	usage: bench-rtt -s SOCKS_PATH -o ONION [-p PORT] [-c COLD]
 *	    [-w WARM] [-b BULK -n BULK_COUNT] [-u USER_PREFIX]
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#define RTT_BYTES		32
#define RTT_BULK_MAX		(256 * 1024)
#define RTT_WARMUP		10
#define RTT_PRIME_SECS		60
#define RTT_IO_MS		30000
#define RTT_CONNECT_MS		60000L
#define RTT_COLD_TRIES		3

struct rtt {
	const char	*socks;
	const char	*onion;
	const char	*prefix;
	long		 port;
};

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "bench-rtt: %s\n", what);
	exit(1);
}

/* A connected stream to the echo service as USER, or NULL. */
static CURL *
rtt_connect(const struct rtt *r, const char *user, char *err, size_t errlen)
{
	CURL		*c;
	CURLcode	 rc;
	char		 url[256], proxy[512], errbuf[CURL_ERROR_SIZE];

	if ((c = curl_easy_init()) == NULL)
		die("curl_easy_init");
	snprintf(url, sizeof(url), "http://%s:%ld/", r->onion, r->port);
	snprintf(proxy, sizeof(proxy), "socks5h://localhost%s", r->socks);
	errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROXY, proxy);
	curl_easy_setopt(c, CURLOPT_PROXYUSERNAME, user);
	curl_easy_setopt(c, CURLOPT_PROXYPASSWORD, "x");
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, RTT_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		snprintf(err, errlen, "%s", errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(rc));
		curl_easy_cleanup(c);
		return NULL;
	}
	return c;
}

static int
rtt_wait(CURL *c, int for_recv)
{
	struct pollfd	pfd;
	curl_socket_t	fd;

	if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
	    fd == CURL_SOCKET_BAD)
		return -1;
	pfd.fd = fd;
	pfd.events = for_recv ? POLLIN : POLLOUT;
	pfd.revents = 0;
	return poll(&pfd, 1, RTT_IO_MS) == 1 ? 0 : -1;
}

static int
rtt_send(CURL *c, const uint8_t *buf, size_t len)
{
	size_t		n, done = 0;
	CURLcode	rc;

	while (done < len) {
		rc = curl_easy_send(c, buf + done, len - done, &n);
		if (rc == CURLE_AGAIN) {
			if (rtt_wait(c, 0) == -1)
				return -1;
			continue;
		}
		if (rc != CURLE_OK)
			return -1;
		done += n;
	}
	return 0;
}

/* Read LEN bytes; *FIRST gets the time the first of them arrived. */
static int
rtt_recv(CURL *c, uint8_t *buf, size_t len, double *first)
{
	size_t		n, done = 0;
	CURLcode	rc;

	while (done < len) {
		rc = curl_easy_recv(c, buf + done, len - done, &n);
		if (rc == CURLE_AGAIN) {
			if (rtt_wait(c, 1) == -1)
				return -1;
			continue;
		}
		if (rc != CURLE_OK || n == 0)
			return -1;
		if (done == 0 && first != NULL)
			*first = now_ms();
		done += n;
	}
	return 0;
}

/* One round trip of LEN bytes; -1 if the echo is wrong or does not come. */
static int
rtt_echo_len(CURL *c, size_t len, double *first)
{
	uint8_t	*out, *in;
	int	 rc = -1;

	if ((out = malloc(len)) == NULL || (in = malloc(len)) == NULL)
		die("out of memory");
	randombytes_buf(out, len);
	if (rtt_send(c, out, len) == 0 && rtt_recv(c, in, len, first) == 0)
		rc = memcmp(in, out, len) == 0 ? 0 : -1;
	free(out);
	free(in);
	return rc;
}

static int
rtt_echo(CURL *c, double *first)
{
	return rtt_echo_len(c, RTT_BYTES, first);
}

static void
rtt_prime(const struct rtt *r)
{
	CURL	*c;
	double	 deadline = now_ms() + RTT_PRIME_SECS * 1e3;
	char	 user[128], err[CURL_ERROR_SIZE];

	snprintf(user, sizeof(user), "%s-prime", r->prefix);
	for (;;) {
		if ((c = rtt_connect(r, user, err, sizeof(err))) != NULL) {
			if (rtt_echo(c, NULL) == 0) {
				curl_easy_cleanup(c);
				return;
			}
			snprintf(err, sizeof(err), "no echo");
			curl_easy_cleanup(c);
		}
		if (now_ms() > deadline) {
			fprintf(stderr, "bench-rtt: cannot reach %s: %s\n",
			    r->onion, err);
			exit(1);
		}
		fprintf(stderr, "bench-rtt: not yet: %s\n", err);
		sleep(1);
	}
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: bench-rtt -s SOCKS_PATH -o ONION [-p PORT] "
	    "[-c COLD] [-w WARM] [-b BULK -n BULK_COUNT]\n"
	    "    [-u USER_PREFIX]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	struct rtt	 r;
	json_t		*out, *cold, *cold_conn, *warm, *bulk;
	CURL		*c;
	double		 t0, t1, tc;
	char		 user[128], err[CURL_ERROR_SIZE];
	long		 ncold = 20, nwarm = 200, i, tries, failures = 0;
	long		 bulkbytes = 0, nbulk = 20;
	int		 ch;

	memset(&r, 0, sizeof(r));
	r.port = 7;
	r.prefix = "bench-rtt";
	while ((ch = getopt(argc, argv, "s:o:p:c:w:b:n:u:")) != -1) {
		switch (ch) {
		case 's':
			r.socks = optarg;
			break;
		case 'o':
			r.onion = optarg;
			break;
		case 'p':
			r.port = strtol(optarg, NULL, 10);
			break;
		case 'c':
			ncold = strtol(optarg, NULL, 10);
			break;
		case 'w':
			nwarm = strtol(optarg, NULL, 10);
			break;
		case 'b':
			bulkbytes = strtol(optarg, NULL, 10);
			break;
		case 'n':
			nbulk = strtol(optarg, NULL, 10);
			break;
		case 'u':
			r.prefix = optarg;
			break;
		default:
			usage();
		}
	}
	if (r.socks == NULL || r.onion == NULL || r.port < 1 ||
	    r.port > 65535 || ncold < 0 || nwarm < 0 || bulkbytes < 0 ||
	    bulkbytes > RTT_BULK_MAX || nbulk < 0 || optind != argc)
		usage();
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		die("cannot initialise libsodium or libcurl");

	rtt_prime(&r);

	cold = json_array();
	cold_conn = json_array();
	for (i = 0; i < ncold; i++) {
		for (tries = 0; tries < RTT_COLD_TRIES; tries++) {
			snprintf(user, sizeof(user), "%s-cold-%ld-%ld",
			    r.prefix, i, tries);
			t0 = now_ms();
			if ((c = rtt_connect(&r, user, err,
			    sizeof(err))) == NULL) {
				fprintf(stderr, "bench-rtt: cold %ld: %s\n", i,
				    err);
				failures++;
				continue;
			}
			tc = now_ms();
			if (rtt_echo(c, &t1) == -1) {
				curl_easy_cleanup(c);
				failures++;
				continue;
			}
			curl_easy_cleanup(c);
			json_array_append_new(cold, json_real(t1 - t0));
			json_array_append_new(cold_conn, json_real(tc - t0));
			break;
		}
		if (tries == RTT_COLD_TRIES)
			die("cold connections keep failing");
	}

	warm = json_array();
	snprintf(user, sizeof(user), "%s-warm", r.prefix);
	if ((c = rtt_connect(&r, user, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench-rtt: warm: %s\n", err);
		exit(1);
	}
	for (i = 0; i < RTT_WARMUP + nwarm; i++) {
		t0 = now_ms();
		if (rtt_echo(c, NULL) == -1)
			die("warm round trip failed");
		t1 = now_ms();
		if (i >= RTT_WARMUP)
			json_array_append_new(warm, json_real(t1 - t0));
	}
	bulk = json_array();
	for (i = 0; bulkbytes > 0 && i < 3 + nbulk; i++) {
		t0 = now_ms();
		if (rtt_echo_len(c, (size_t)bulkbytes, NULL) == -1)
			die("bulk round trip failed");
		t1 = now_ms();
		if (i >= 3)
			json_array_append_new(bulk, json_real(t1 - t0));
	}
	curl_easy_cleanup(c);

	out = json_pack("{s:o, s:o, s:I, s:o, s:I, s:o}", "cold_ms", cold,
	    "cold_connect_ms", cold_conn, "cold_failures",
	    (json_int_t)failures, "warm_ms", warm, "bulk_bytes",
	    (json_int_t)bulkbytes, "bulk_ms", bulk);
	if (out == NULL || json_dumpf(out, stdout, JSON_COMPACT) == -1)
		die("cannot write the results");
	putchar('\n');
	json_decref(out);
	curl_global_cleanup();
	return 0;
}
