/*
 * Unit tests of torctl's pure functions (torctl/reply.c): the reply
 * parser on golden replies, quoted strings, KEY=VALUE lookups, argument
 * checks, the SAFECOOKIE hashes and the bootstrap and HS_DESC parsers.
 * No sockets.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "torctl.h"

/* Feed all of BUF; collect up to MAX replies. Returns the number of
 * replies, or -1 on a parse error (the message is in P->error). */
static int
parse_all(struct torctl_parser *p, struct torctl_reply **out, int max,
    const char *buf, size_t len)
{
	enum torctl_parse	rv;
	size_t			used;
	int			n = 0;

	while (len > 0) {
		rv = torctl_parser_feed(p, &used, buf, len);
		buf += used;
		len -= used;
		if (rv == TORCTL_PARSE_ERROR)
			return -1;
		if (rv == TORCTL_PARSE_MORE)
			break;
		assert_true(n < max);
		out[n++] = torctl_parser_take(p);
	}
	return n;
}

static struct torctl_reply *
parse_one(const char *s)
{
	struct torctl_parser	 p;
	struct torctl_reply	*r[2];

	torctl_parser_init(&p);
	assert_int_equal(parse_all(&p, r, 2, s, strlen(s)), 1);
	assert_null(p.cur);
	torctl_parser_clear(&p);
	return r[0];
}

static void
parse_error(const char *s, size_t len, const char *want)
{
	struct torctl_parser	 p;
	struct torctl_reply	*r[4];

	torctl_parser_init(&p);
	assert_int_equal(parse_all(&p, r, 4, s, len), -1);
	assert_non_null(strstr(p.error, want));
	assert_null(p.cur);
	torctl_parser_clear(&p);
}

static void
reply_simple(void **state)
{
	struct torctl_reply	*r = parse_one("250 OK\r\n");

	assert_int_equal(r->code, 250);
	assert_int_equal(r->nlines, 1);
	assert_int_equal(r->lines[0].sep, ' ');
	assert_string_equal(r->lines[0].text, "OK");
	assert_null(r->lines[0].data);
	torctl_reply_free(r);
}

static void
reply_multiline(void **state)
{
	struct torctl_reply *r = parse_one(
	    "250-PROTOCOLINFO 1\r\n"
	    "250-AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE=\"/tmp/x/"
	    "control_auth_cookie\"\r\n"
	    "250-VERSION Tor=\"0.4.9.11\"\r\n"
	    "250 OK\r\n");
	char	v[64];

	assert_int_equal(r->code, 250);
	assert_int_equal(r->nlines, 4);
	assert_string_equal(r->lines[0].text, "PROTOCOLINFO 1");
	assert_int_equal(r->lines[2].sep, '-');
	assert_int_equal(torctl_kv_get(v, sizeof(v), r->lines[1].text,
	    "COOKIEFILE"), 0);
	assert_string_equal(v, "/tmp/x/control_auth_cookie");
	assert_int_equal(torctl_kv_get(v, sizeof(v), r->lines[1].text,
	    "METHODS"), 0);
	assert_string_equal(v, "COOKIE,SAFECOOKIE");
	assert_int_equal(torctl_kv_get(v, sizeof(v), r->lines[2].text,
	    "Tor"), 0);
	assert_string_equal(v, "0.4.9.11");
	torctl_reply_free(r);
}

static void
reply_data_block(void **state)
{
	struct torctl_reply *r = parse_one(
	    "250+config-text=\r\n"
	    "SocksPort 0\r\n"
	    "..leading dot\r\n"
	    ".\r\n"
	    "250-empty=\r\n"
	    "250+nothing=\r\n"
	    ".\r\n"
	    "250 OK\r\n");

	assert_int_equal(r->nlines, 4);
	assert_int_equal(r->lines[0].sep, '+');
	assert_string_equal(r->lines[0].text, "config-text=");
	assert_string_equal(r->lines[0].data, "SocksPort 0\n.leading dot\n");
	assert_int_equal(r->lines[0].datalen, 25);
	assert_null(r->lines[1].data);
	assert_string_equal(r->lines[2].data, "");
	assert_int_equal(r->lines[2].datalen, 0);
	assert_string_equal(r->lines[3].text, "OK");
	torctl_reply_free(r);
}

static void
reply_error_code(void **state)
{
	struct torctl_reply	*r = parse_one(
	    "552 Unrecognized key \"nope\"\r\n");
	char			 err[128];

	assert_int_equal(r->code, 552);
	torctl_reply_error(err, sizeof(err), r);
	assert_string_equal(err, "552 Unrecognized key \"nope\"");
	torctl_reply_free(r);
}

/* Events arrive between replies; each comes out whole and in order. */
static void
reply_events_interleaved(void **state)
{
	static const char s[] =
	    "250-version=0.4.9.11\r\n"
	    "250 OK\r\n"
	    "650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=5 TAG=conn "
	    "SUMMARY=\"Connecting to a relay\"\r\n"
	    "650-HS_DESC UPLOADED abc UNKNOWN $AAAA\r\n"
	    "650 OK\r\n"
	    "250 OK\r\n";
	struct torctl_parser	 p;
	struct torctl_reply	*r[8];
	size_t			 i, used, off = 0;
	int			 n = 0;
	enum torctl_parse	 rv;

	/* Byte by byte, the way a slow socket might deliver it. */
	torctl_parser_init(&p);
	for (i = 1; i <= sizeof(s) - 1; i++) {
		rv = torctl_parser_feed(&p, &used, s + off, i - off);
		assert_int_not_equal(rv, TORCTL_PARSE_ERROR);
		off += used;
		if (rv == TORCTL_PARSE_REPLY)
			r[n++] = torctl_parser_take(&p);
	}
	assert_int_equal(off, sizeof(s) - 1);
	assert_int_equal(n, 4);
	assert_int_equal(r[0]->code, 250);
	assert_int_equal(r[0]->nlines, 2);
	assert_int_equal(r[1]->code, 650);
	assert_non_null(strstr(r[1]->lines[0].text, "BOOTSTRAP"));
	assert_int_equal(r[2]->code, 650);
	assert_int_equal(r[2]->nlines, 2);
	assert_int_equal(r[3]->code, 250);
	for (i = 0; i < 4; i++)
		torctl_reply_free(r[i]);
	torctl_parser_clear(&p);
}

static void
reply_bare_lf(void **state)
{
	struct torctl_reply	*r = parse_one("250-a=1\n250 OK\n");

	assert_int_equal(r->nlines, 2);
	assert_string_equal(r->lines[0].text, "a=1");
	torctl_reply_free(r);
}

static void
reply_malformed(void **state)
{
	parse_error("hello\r\n", 7, "no status code");
	parse_error("25 OK\r\n", 7, "no status code");
	parse_error("250\r\n", 5, "no status code");
	parse_error("250_OK\r\n", 8, "bad separator");
	parse_error("100 Continue\r\n", 14, "unknown status code");
	parse_error("250-a\r\n550 b\r\n", 14, "mixes status codes");
	parse_error("250 O\0K\r\n", 9, "NUL byte");
	parse_error("\r\n", 2, "no status code");
}

static void
reply_oversized(void **state)
{
	struct torctl_parser	 p;
	struct torctl_reply	*r[1];
	char			*big;
	size_t			 n, used, i, linelen;
	enum torctl_parse	 rv = TORCTL_PARSE_MORE;

	/* A line with no end, longer than the bound. */
	n = TORCTL_LINE_MAX + 10;
	big = malloc(n);
	assert_non_null(big);
	memcpy(big, "250 ", 4);
	memset(big + 4, 'x', n - 4);
	parse_error(big, n, "longer than");
	/* A complete line over the bound. */
	big[n - 2] = '\r';
	big[n - 1] = '\n';
	parse_error(big, n, "longer than");
	free(big);

	/* A data block that never ends grows past the reply bound. */
	torctl_parser_init(&p);
	rv = torctl_parser_feed(&p, &used, "250+x=\r\n", 8);
	assert_int_equal(rv, TORCTL_PARSE_MORE);
	linelen = 1000;
	big = malloc(linelen + 2);
	assert_non_null(big);
	memset(big, 'y', linelen);
	memcpy(big + linelen, "\r\n", 2);
	for (i = 0; i < TORCTL_REPLY_MAX / linelen + 2; i++) {
		rv = torctl_parser_feed(&p, &used, big, linelen + 2);
		if (rv != TORCTL_PARSE_MORE)
			break;
		assert_int_equal(used, linelen + 2);
	}
	assert_int_equal(rv, TORCTL_PARSE_ERROR);
	assert_non_null(strstr(p.error, "reply larger than"));
	free(big);
	torctl_parser_clear(&p);

	/* Too many lines. */
	torctl_parser_init(&p);
	for (i = 0; i <= TORCTL_REPLY_LINES_MAX; i++) {
		rv = torctl_parser_feed(&p, &used, "250-a\r\n", 7);
		if (rv != TORCTL_PARSE_MORE)
			break;
	}
	assert_int_equal(rv, TORCTL_PARSE_ERROR);
	assert_non_null(strstr(p.error, "lines"));
	torctl_parser_clear(&p);
	(void)r;
}

static void
unquote_escapes(void **state)
{
	char	out[64];
	size_t	used;

	assert_int_equal(torctl_unquote(out, sizeof(out), &used,
	    "\"a\\\"b\\\\c\\n\\t\\r\\101\" rest"), 0);
	assert_string_equal(out, "a\"b\\c\n\t\rA");
	assert_int_equal(used, 19);
	assert_int_equal(torctl_unquote(out, sizeof(out), &used, "\"\""), 0);
	assert_string_equal(out, "");
	/* Unterminated, bad escape, escaped NUL, no quote, too small. */
	assert_int_equal(torctl_unquote(out, sizeof(out), &used, "\"abc"), -1);
	assert_int_equal(torctl_unquote(out, sizeof(out), &used, "\"a\\q\""),
	    -1);
	assert_int_equal(torctl_unquote(out, sizeof(out), &used,
	    "\"a\\000\""), -1);
	assert_int_equal(torctl_unquote(out, sizeof(out), &used, "\"a\\1\""),
	    -1);
	assert_int_equal(torctl_unquote(out, sizeof(out), &used, "abc"), -1);
	assert_int_equal(torctl_unquote(out, 3, &used, "\"abc\""), -1);
}

static void
quote_and_args(void **state)
{
	char	out[64];

	assert_int_equal(torctl_quote(out, sizeof(out), "a \"b\" \\c"), 0);
	assert_string_equal(out, "\"a \\\"b\\\" \\\\c\"");
	assert_int_equal(torctl_quote(out, sizeof(out), "x\r\nSIGNAL HALT"),
	    -1);
	assert_int_equal(torctl_quote(out, sizeof(out), "x\n"), -1);
	assert_int_equal(torctl_quote(out, 4, "abcd"), -1);

	assert_true(torctl_arg_ok("unix:/tmp/x.sock"));
	assert_true(torctl_arg_ok("127.0.0.1:8080"));
	assert_false(torctl_arg_ok(""));
	assert_false(torctl_arg_ok(NULL));
	assert_false(torctl_arg_ok("a b"));
	assert_false(torctl_arg_ok("a\r\nSIGNAL HALT"));
	assert_false(torctl_arg_ok("a\"b"));

	assert_true(torctl_service_id_ok(
	    "kgzho6cfgqam2t4oeoulbhadg374aainuh5ewrqgxgrnfxqykfbxfyyd"));
	assert_false(torctl_service_id_ok(
	    "kgzho6cfgqam2t4oeoulbhadg374aainuh5ewrqgxgrnfxqykfbxfyy"));
	assert_false(torctl_service_id_ok(
	    "Kgzho6cfgqam2t4oeoulbhadg374aainuh5ewrqgxgrnfxqykfbxfyyd"));
	assert_false(torctl_service_id_ok(
	    "kgzho6cfgqam2t4oeoulbhadg374aainuh5ewrqgxgrnfxqykfbxfyy1"));
}

static void
kv_and_words(void **state)
{
	const char	*line = "NOTICE BOOTSTRAP PROGRESS=75 TAGX=no "
	    "TAG=\"enough dirinfo\" SUMMARY=\"Say \\\"hi\\\"\" EMPTY=";
	char		 v[64];

	assert_int_equal(torctl_kv_get(v, sizeof(v), line, "PROGRESS"), 0);
	assert_string_equal(v, "75");
	assert_int_equal(torctl_kv_get(v, sizeof(v), line, "TAG"), 0);
	assert_string_equal(v, "enough dirinfo");
	assert_int_equal(torctl_kv_get(v, sizeof(v), line, "SUMMARY"), 0);
	assert_string_equal(v, "Say \"hi\"");
	assert_int_equal(torctl_kv_get(v, sizeof(v), line, "EMPTY"), 0);
	assert_string_equal(v, "");
	assert_int_equal(torctl_kv_get(v, sizeof(v), line, "PROG"), -1);
	assert_int_equal(torctl_kv_get(v, sizeof(v), line, "MISSING"), -1);
	assert_int_equal(torctl_kv_get(v, 2, line, "PROGRESS"), -1);

	assert_int_equal(torctl_word(v, sizeof(v), line, 0), 0);
	assert_string_equal(v, "NOTICE");
	/* A quoted value with spaces is one word. */
	assert_int_equal(torctl_word(v, sizeof(v), line, 4), 0);
	assert_string_equal(v, "TAG=\"enough dirinfo\"");
	assert_int_equal(torctl_word(v, sizeof(v), line, 7), -1);
}

static void
safecookie_vector(void **state)
{
	uint8_t	cookie[32], cn[32], sn[32], sh[32], ch[32];
	char	hex[65];
	int	i;

	for (i = 0; i < 32; i++) {
		cookie[i] = (uint8_t)i;
		cn[i] = (uint8_t)(32 + i);
		sn[i] = (uint8_t)(64 + i);
	}
	torctl_safecookie_hashes(sh, ch, cookie, cn, sn);
	/* Computed independently with Python's hmac module. */
	sodium_bin2hex(hex, sizeof(hex), sh, sizeof(sh));
	assert_string_equal(hex, "3c8780ab52365c0d080750447e5f64da"
	    "bc00428c6c434579c2043e18c1f85389");
	sodium_bin2hex(hex, sizeof(hex), ch, sizeof(ch));
	assert_string_equal(hex, "b47642df2d5abb84f69e6d02d41bed6b"
	    "44aee33e69562528a82166fc98bc0b1e");
}

static void
bootstrap_parse(void **state)
{
	struct torctl_bootstrap	b;

	assert_int_equal(torctl_bootstrap_parse(&b, "NOTICE BOOTSTRAP "
	    "PROGRESS=100 TAG=done SUMMARY=\"Done\""), 0);
	assert_int_equal(b.percent, 100);
	assert_string_equal(b.tag, "done");
	assert_string_equal(b.summary, "Done");
	assert_false(b.warning);

	assert_int_equal(torctl_bootstrap_parse(&b, "WARN BOOTSTRAP "
	    "PROGRESS=10 TAG=conn_done SUMMARY=\"Connected to a relay\" "
	    "WARNING=\"Connection refused\" REASON=CONNECTREFUSED COUNT=3 "
	    "RECOMMENDATION=ignore"), 0);
	assert_int_equal(b.percent, 10);
	assert_true(b.warning);
	assert_string_equal(b.reason, "CONNECTREFUSED");

	assert_int_equal(torctl_bootstrap_parse(&b, "NOTICE CIRCUIT_ESTABLISHED"),
	    -1);
	assert_int_equal(torctl_bootstrap_parse(&b, "NOTICE BOOTSTRAP "
	    "PROGRESS=101 TAG=x SUMMARY=\"x\""), -1);
	assert_int_equal(torctl_bootstrap_parse(&b, "NOTICE BOOTSTRAP "
	    "PROGRESS=5x TAG=x SUMMARY=\"x\""), -1);
}

static void
hs_desc_parse(void **state)
{
	struct torctl_hs_desc	d;
	const char		*id =
	    "kgzho6cfgqam2t4oeoulbhadg374aainuh5ewrqgxgrnfxqykfbxfyyd";
	char			 line[512];

	snprintf(line, sizeof(line), "HS_DESC UPLOADED %s UNKNOWN "
	    "$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", id);
	assert_int_equal(torctl_hs_desc_parse(&d, line), 0);
	assert_int_equal(d.action, TORCTL_HS_DESC_UPLOADED);
	assert_string_equal(d.service_id, id);
	assert_string_equal(d.hsdir,
	    "$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

	snprintf(line, sizeof(line), "HS_DESC FAILED %s NO_AUTH $BBBB "
	    "descid REASON=UPLOAD_REJECTED", id);
	assert_int_equal(torctl_hs_desc_parse(&d, line), 0);
	assert_int_equal(d.action, TORCTL_HS_DESC_FAILED);
	assert_string_equal(d.reason, "UPLOAD_REJECTED");

	snprintf(line, sizeof(line), "HS_DESC UPLOAD %s UNKNOWN $C descid "
	    "HSDIR_INDEX=abc", id);
	assert_int_equal(torctl_hs_desc_parse(&d, line), 0);
	assert_int_equal(d.action, TORCTL_HS_DESC_UPLOAD);

	assert_int_equal(torctl_hs_desc_parse(&d, "HS_DESC"), -1);
	assert_int_equal(torctl_hs_desc_parse(&d, "CIRC 1 BUILT"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reply_simple),
		cmocka_unit_test(reply_multiline),
		cmocka_unit_test(reply_data_block),
		cmocka_unit_test(reply_error_code),
		cmocka_unit_test(reply_events_interleaved),
		cmocka_unit_test(reply_bare_lf),
		cmocka_unit_test(reply_malformed),
		cmocka_unit_test(reply_oversized),
		cmocka_unit_test(unquote_escapes),
		cmocka_unit_test(quote_and_args),
		cmocka_unit_test(kv_and_words),
		cmocka_unit_test(safecookie_vector),
		cmocka_unit_test(bootstrap_parse),
		cmocka_unit_test(hs_desc_parse),
	};

	if (sodium_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
