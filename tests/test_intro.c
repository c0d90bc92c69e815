/* The introduction state machine, both sides in one process. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "intro.h"
#include "petname.h"

#include "intro_vectors.h"

struct side {
	struct intro		*in;
	struct intro_record	 rec;
	uint8_t			 sk[crypto_sign_SECRETKEYBYTES];
	uint8_t			 entropy[INTRO_ENTROPYBYTES];
	uint8_t			 out[INTRO_MSG_MAX];
	size_t			 outlen;
	char			 err[128];
	/* Messages sent and not yet delivered, oldest first. */
	uint8_t			 q[4][INTRO_MSG_MAX];
	size_t			 qlen[4];
	int			 nq;
};

static void
queue_out(struct side *s)
{
	if (s->outlen == 0)
		return;
	assert_true(s->nq < 4);
	memcpy(s->q[s->nq], s->out, s->outlen);
	s->qlen[s->nq++] = s->outlen;
	s->outlen = 0;
}

static void
side_init(struct side *s, const char *onion_char, const char *name)
{
	memset(s, 0, sizeof(*s));
	crypto_sign_keypair(s->rec.identity_pk, s->sk);
	randombytes_buf(s->rec.ratchet_pk, sizeof(s->rec.ratchet_pk));
	randombytes_buf(s->rec.token, sizeof(s->rec.token));
	memset(s->rec.onion_id, onion_char[0], INTRO_ONION_ID_LEN);
	snprintf(s->rec.name, sizeof(s->rec.name), "%s", name);
	randombytes_buf(s->entropy, sizeof(s->entropy));
}

static void
start(struct side *s, enum intro_role role, const char *code)
{
	assert_int_equal(intro_new(&s->in, role, code, s->entropy, &s->rec,
	    s->sk, s->out, &s->outlen), 0);
	s->nq = 0;
	queue_out(s);
}

/* Deliver FROM's oldest message to TO; return TO's status. */
static enum intro_status
deliver(struct side *from, struct side *to)
{
	enum intro_status	st;

	assert_true(from->nq > 0);
	st = intro_receive(to->in, from->q[0], from->qlen[0], to->out,
	    &to->outlen, to->err, sizeof(to->err));
	memmove(from->q[0], from->q[1], sizeof(from->q[0]) * 3);
	memmove(from->qlen, from->qlen + 1, sizeof(from->qlen[0]) * 3);
	from->nq--;
	queue_out(to);
	return st;
}

static void
same_code_introduces(void **state)
{
	struct side	a, b;
	uint8_t		ska[INTRO_SESSIONBYTES], skb[INTRO_SESSIONBYTES];
	char		va[INTRO_VERIFY_MAX], vb[INTRO_VERIFY_MAX];

	side_init(&a, "a", "alice");
	side_init(&b, "b", "Bob \xc3\xa9");
	start(&a, INTRO_INVITER, "7-aardvark-adroitness");
	start(&b, INTRO_ACCEPTER, "7-aardvark-adroitness");
	/* PAKE, CONFIRM, RECORD: each crossing the other's. */
	assert_int_equal(deliver(&a, &b), INTRO_CONTINUE);
	assert_int_equal(deliver(&b, &a), INTRO_CONTINUE);
	assert_int_equal(deliver(&b, &a), INTRO_CONTINUE);
	assert_int_equal(deliver(&a, &b), INTRO_CONTINUE);
	assert_int_equal(deliver(&a, &b), INTRO_DONE);
	assert_int_equal(deliver(&b, &a), INTRO_DONE);
	assert_int_equal(a.nq + b.nq, 0);

	assert_memory_equal(intro_peer(a.in), &b.rec, sizeof(b.rec));
	assert_memory_equal(intro_peer(b.in), &a.rec, sizeof(a.rec));
	intro_session_key(a.in, ska);
	intro_session_key(b.in, skb);
	assert_memory_equal(ska, skb, sizeof(ska));
	intro_verification(va, a.rec.identity_pk, b.rec.identity_pk);
	intro_verification(vb, b.rec.identity_pk, a.rec.identity_pk);
	assert_string_equal(va, vb);
	assert_non_null(strchr(va, ' '));
	intro_free(a.in);
	intro_free(b.in);
}

static void
wrong_code_fails_at_confirmation(void **state)
{
	struct side	a, b;

	side_init(&a, "a", "");
	side_init(&b, "b", "");
	start(&a, INTRO_INVITER, "7-aardvark-adroitness");
	start(&b, INTRO_ACCEPTER, "7-aardvark-absurd");
	assert_int_equal(deliver(&a, &b), INTRO_CONTINUE);
	assert_int_equal(deliver(&b, &a), INTRO_CONTINUE);
	/* The confirmations cross; each side sees the other's is wrong. */
	assert_int_equal(deliver(&a, &b), INTRO_FAILED);
	assert_string_equal(b.err, "wrong code or tampering");
	assert_int_equal(deliver(&b, &a), INTRO_FAILED);
	assert_string_equal(a.err, "wrong code or tampering");
	assert_int_equal(a.nq + b.nq, 0);	/* no record left either side */
	assert_null(intro_peer(b.in));
	intro_free(a.in);
	intro_free(b.in);
}

static void
same_entropy_same_first_message(void **state)
{
	struct side	a;
	uint8_t		first[INTRO_MSG_MAX];
	size_t		n;

	side_init(&a, "a", "");
	start(&a, INTRO_INVITER, "9-aardvark-adroitness");
	memcpy(first, a.out, a.outlen);
	n = a.outlen;
	intro_free(a.in);
	start(&a, INTRO_INVITER, "9-aardvark-adroitness");
	assert_int_equal(a.outlen, n);
	assert_memory_equal(a.out, first, n);
	intro_free(a.in);
}

static void
tampered_and_malformed_messages(void **state)
{
	struct side	a, b;
	uint8_t		msg[INTRO_MSG_MAX];
	size_t		len;

	/* A flipped bit in the record is caught. */
	side_init(&a, "a", "x");
	side_init(&b, "b", "y");
	start(&a, INTRO_INVITER, "7-aardvark-adroitness");
	start(&b, INTRO_ACCEPTER, "7-aardvark-adroitness");
	assert_int_equal(deliver(&a, &b), INTRO_CONTINUE);
	assert_int_equal(deliver(&b, &a), INTRO_CONTINUE);
	assert_int_equal(deliver(&a, &b), INTRO_CONTINUE);
	assert_int_equal(deliver(&b, &a), INTRO_CONTINUE);
	assert_int_equal(a.nq, 1);	/* a's record */
	memcpy(msg, a.q[0], a.qlen[0]);
	len = a.qlen[0];
	msg[len - 20] ^= 1;
	assert_int_equal(intro_receive(b.in, msg, len, b.out, &b.outlen, b.err,
	    sizeof(b.err)), INTRO_FAILED);
	assert_non_null(strstr(b.err, "record is invalid"));
	intro_free(a.in);
	intro_free(b.in);

	/* Wrong version, wrong type, wrong length, garbage. */
	side_init(&a, "a", "");
	start(&a, INTRO_INVITER, "7-aardvark-adroitness");
	memset(msg, 0, sizeof(msg));
	msg[0] = 2;
	msg[1] = INTRO_MSG_PAKE;
	assert_int_equal(intro_receive(a.in, msg, 35, a.out, &a.outlen, a.err,
	    sizeof(a.err)), INTRO_FAILED);
	assert_non_null(strstr(a.err, "another protocol version"));
	/* After a failure, nothing more is accepted. */
	assert_int_equal(intro_receive(a.in, msg, 35, a.out, &a.outlen, a.err,
	    sizeof(a.err)), INTRO_FAILED);
	intro_free(a.in);

	start(&a, INTRO_INVITER, "7-aardvark-adroitness");
	msg[0] = INTRO_VERSION;
	msg[1] = INTRO_MSG_CONFIRM;
	assert_int_equal(intro_receive(a.in, msg, 34, a.out, &a.outlen, a.err,
	    sizeof(a.err)), INTRO_FAILED);
	intro_free(a.in);
	start(&a, INTRO_INVITER, "7-aardvark-adroitness");
	msg[1] = INTRO_MSG_PAKE;
	assert_int_equal(intro_receive(a.in, msg, 20, a.out, &a.outlen, a.err,
	    sizeof(a.err)), INTRO_FAILED);
	intro_free(a.in);
	start(&a, INTRO_INVITER, "7-aardvark-adroitness");
	assert_int_equal(intro_receive(a.in, msg, 1, a.out, &a.outlen, a.err,
	    sizeof(a.err)), INTRO_FAILED);
	intro_free(a.in);
}

static void
hex(uint8_t *out, size_t outlen, const char *h)
{
	size_t	n;

	assert_int_equal(sodium_hex2bin(out, outlen, h, strlen(h), NULL, &n,
	    NULL), 0);
	assert_int_equal(n, outlen);
}

/* The key schedule against tests/intro_vectors.py's known answers. */
static void
key_schedule_known_answers(void **state)
{
	struct side	a, b;
	uint8_t		want[INTRO_MSG_MAX], sk[INTRO_SESSIONBYTES];

	side_init(&a, "a", "");
	side_init(&b, "b", "");
	hex(a.entropy, sizeof(a.entropy), intro_kat_entropy_a);
	hex(b.entropy, sizeof(b.entropy), intro_kat_entropy_b);
	start(&a, INTRO_INVITER, intro_kat_password);
	start(&b, INTRO_ACCEPTER, intro_kat_password);
	hex(want, 35, intro_kat_msg_pake_a);
	assert_int_equal(a.qlen[0], 35);
	assert_memory_equal(a.q[0], want, 35);
	hex(want, 35, intro_kat_msg_pake_b);
	assert_memory_equal(b.q[0], want, 35);

	assert_int_equal(deliver(&a, &b), INTRO_CONTINUE);
	assert_int_equal(deliver(&b, &a), INTRO_CONTINUE);
	hex(want, 34, intro_kat_msg_confirm_a);
	assert_int_equal(a.qlen[0], 34);
	assert_memory_equal(a.q[0], want, 34);
	hex(want, 34, intro_kat_msg_confirm_b);
	assert_memory_equal(b.q[0], want, 34);

	assert_int_equal(deliver(&a, &b), INTRO_CONTINUE);
	assert_int_equal(deliver(&b, &a), INTRO_CONTINUE);
	assert_int_equal(deliver(&a, &b), INTRO_DONE);
	assert_int_equal(deliver(&b, &a), INTRO_DONE);
	hex(want, INTRO_SESSIONBYTES, intro_kat_session);
	intro_session_key(a.in, sk);
	assert_memory_equal(sk, want, INTRO_SESSIONBYTES);
	intro_session_key(b.in, sk);
	assert_memory_equal(sk, want, INTRO_SESSIONBYTES);
	intro_free(a.in);
	intro_free(b.in);
}

static void
record_encoding_bounds(void **state)
{
	struct intro_record	r, d;
	uint8_t			buf[INTRO_RECORD_MAX];
	size_t			n;

	memset(&r, 0, sizeof(r));
	memset(r.onion_id, 'q', INTRO_ONION_ID_LEN);
	strcpy(r.name, "carol");
	n = intro_record_encode(buf, sizeof(buf), &r);
	assert_true(n > 0);
	assert_int_equal(intro_record_decode(&d, buf, n), 0);
	assert_memory_equal(&d, &r, sizeof(r));
	/* Truncated, extended, bad onion id, bad name. */
	assert_int_equal(intro_record_decode(&d, buf, n - 1), -1);
	assert_int_equal(intro_record_decode(&d, buf, n + 1), -1);
	buf[1 + 96] = 'Z';
	assert_int_equal(intro_record_decode(&d, buf, n), -1);
	buf[1 + 96] = 'q';
	buf[n - 1] = '\n';
	assert_int_equal(intro_record_decode(&d, buf, n), -1);
	/* A name longer than allowed does not encode. */
	memset(r.name, 'x', INTRO_NAME_MAX);
	r.name[INTRO_NAME_MAX] = '\0';
	assert_true(intro_record_encode(buf, sizeof(buf), &r) > 0);
}

static void
petnames(void **state)
{
	char	err[128];

	assert_int_equal(petname_check("bob", 3, err, sizeof(err)), 0);
	assert_int_equal(petname_check("Zoë Ø 東京", strlen("Zoë Ø 東京"), err,
	    sizeof(err)), 0);
	assert_int_equal(petname_check("", 0, err, sizeof(err)), -1);
	assert_int_equal(petname_check(" bob", 4, err, sizeof(err)), -1);
	assert_int_equal(petname_check("bo\nb", 4, err, sizeof(err)), -1);
	assert_int_equal(petname_check("bo\x7f", 3, err, sizeof(err)), -1);
	assert_int_equal(petname_check("\xc3\x28", 2, err, sizeof(err)), -1);
	assert_int_equal(petname_check("\xc0\xaf", 2, err, sizeof(err)), -1);
	assert_int_equal(petname_check("\xe2\x80\xae" "bob", 6, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "direction"));
	assert_int_equal(petname_check(
	    "01234567890123456789012345678901234567890123456789012345678901234",
	    65, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_code_introduces),
		cmocka_unit_test(wrong_code_fails_at_confirmation),
		cmocka_unit_test(same_entropy_same_first_message),
		cmocka_unit_test(tampered_and_malformed_messages),
		cmocka_unit_test(key_schedule_known_answers),
		cmocka_unit_test(record_encoding_bounds),
		cmocka_unit_test(petnames),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
