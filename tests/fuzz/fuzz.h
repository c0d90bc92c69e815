/*
 * petmail's fuzz targets (tests/fuzz/fuzz_*.c). Each defines
 * LLVMFuzzerTestOneInput() and calls the real parser or handler. Built
 * with --enable-fuzzing, libFuzzer drives them (make fuzz); otherwise
 * driver.c runs them over their committed corpus and regression inputs
 * (make check). See doc/HACKING.md, "Fuzzing".
 */
#ifndef PETMAIL_FUZZ_H
#define PETMAIL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct event_base;

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: called once before the first input. */
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* Abort with a message: a broken harness, never an input's fault. */
void	fuzz_die(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* A private scratch directory, removed at exit. */
const char *fuzz_tmpdir(void);

/*
 * HTTP exchanges with a real evhttp server on the unix socket it listens
 * on, run by the caller's event base, as a client of the agent's socket
 * (or tor, for the onion listener) talks to it. A request is raw
 * bytes (the fuzzer's, or built by the target); the answer is read until
 * the server closes (requests say "Connection: close") or goes idle, as a
 * long poll or an event stream does: such a request stays open, as a
 * waiting client would, until fuzz_http_close_all().
 */
struct fuzz_http_answer {
	int		 status;	/* 0: no complete status line */
	char		*body;		/* NUL-terminated; NULL if none */
	size_t		 bodylen;
	int		 open;		/* idle, still open */
};

/* Send REQ, run the loop until the answer is complete or the server is
 * idle. Frees nothing of ANS's previous contents. */
void	fuzz_http_exchange(struct event_base *, const char *socket_path,
	    const void *req, size_t len, struct fuzz_http_answer *ans);
void	fuzz_http_answer_clear(struct fuzz_http_answer *);
/* Close every request left open and let the server see it. */
void	fuzz_http_close_all(struct event_base *);
/* Run the loop until nothing is left to do at once. */
void	fuzz_loop_settle(struct event_base *);

/*
 * The keys behind the agent's contact "dave" (tests/fuzz/fuzz_agent.c)
 * and the envelope target's session: "dave" invited us, so the agent
 * holds the ratchet's Bob side (FUZZ_SK, FUZZ_BOB_SECRET) and dave's
 * envelopes carry FUZZ_DAVE_TOKEN. mkcorpus.c plays dave's Alice side
 * to seal real envelopes that the targets can open.
 */
#define FUZZ_SK_BYTE		0x5a	/* 32 bytes of it */
#define FUZZ_BOB_SECRET_BYTE	0x3c
#define FUZZ_DAVE_TOKEN_BYTE	0xd4

/* The inviter (ACCEPTER 0) or accepter of fuzz_record's introductions,
 * always the same (fuzz_intro.c): its record, its INTRO_SIGNBYTES signing
 * key and its INTRO_ENTROPYBYTES of SPAKE2 entropy. */
#define FUZZ_INTRO_CODE		"7-crossover-clockwork"
struct intro_record;
void	fuzz_intro_side(struct intro_record *, uint8_t *sign_sk,
	    uint8_t *entropy, int accepter);

struct agent;

/* An agent as petmaild assembles it, without tor, in fuzz_tmpdir(): a
 * real store (contacts "bob" ready, "carol" pending, "dave" ready and
 * waiting for dave's first message, and a few messages), the local API,
 * the onion listener (SERVE_RENDEZVOUS: also a rendezvous service), the
 * introductions and the outbox. Made once. */
struct agent *fuzz_agent_new(int serve_rendezvous);
/* Back to the state fuzz_agent_new() made: a fresh copy of the store,
 * fresh servers. Run before every input. */
void	fuzz_agent_reset(struct agent *);
/* The agent must still answer GET /v1/status with its status. */
void	fuzz_agent_check(struct agent *);

#endif
