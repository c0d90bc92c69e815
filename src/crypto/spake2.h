/*
 * SPAKE2 on the Ed25519 group, symmetric mode, byte for byte the
 * construction of python-spake2 (>= 0.7) SPAKE2_Symmetric, so that an
 * independent implementation can check ours. doc/spake2.md gives the exact
 * construction.
 *
 * Each side calls spake2_start(), sends the message it got to the peer,
 * and calls spake2_finish() once on the peer's message. Equal passwords and
 * ids give equal keys; anything else gives unrelated keys, which the caller
 * must confirm before trusting. A state is single-use: spake2_finish() works
 * once, whatever its outcome.
 */
#ifndef PETMAIL_SPAKE2_H
#define PETMAIL_SPAKE2_H

#include <stddef.h>
#include <stdint.h>

#define SPAKE2_ELEMENTBYTES	32U	/* an encoded Ed25519 point */
#define SPAKE2_MSGBYTES		33U	/* side byte 'S', then an element */
#define SPAKE2_KEYBYTES		32U
#define SPAKE2_ENTROPYBYTES	64U	/* reduced mod L to the secret scalar */
#define SPAKE2_PASSWORDMINBYTES	1U
#define SPAKE2_PASSWORDMAXBYTES	1024U
#define SPAKE2_IDMAXBYTES	1024U
#define SPAKE2_SEEDMAXBYTES	1024U
#define SPAKE2_SIDE_SYMMETRIC	'S'

struct spake2_state;

/*
 * Start an exchange: *statep gets a new state (in sodium_malloc memory) and
 * msg_out the message for the peer. The id may be empty (id NULL, idlen 0).
 * -1 if a length is out of bounds or memory is exhausted; *statep is then
 * NULL.
 */
int	spake2_start(struct spake2_state **statep,
	    uint8_t msg_out[SPAKE2_MSGBYTES],
	    const uint8_t *password, size_t pwlen,
	    const uint8_t *id, size_t idlen)
	    __attribute__((warn_unused_result));

/*
 * As spake2_start(), with the secret scalar taken from the given entropy
 * (read as a big-endian number and reduced mod L, as python-spake2 reads
 * its entropy_f(64)) rather than from randombytes_buf(). For known-answer
 * tests only. Also -1 if the entropy reduces to zero.
 */
int	spake2_start_entropy(struct spake2_state **statep,
	    uint8_t msg_out[SPAKE2_MSGBYTES],
	    const uint8_t *password, size_t pwlen,
	    const uint8_t *id, size_t idlen,
	    const uint8_t entropy[SPAKE2_ENTROPYBYTES])
	    __attribute__((warn_unused_result));

/*
 * Finish with the peer's message: key_out gets the shared key. -1 (and
 * key_out zeroed) if the message has the wrong length or side byte, is our
 * own message reflected, is not the canonical encoding of a point of the
 * prime-order subgroup other than the identity, or leads to the identity,
 * or if this state has already been finished.
 */
int	spake2_finish(uint8_t key_out[SPAKE2_KEYBYTES],
	    struct spake2_state *state,
	    const uint8_t *peer_msg, size_t peer_msglen)
	    __attribute__((warn_unused_result));

/* Wipe and free a state; NULL is accepted. */
void	spake2_free(struct spake2_state *state);
#define SPAKE2_FREE(s) do { spake2_free(s); (s) = NULL; } while (0)

/*
 * python-spake2's arbitrary_element(seed): a point of the prime-order
 * subgroup whose discrete logarithm nobody knows. The symmetric mode's S is
 * spake2_arbitrary_element("symmetric"); the library keeps S as a constant
 * and the tests check it against this derivation. -1 if seedlen is above
 * SPAKE2_SEEDMAXBYTES.
 */
int	spake2_arbitrary_element(uint8_t elem[SPAKE2_ELEMENTBYTES],
	    const uint8_t *seed, size_t seedlen)
	    __attribute__((warn_unused_result));

#endif
