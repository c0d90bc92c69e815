/*
 * The Double Ratchet (Perrin & Marlinspike, revision 1), without header
 * encryption: X25519, HKDF-SHA256 and HMAC-SHA256 on libsodium, and
 * XChaCha20-Poly1305 for messages. doc/ratchet.md fixes every byte.
 *
 * A pure module: no I/O, no logging. The inviter of an introduction is
 * "Bob" (his initial ratchet key pair's public half went to the other side
 * in the introduction); the accepter is "Alice" and sends first.
 *
 * Decryption is transactional: when it fails, the state is unchanged.
 * After every successful encrypt or decrypt the caller saves the state
 * (ratchet_save()) in the same database transaction as the message.
 */
#ifndef PETMAIL_RATCHET_H
#define PETMAIL_RATCHET_H

#include <stddef.h>
#include <stdint.h>

#define RATCHET_SHAREDKEYBYTES	32U	/* SK from the introduction */
#define RATCHET_PUBLICKEYBYTES	32U	/* X25519 public key */
#define RATCHET_SECRETKEYBYTES	32U	/* X25519 private key */
#define RATCHET_HEADERBYTES	40U	/* DH public || PN || N */
#define RATCHET_ABYTES		16U	/* Poly1305 tag per message */
#define RATCHET_ADMAXBYTES	1024U	/* longest caller associated data */
#define RATCHET_MAX_SKIP	1000U	/* skipped keys per chain per message */
#define RATCHET_MAX_SKIPPED	2000U	/* skipped keys stored, oldest evicted */
#define RATCHET_STATE_VERSION	1U	/* first byte of a saved state */

struct ratchet;

/* A parsed message header. */
struct ratchet_header {
	uint8_t		dh[RATCHET_PUBLICKEYBYTES];
	uint32_t	pn;	/* messages in the sender's previous chain */
	uint32_t	n;	/* this message's number in its chain */
};

/* Exactly RATCHET_HEADERBYTES; the encoding is fixed by doc/ratchet.md. */
void	ratchet_header_encode(uint8_t out[RATCHET_HEADERBYTES],
	    const struct ratchet_header *);
/* -1 unless inlen is exactly RATCHET_HEADERBYTES. */
int	ratchet_header_parse(struct ratchet_header *,
	    const uint8_t *in, size_t inlen)
	    __attribute__((warn_unused_result));

/*
 * Alice (the accepter) starts with SK and Bob's initial ratchet public key;
 * she can send at once. -1 on a bad public key (all-zero DH output) or if
 * memory runs out.
 */
int	ratchet_init_alice(struct ratchet **,
	    const uint8_t sk[RATCHET_SHAREDKEYBYTES],
	    const uint8_t bob_public[RATCHET_PUBLICKEYBYTES])
	    __attribute__((warn_unused_result));

/*
 * Bob (the inviter) starts with SK and his initial ratchet private key;
 * he can send once he has decrypted Alice's first message.
 */
int	ratchet_init_bob(struct ratchet **,
	    const uint8_t sk[RATCHET_SHAREDKEYBYTES],
	    const uint8_t bob_secret[RATCHET_SECRETKEYBYTES])
	    __attribute__((warn_unused_result));

/* Wipes and frees; accepts NULL. RATCHET_FREE() also clears the pointer. */
void	ratchet_free(struct ratchet *);
#define RATCHET_FREE(r) do { ratchet_free(r); (r) = NULL; } while (0)

/* 1 once this side can encrypt (Bob: after his first decryption). */
int	ratchet_can_send(const struct ratchet *);

/*
 * Encrypts mlen bytes of m into c (clen must be mlen + RATCHET_ABYTES) and
 * writes the message's header. ad (at most RATCHET_ADMAXBYTES) is bound to
 * the message along with the header. The message key is wiped at once.
 * -1, with the state unchanged, if this side cannot send yet, a length is
 * wrong, or the chain is exhausted.
 */
int	ratchet_encrypt(struct ratchet *,
	    uint8_t header[RATCHET_HEADERBYTES],
	    uint8_t *c, size_t clen,
	    const uint8_t *m, size_t mlen,
	    const uint8_t *ad, size_t adlen)
	    __attribute__((warn_unused_result));

/*
 * Decrypts clen bytes of c into m (mlen must be clen - RATCHET_ABYTES).
 * Messages may arrive out of order or never: keys of skipped messages are
 * kept (at most RATCHET_MAX_SKIP per chain per message, RATCHET_MAX_SKIPPED
 * in all, the oldest evicted). A used message key is wiped and forgotten,
 * so a replay fails. On any failure (bad header, bad tag, too many skipped
 * messages, replay) it returns -1 and the state is unchanged.
 */
int	ratchet_decrypt(struct ratchet *,
	    uint8_t *m, size_t mlen,
	    const uint8_t *header, size_t headerlen,
	    const uint8_t *c, size_t clen,
	    const uint8_t *ad, size_t adlen)
	    __attribute__((warn_unused_result));

/* Number of skipped message keys held. */
size_t	ratchet_skipped_count(const struct ratchet *);

/*
 * The whole state, skipped keys included, as a versioned blob of exactly
 * ratchet_save_size() bytes. The blob holds secrets: the caller wipes it
 * (sodium_memzero) once stored. -1 if outlen is not the exact size.
 */
size_t	ratchet_save_size(const struct ratchet *);
int	ratchet_save(uint8_t *out, size_t outlen, const struct ratchet *)
	    __attribute__((warn_unused_result));

/* Parses a saved state strictly; -1 on any malformed or foreign blob. */
int	ratchet_load(struct ratchet **, const uint8_t *in, size_t inlen)
	    __attribute__((warn_unused_result));

/*
 * Known-answer tests only, never the agent: the same as ratchet_init_alice()
 * and ratchet_decrypt() but with the ratchet private key that would be
 * drawn at random given by the caller. ratchet_decrypt_with_keypair() uses
 * next_secret only if the message starts a DH ratchet step.
 */
int	ratchet_init_alice_with_keypair(struct ratchet **,
	    const uint8_t sk[RATCHET_SHAREDKEYBYTES],
	    const uint8_t bob_public[RATCHET_PUBLICKEYBYTES],
	    const uint8_t alice_secret[RATCHET_SECRETKEYBYTES])
	    __attribute__((warn_unused_result));
int	ratchet_decrypt_with_keypair(struct ratchet *,
	    uint8_t *m, size_t mlen,
	    const uint8_t *header, size_t headerlen,
	    const uint8_t *c, size_t clen,
	    const uint8_t *ad, size_t adlen,
	    const uint8_t next_secret[RATCHET_SECRETKEYBYTES])
	    __attribute__((warn_unused_result));

#endif
