/*
 * Control-port replies as pure functions over buffers: the line-level
 * reply parser, quoted strings, KEY=VALUE lookups and the SAFECOOKIE
 * hashes. No I/O here; conn.c only moves bytes into these.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "torctl.h"
#include "torctl-int.h"

static const char safecookie_server_key[] =
    "Tor safe cookie authentication server-to-controller hash";
static const char safecookie_client_key[] =
    "Tor safe cookie authentication controller-to-server hash";

size_t
torctl_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	len = strlen(src);

	if (size > 0) {
		size_t	n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

size_t
torctl_strlcat(char *dst, const char *src, size_t size)
{
	size_t	dlen = strnlen(dst, size);

	if (dlen == size)
		return size + strlen(src);
	return dlen + torctl_strlcpy(dst + dlen, src, size - dlen);
}

static enum torctl_parse
parser_fail(struct torctl_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum torctl_parse
parser_fail(struct torctl_parser *p, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
	torctl_reply_free(p->cur);
	p->cur = NULL;
	if (p->data != NULL) {
		sodium_memzero(p->data, p->datacap);
		free(p->data);
	}
	p->data = NULL;
	p->datalen = p->datacap = 0;
	p->in_data = 0;
	return TORCTL_PARSE_ERROR;
}

void
torctl_parser_init(struct torctl_parser *p)
{
	memset(p, 0, sizeof(*p));
}

void
torctl_parser_clear(struct torctl_parser *p)
{
	char	error[TORCTL_ERROR_MAX];

	memcpy(error, p->error, sizeof(error));
	(void)parser_fail(p, "%s", "");
	memcpy(p->error, error, sizeof(error));
}

void
torctl_reply_free(struct torctl_reply *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nlines; i++) {
		if (r->lines[i].text != NULL) {
			sodium_memzero(r->lines[i].text,
			    strlen(r->lines[i].text));
			free(r->lines[i].text);
		}
		if (r->lines[i].data != NULL) {
			sodium_memzero(r->lines[i].data, r->lines[i].datalen);
			free(r->lines[i].data);
		}
	}
	free(r->lines);
	free(r);
}

struct torctl_reply *
torctl_parser_take(struct torctl_parser *p)
{
	struct torctl_reply	*r = p->cur;

	p->cur = NULL;
	p->linecap = 0;
	return r;
}

static int
is_complete(const struct torctl_reply *r)
{
	return r != NULL && r->nlines > 0 &&
	    r->lines[r->nlines - 1].sep == ' ';
}

/* Append to the data block being read. */
static int
data_append(struct torctl_parser *p, const char *s, size_t len)
{
	size_t	 need, cap;
	char	*n;

	need = p->datalen + len + 2;
	if (need > p->datacap) {
		cap = p->datacap ? p->datacap : 256;
		while (cap < need)
			cap *= 2;
		if ((n = malloc(cap)) == NULL)
			return -1;
		if (p->data != NULL) {
			memcpy(n, p->data, p->datalen);
			sodium_memzero(p->data, p->datacap);
			free(p->data);
		}
		p->data = n;
		p->datacap = cap;
	}
	memcpy(p->data + p->datalen, s, len);
	p->datalen += len;
	p->data[p->datalen++] = '\n';
	p->data[p->datalen] = '\0';
	return 0;
}

enum torctl_parse
torctl_parser_line(struct torctl_parser *p, const char *line, size_t len)
{
	struct torctl_reply	*r;
	struct torctl_line	*l, *nl;
	size_t			 cap;
	int			 code;
	char			 sep;

	if (len > TORCTL_LINE_MAX)
		return parser_fail(p, "reply line longer than %u bytes",
		    TORCTL_LINE_MAX);
	if (memchr(line, '\0', len) != NULL)
		return parser_fail(p, "NUL byte in a reply line");

	r = p->cur;
	if (p->in_data) {
		if (len == 1 && line[0] == '.') {
			l = &r->lines[r->nlines - 1];
			/* An empty block is "". */
			if (p->data == NULL && (p->data = calloc(1, 1)) == NULL)
				return parser_fail(p, "out of memory");
			l->data = p->data;
			l->datalen = p->datalen;
			p->data = NULL;
			p->datalen = p->datacap = 0;
			p->in_data = 0;
			return TORCTL_PARSE_MORE;
		}
		/* Dot-stuffing: a leading '.' is doubled on the wire. */
		if (len > 0 && line[0] == '.') {
			line++;
			len--;
		}
		if (r->size + len + 1 > TORCTL_REPLY_MAX)
			return parser_fail(p, "reply larger than %u bytes",
			    TORCTL_REPLY_MAX);
		if (data_append(p, line, len) == -1)
			return parser_fail(p, "out of memory");
		r->size += len + 1;
		return TORCTL_PARSE_MORE;
	}

	if (len < 4 || !isdigit((unsigned char)line[0]) ||
	    !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]))
		return parser_fail(p, "malformed reply line (no status code)");
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	sep = line[3];
	if (sep != '-' && sep != '+' && sep != ' ')
		return parser_fail(p, "malformed reply line (bad separator "
		    "after %03d)", code);
	if (code < 200 || code > 699)
		return parser_fail(p, "reply with unknown status code %03d",
		    code);

	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return parser_fail(p, "out of memory");
		r->code = code;
		p->cur = r;
		p->linecap = 0;
	} else if (r->code != code)
		return parser_fail(p, "reply mixes status codes %03d and %03d",
		    r->code, code);
	if (r->nlines >= TORCTL_REPLY_LINES_MAX)
		return parser_fail(p, "reply of more than %u lines",
		    TORCTL_REPLY_LINES_MAX);
	if (r->size + len > TORCTL_REPLY_MAX)
		return parser_fail(p, "reply larger than %u bytes",
		    TORCTL_REPLY_MAX);

	if (r->nlines == p->linecap) {
		cap = p->linecap ? p->linecap * 2 : 4;
		if ((nl = reallocarray(r->lines, cap, sizeof(*nl))) == NULL)
			return parser_fail(p, "out of memory");
		r->lines = nl;
		p->linecap = cap;
	}
	l = &r->lines[r->nlines];
	memset(l, 0, sizeof(*l));
	if ((l->text = malloc(len - 4 + 1)) == NULL)
		return parser_fail(p, "out of memory");
	memcpy(l->text, line + 4, len - 4);
	l->text[len - 4] = '\0';
	l->sep = sep;
	r->nlines++;
	r->size += len - 4;

	if (sep == '+') {
		p->in_data = 1;
		return TORCTL_PARSE_MORE;
	}
	return is_complete(r) ? TORCTL_PARSE_REPLY : TORCTL_PARSE_MORE;
}

enum torctl_parse
torctl_parser_feed(struct torctl_parser *p, size_t *used, const char *buf,
    size_t len)
{
	const char		*nl;
	size_t			 off = 0, linelen;
	enum torctl_parse	 rv;

	*used = 0;
	while (off < len) {
		nl = memchr(buf + off, '\n', len - off);
		if (nl == NULL) {
			if (len - off > TORCTL_LINE_MAX)
				return parser_fail(p, "reply line longer "
				    "than %u bytes", TORCTL_LINE_MAX);
			break;
		}
		linelen = (size_t)(nl - (buf + off));
		/* Lines end in CRLF; a bare LF is accepted. */
		if (linelen > 0 && buf[off + linelen - 1] == '\r')
			linelen--;
		rv = torctl_parser_line(p, buf + off, linelen);
		off = (size_t)(nl - buf) + 1;
		*used = off;
		if (rv != TORCTL_PARSE_MORE)
			return rv;
	}
	return TORCTL_PARSE_MORE;
}

void
torctl_reply_error(char *out, size_t outlen, const struct torctl_reply *r)
{
	if (r == NULL) {
		snprintf(out, outlen, "no reply");
		return;
	}
	snprintf(out, outlen, "%03d %s", r->code,
	    r->nlines > 0 ? r->lines[r->nlines - 1].text : "");
}

int
torctl_unquote(char *out, size_t outlen, size_t *consumed, const char *in)
{
	const char	*s = in;
	size_t		 o = 0;
	int		 c, i;

	if (outlen == 0 || *s != '"')
		return -1;
	s++;
	for (;;) {
		c = (unsigned char)*s++;
		if (c == '\0' || c == '\r' || c == '\n')
			return -1;
		if (c == '"')
			break;
		if (c == '\\') {
			c = (unsigned char)*s++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case '\\':
			case '"':
			case '\'':
				break;
			case '0': case '1': case '2': case '3':
				c -= '0';
				for (i = 0; i < 2; i++) {
					if (*s < '0' || *s > '7')
						return -1;
					c = c * 8 + (*s++ - '0');
				}
				if (c == 0)
					return -1;
				break;
			default:
				return -1;
			}
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (consumed != NULL)
		*consumed = (size_t)(s - in);
	return 0;
}

int
torctl_quote(char *out, size_t outlen, const char *s)
{
	size_t	o = 0;

	if (outlen < 3)
		return -1;
	out[o++] = '"';
	for (; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n')
			return -1;
		if (*s == '"' || *s == '\\') {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = '\\';
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = *s;
	}
	if (o + 2 > outlen)
		return -1;
	out[o++] = '"';
	out[o] = '\0';
	return 0;
}

/* Advance past one word, which may contain quoted strings. */
static const char *
skip_word(const char *s)
{
	while (*s != '\0' && *s != ' ') {
		if (*s == '"') {
			s++;
			while (*s != '\0' && *s != '"') {
				if (*s == '\\' && s[1] != '\0')
					s++;
				s++;
			}
			if (*s == '\0')
				return s;
		}
		s++;
	}
	return s;
}

int
torctl_kv_get(char *out, size_t outlen, const char *line, const char *key)
{
	const char	*s = line, *end;
	size_t		 klen = strlen(key), vlen;

	if (outlen == 0 || klen == 0)
		return -1;
	while (*s != '\0') {
		while (*s == ' ')
			s++;
		end = skip_word(s);
		if ((size_t)(end - s) > klen && strncmp(s, key, klen) == 0 &&
		    s[klen] == '=') {
			s += klen + 1;
			if (*s == '"')
				return torctl_unquote(out, outlen, NULL, s);
			vlen = (size_t)(end - s);
			if (vlen >= outlen)
				return -1;
			memcpy(out, s, vlen);
			out[vlen] = '\0';
			return 0;
		}
		s = end;
	}
	return -1;
}

int
torctl_word(char *out, size_t outlen, const char *line, size_t index)
{
	const char	*s = line, *end;
	size_t		 n = 0;

	while (*s != '\0') {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		end = skip_word(s);
		if (n++ == index) {
			if ((size_t)(end - s) >= outlen)
				return -1;
			memcpy(out, s, (size_t)(end - s));
			out[end - s] = '\0';
			return 0;
		}
		s = end;
	}
	return -1;
}

int
torctl_arg_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s <= ' ' || *s >= 0x7f || *s == '"' || *s == '\\')
			return 0;
	}
	return 1;
}

int
torctl_service_id_ok(const char *s)
{
	size_t	i;

	if (s == NULL || strlen(s) != TORCTL_SERVICE_ID_LEN)
		return 0;
	for (i = 0; i < TORCTL_SERVICE_ID_LEN; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '2' && s[i] <= '7')))
			return 0;
	}
	return 1;
}

static void
hmac3(uint8_t out[TORCTL_HASH_BYTES], const char *key,
    const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
    const uint8_t *c, size_t clen)
{
	crypto_auth_hmacsha256_state	st;

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key,
	    strlen(key));
	crypto_auth_hmacsha256_update(&st, a, alen);
	crypto_auth_hmacsha256_update(&st, b, blen);
	crypto_auth_hmacsha256_update(&st, c, clen);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

void
torctl_safecookie_hashes(uint8_t server_hash[TORCTL_HASH_BYTES],
    uint8_t client_hash[TORCTL_HASH_BYTES],
    const uint8_t cookie[TORCTL_COOKIE_BYTES],
    const uint8_t client_nonce[TORCTL_NONCE_BYTES],
    const uint8_t server_nonce[TORCTL_NONCE_BYTES])
{
	hmac3(server_hash, safecookie_server_key, cookie, TORCTL_COOKIE_BYTES,
	    client_nonce, TORCTL_NONCE_BYTES, server_nonce,
	    TORCTL_NONCE_BYTES);
	hmac3(client_hash, safecookie_client_key, cookie, TORCTL_COOKIE_BYTES,
	    client_nonce, TORCTL_NONCE_BYTES, server_nonce,
	    TORCTL_NONCE_BYTES);
}

int
torctl_bootstrap_parse(struct torctl_bootstrap *b, const char *text)
{
	char		 sev[16], word[32], pct[8];
	long		 v;
	char		*end;

	memset(b, 0, sizeof(*b));
	if (torctl_word(sev, sizeof(sev), text, 0) == -1 ||
	    torctl_word(word, sizeof(word), text, 1) == -1 ||
	    strcmp(word, "BOOTSTRAP") != 0)
		return -1;
	if (torctl_kv_get(pct, sizeof(pct), text, "PROGRESS") == -1)
		return -1;
	v = strtol(pct, &end, 10);
	if (*pct == '\0' || *end != '\0' || v < 0 || v > 100)
		return -1;
	b->percent = (int)v;
	b->warning = strcmp(sev, "WARN") == 0 || strcmp(sev, "ERR") == 0;
	if (torctl_kv_get(b->tag, sizeof(b->tag), text, "TAG") == -1)
		return -1;
	if (torctl_kv_get(b->summary, sizeof(b->summary), text,
	    "SUMMARY") == -1)
		return -1;
	if (torctl_kv_get(b->reason, sizeof(b->reason), text, "REASON") == -1)
		b->reason[0] = '\0';
	return 0;
}

int
torctl_hs_desc_parse(struct torctl_hs_desc *d, const char *text)
{
	char	word[32];

	memset(d, 0, sizeof(*d));
	if (torctl_word(word, sizeof(word), text, 0) == -1 ||
	    strcmp(word, "HS_DESC") != 0)
		return -1;
	if (torctl_word(d->action_name, sizeof(d->action_name), text, 1) == -1)
		return -1;
	if (strcmp(d->action_name, "UPLOAD") == 0)
		d->action = TORCTL_HS_DESC_UPLOAD;
	else if (strcmp(d->action_name, "UPLOADED") == 0)
		d->action = TORCTL_HS_DESC_UPLOADED;
	else if (strcmp(d->action_name, "FAILED") == 0)
		d->action = TORCTL_HS_DESC_FAILED;
	else
		d->action = TORCTL_HS_DESC_OTHER;
	if (torctl_word(d->service_id, sizeof(d->service_id), text, 2) == -1)
		return -1;
	/* Word 3 is the auth type, word 4 the HSDir. */
	if (torctl_word(d->hsdir, sizeof(d->hsdir), text, 4) == -1 ||
	    strchr(d->hsdir, '=') != NULL)
		d->hsdir[0] = '\0';
	if (torctl_kv_get(d->reason, sizeof(d->reason), text, "REASON") == -1)
		d->reason[0] = '\0';
	return 0;
}
