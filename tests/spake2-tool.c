/*
 * One side of SPAKE2 over stdin/stdout in hex, for tests/spake2_interop.py:
 *
 *	spake2-tool PASSWORD_HEX ID_HEX
 *		writes our message as a hex line, reads the peer's message as
 *		a hex line, writes the key as a hex line; exit 1 if the peer's
 *		message is refused.
 *	spake2-tool -b COUNT
 *		times COUNT full exchanges (both sides, in process).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/spake2.h"

#define LINEMAX		(2 * (SPAKE2_MSGBYTES + 64) + 2)
#define ARGMAX		(SPAKE2_PASSWORDMAXBYTES > SPAKE2_IDMAXBYTES ? \
			    SPAKE2_PASSWORDMAXBYTES : SPAKE2_IDMAXBYTES)

static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: spake2-tool PASSWORD_HEX ID_HEX\n"
	    "       spake2-tool -b COUNT\n");
	exit(64);
}

static int
hex_arg(uint8_t *out, size_t max, size_t *len, const char *hex)
{
	if (strlen(hex) % 2 != 0 || strlen(hex) / 2 > max)
		return -1;
	return sodium_hex2bin(out, max, hex, strlen(hex), NULL, len, NULL);
}

static void
put_hex(const uint8_t *b, size_t len)
{
	char	hex[2 * SPAKE2_MSGBYTES + 1];

	printf("%s\n", sodium_bin2hex(hex, sizeof(hex), b, len));
	fflush(stdout);
}

static int
exchange(const char *pwhex, const char *idhex)
{
	static uint8_t		 pw[ARGMAX], id[ARGMAX];
	struct spake2_state	*st;
	uint8_t			 msg[SPAKE2_MSGBYTES], key[SPAKE2_KEYBYTES];
	uint8_t			 peer[LINEMAX / 2];
	char			 line[LINEMAX + 1];
	size_t			 pwlen, idlen, n, peerlen;
	int			 rc;

	if (hex_arg(pw, SPAKE2_PASSWORDMAXBYTES, &pwlen, pwhex) != 0 ||
	    hex_arg(id, SPAKE2_IDMAXBYTES, &idlen, idhex) != 0)
		usage();
	if (spake2_start(&st, msg, pw, pwlen, id, idlen) != 0) {
		fprintf(stderr, "spake2-tool: cannot start\n");
		return 1;
	}
	put_hex(msg, sizeof(msg));

	if (fgets(line, sizeof(line), stdin) == NULL ||
	    (n = strcspn(line, "\n")) == sizeof(line) - 1 || n % 2 != 0 ||
	    sodium_hex2bin(peer, sizeof(peer), line, n, NULL, &peerlen,
	    NULL) != 0) {
		fprintf(stderr, "spake2-tool: no hex line on stdin\n");
		spake2_free(st);
		return 2;
	}
	rc = spake2_finish(key, st, peer, peerlen);
	spake2_free(st);
	if (rc != 0) {
		fprintf(stderr, "spake2-tool: peer message refused\n");
		return 1;
	}
	put_hex(key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	return 0;
}

static int
bench(const char *arg)
{
	static const uint8_t	 pw[] = "7-crossover-clockwork";
	struct spake2_state	*a, *b;
	struct timespec		 t0, t1;
	uint8_t			 ma[SPAKE2_MSGBYTES], mb[SPAKE2_MSGBYTES];
	uint8_t			 ka[SPAKE2_KEYBYTES], kb[SPAKE2_KEYBYTES];
	char			*end;
	unsigned long		 count, i;
	double			 us;

	errno = 0;
	count = strtoul(arg, &end, 10);
	if (errno != 0 || *end != '\0' || count == 0 || count > 1000000)
		usage();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		if (spake2_start(&a, ma, pw, sizeof(pw) - 1, NULL, 0) != 0 ||
		    spake2_start(&b, mb, pw, sizeof(pw) - 1, NULL, 0) != 0 ||
		    spake2_finish(ka, a, mb, sizeof(mb)) != 0 ||
		    spake2_finish(kb, b, ma, sizeof(ma)) != 0 ||
		    sodium_memcmp(ka, kb, sizeof(ka)) != 0) {
			fprintf(stderr, "spake2-tool: exchange failed\n");
			return 1;
		}
		SPAKE2_FREE(a);
		SPAKE2_FREE(b);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((double)(t1.tv_sec - t0.tv_sec) * 1e6 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / (double)count;
	printf("%lu exchanges, %.1f us per exchange (start+finish, both "
	    "sides)\n", count, us);
	return 0;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "spake2-tool: sodium_init failed\n");
		return 1;
	}
	if (argc == 3 && strcmp(argv[1], "-b") == 0)
		return bench(argv[2]);
	if (argc != 3 || argv[1][0] == '-')
		usage();
	return exchange(argv[1], argv[2]);
}
