/*
 * The introduction protocol, as a pure state machine (no I/O): SPAKE2
 * on the invitation code, key confirmation, then one sealed and signed
 * contact record each way. Transports (a rendezvous service, or the
 * inviter's invitation onion) carry its messages in order; see
 * petmail-protocol(7) for the exact format.
 *
 *   each side:  -> PAKE            (intro_new)
 *               <- PAKE  -> CONFIRM
 *               <- CONFIRM -> RECORD   (a wrong code stops here)
 *               <- RECORD  => done: the peer's record and the session key
 */
#ifndef PETMAIL_INTRO_H
#define PETMAIL_INTRO_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/spake2.h"

#define INTRO_VERSION		1
#define INTRO_KEYBYTES		32	/* identity, ratchet, token */
#define INTRO_SIGNBYTES		64
#define INTRO_ONION_ID_LEN	56
#define INTRO_NAME_MAX		64
#define INTRO_SESSIONBYTES	32	/* the ratchet's shared secret */
#define INTRO_ENTROPYBYTES	SPAKE2_ENTROPYBYTES
#define INTRO_RECORD_MAX	(1 + 3 * INTRO_KEYBYTES + INTRO_ONION_ID_LEN + \
				    1 + INTRO_NAME_MAX + INTRO_SIGNBYTES)
#define INTRO_MSG_MAX		(2 + 24 + INTRO_RECORD_MAX + 16)
#define INTRO_VERIFY_WORDS	4
#define INTRO_VERIFY_MAX	(INTRO_VERIFY_WORDS * 12)

/* SPAKE2's symmetric id: binds every exchange to this protocol. */
#define INTRO_SPAKE2_ID		"petmail v1 introduction"

enum intro_msg_type {
	INTRO_MSG_PAKE = 1,
	INTRO_MSG_CONFIRM = 2,
	INTRO_MSG_RECORD = 3,
};

enum intro_role {
	INTRO_INVITER,		/* side "a" */
	INTRO_ACCEPTER,		/* side "b" */
};

/* What one side tells the other about itself. */
struct intro_record {
	uint8_t	identity_pk[INTRO_KEYBYTES];	/* Ed25519 */
	uint8_t	ratchet_pk[INTRO_KEYBYTES];	/* X25519 */
	uint8_t	token[INTRO_KEYBYTES];		/* put in envelopes to me */
	char	onion_id[INTRO_ONION_ID_LEN + 1];
	char	name[INTRO_NAME_MAX + 1];	/* suggested name, may be "" */
};

enum intro_status {
	INTRO_FAILED = -1,	/* see the error; the code is burnt */
	INTRO_CONTINUE = 0,
	INTRO_DONE = 1,
};

struct intro;

/*
 * Start one side. PASSWORD is the canonical code, ENTROPY the SPAKE2
 * randomness (kept by the caller so that a restart sends the same first
 * message), SIGN_SK our identity's secret key. OUT gets the PAKE message.
 */
int	intro_new(struct intro **, enum intro_role, const char *password,
	    const uint8_t entropy[INTRO_ENTROPYBYTES],
	    const struct intro_record *self,
	    const uint8_t sign_sk[INTRO_SIGNBYTES],
	    uint8_t out[INTRO_MSG_MAX], size_t *outlen)
	    __attribute__((warn_unused_result));

/*
 * Feed the peer's next message. OUT gets our next message (*OUTLEN may
 * be 0). On INTRO_FAILED, ERR says why in words for the user.
 */
enum intro_status intro_receive(struct intro *, const uint8_t *msg,
	    size_t len, uint8_t out[INTRO_MSG_MAX], size_t *outlen,
	    char *err, size_t errlen) __attribute__((warn_unused_result));

/* After INTRO_DONE: the peer's record and the ratchet's shared secret. */
const struct intro_record *intro_peer(const struct intro *);
void	intro_session_key(const struct intro *,
	    uint8_t sk[INTRO_SESSIONBYTES]);

void	intro_free(struct intro *);

/* Four words from both identity keys, the same on both sides. */
void	intro_verification(char out[INTRO_VERIFY_MAX],
	    const uint8_t a[INTRO_KEYBYTES], const uint8_t b[INTRO_KEYBYTES]);

/* Record encoding, exposed for tests and fuzzing. */
size_t	intro_record_encode(uint8_t *out, size_t outlen,
	    const struct intro_record *);
int	intro_record_decode(struct intro_record *, const uint8_t *in,
	    size_t len) __attribute__((warn_unused_result));

#endif
