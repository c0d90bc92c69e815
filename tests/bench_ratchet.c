/*
 * Micro benchmark, not run by make check: one core encrypts and decrypts
 * 1 KiB messages through a ratchet session and prints messages per CPU
 * second (each message counted once, encrypt plus decrypt). The direction turns every
 * `turn` messages (default 64; 0: never), so DH ratchet steps, three
 * X25519 operations each, are included at that rate.
 *
 *	usage: bench_ratchet [seconds [turn]]
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/ratchet.h"

#define BENCH_MSGBYTES	1024
#define BENCH_BATCH	1024	/* messages between clock reads */

static double
now(clockid_t clock)
{
	struct timespec	ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void	die(const char *) __attribute__((noreturn));

static void
die(const char *what)
{
	fprintf(stderr, "bench_ratchet: %s\n", what);
	exit(1);
}

int
main(int argc, char **argv)
{
	struct ratchet	*alice, *bob, *from, *to, *t;
	uint8_t		 sk[RATCHET_SHAREDKEYBYTES];
	uint8_t		 bob_secret[RATCHET_SECRETKEYBYTES];
	uint8_t		 bob_public[RATCHET_PUBLICKEYBYTES];
	uint8_t		 header[RATCHET_HEADERBYTES];
	uint8_t		 m[BENCH_MSGBYTES], out[BENCH_MSGBYTES];
	uint8_t		 c[BENCH_MSGBYTES + RATCHET_ABYTES];
	static const uint8_t	ad[] = "bench";
	double		 seconds = 2.0, start, cpu_start, elapsed, cpu;
	unsigned long	 n = 0, i, turn = 64;
	char		*end;

	if (argc > 3 || (argc > 1 && (seconds = atof(argv[1])) <= 0))
		die("usage: bench_ratchet [seconds [turn]]");
	if (argc > 2) {
		turn = strtoul(argv[2], &end, 10);
		if (*argv[2] == '\0' || *end != '\0')
			die("usage: bench_ratchet [seconds [turn]]");
	}
	if (sodium_init() < 0)
		die("sodium_init failed");
	randombytes_buf(sk, sizeof(sk));
	randombytes_buf(bob_secret, sizeof(bob_secret));
	randombytes_buf(m, sizeof(m));
	crypto_scalarmult_base(bob_public, bob_secret);
	if (ratchet_init_bob(&bob, sk, bob_secret) != 0 ||
	    ratchet_init_alice(&alice, sk, bob_public) != 0)
		die("init failed");

	from = alice;
	to = bob;
	start = now(CLOCK_MONOTONIC);
	cpu_start = now(CLOCK_PROCESS_CPUTIME_ID);
	do {
		for (i = 0; i < BENCH_BATCH; i++, n++) {
			if (turn > 0 && n > 0 && n % turn == 0) {
				t = from;
				from = to;
				to = t;
			}
			if (ratchet_encrypt(from, header, c, sizeof(c), m,
			    sizeof(m), ad, sizeof(ad)) != 0)
				die("encrypt failed");
			if (ratchet_decrypt(to, out, sizeof(out), header,
			    sizeof(header), c, sizeof(c), ad, sizeof(ad)) != 0)
				die("decrypt failed");
		}
		cpu = now(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
	} while (cpu < seconds);
	elapsed = now(CLOCK_MONOTONIC) - start;
	if (memcmp(out, m, sizeof(m)) != 0)
		die("wrong plaintext");

	/* Per CPU second: other processes sharing the core do not count. */
	printf("ratchet encrypt+decrypt, %d-byte messages, turn every %lu: "
	    "%.0f messages/s/core (%lu in %.2f s CPU, %.2f s wall)\n",
	    BENCH_MSGBYTES, turn, (double)n / cpu, n, cpu, elapsed);
	RATCHET_FREE(alice);
	RATCHET_FREE(bob);
	return 0;
}
