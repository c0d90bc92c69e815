#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "code.h"

/* Generated from data/pgp-words.txt: code_words[byte][0 even, 1 odd]. */
extern const char *const code_words[256][2];

const char *
code_word(uint8_t byte, int position)
{
	return code_words[byte][position & 1];
}

int
code_word_byte(const char *word, size_t len, int position)
{
	int	b;

	for (b = 0; b < 256; b++) {
		const char	*w = code_words[b][position & 1];

		if (strlen(w) == len && memcmp(w, word, len) == 0)
			return b;
	}
	return -1;
}

static int
code_onion_id_ok(const char *s, size_t len)
{
	size_t	i;

	if (len != CODE_ONION_ID_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' &&
		    s[i] <= '7')))
			return 0;
	return 1;
}

int
code_parse(struct code *c, const char *text, char *err, size_t errlen)
{
	char		 buf[CODE_MAX + 64], *p, *part, *save = NULL;
	const char	*parts[CODE_WORDS_MAX + 1], *s;
	size_t		 len, n = 0;
	int		 i, nparts = 0;

	memset(c, 0, sizeof(*c));
	/* Lower case, dashes for blanks, no leading or trailing blanks. */
	while (isspace((unsigned char)*text))
		text++;
	len = strlen(text);
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	if (len == 0) {
		snprintf(err, errlen, "the code is empty");
		return -1;
	}
	if (len >= sizeof(buf)) {
		snprintf(err, errlen, "the code is too long");
		return -1;
	}
	for (s = text; s < text + len; s++) {
		unsigned char	ch = (unsigned char)*s;

		if (ch == ' ' || ch == '\t')
			ch = '-';
		else if (!isalnum(ch) && ch != '-') {
			snprintf(err, errlen, "the code may only hold letters, "
			    "digits and dashes");
			return -1;
		}
		buf[n++] = (char)tolower(ch);
	}
	buf[n] = '\0';
	for (p = buf; (part = strtok_r(p, "-", &save)) != NULL; p = NULL) {
		if (nparts == CODE_WORDS_MAX + 1) {
			snprintf(err, errlen, "the code has more than %d words",
			    CODE_WORDS_MAX);
			return -1;
		}
		parts[nparts++] = part;
	}
	if (nparts == 0) {
		snprintf(err, errlen, "the code holds nothing but dashes");
		return -1;
	}

	/*
	 * First part: an invitation onion id (56 base32 characters, which
	 * may start with a digit) or a nameplate number.
	 */
	len = strlen(parts[0]);
	if (code_onion_id_ok(parts[0], len)) {
		c->kind = CODE_DIRECT;
		memcpy(c->onion_id, parts[0], len + 1);
	} else if (isdigit((unsigned char)parts[0][0])) {
		char	*end;

		c->kind = CODE_RENDEZVOUS;
		c->nameplate = strtoul(parts[0], &end, 10);
		if (*end != '\0' || parts[0][0] == '0' || len > 7 ||
		    c->nameplate == 0 || c->nameplate > CODE_NAMEPLATE_MAX) {
			snprintf(err, errlen, "the code must start with a "
			    "number from 1 to %lu or an onion id",
			    CODE_NAMEPLATE_MAX);
			return -1;
		}
	} else {
		snprintf(err, errlen, "the code must start with a number or a "
		    "56-character onion id");
		return -1;
	}

	c->nwords = nparts - 1;
	if (c->nwords < CODE_WORDS_MIN) {
		snprintf(err, errlen, "the code needs at least %d words after "
		    "the %s", CODE_WORDS_MIN, c->kind == CODE_DIRECT ?
		    "onion id" : "number");
		return -1;
	}
	for (i = 0; i < c->nwords; i++) {
		part = (char *)parts[i + 1];
		len = strlen(part);
		if (code_word_byte(part, len, i) != -1)
			continue;
		if (code_word_byte(part, len, i + 1) != -1)
			snprintf(err, errlen, "word %d (%.16s) is out of place: "
			    "a word is missing or two are swapped", i + 1,
			    part);
		else
			snprintf(err, errlen, "word %d (%.16s) is not in the "
			    "word list", i + 1, part);
		return -1;
	}

	/* Canonical form: the parts joined by single dashes. */
	n = 0;
	for (i = 0; i < nparts; i++)
		n += (size_t)snprintf(c->canonical + n,
		    sizeof(c->canonical) - n, "%s%s", i ? "-" : "", parts[i]);
	return 0;
}

int
code_make(struct code *c, const char *prefix, int nwords)
{
	char	 text[CODE_MAX + 1];
	uint8_t	 b;
	size_t	 n;
	int	 i;

	if (nwords < CODE_WORDS_MIN || nwords > CODE_WORDS_MAX ||
	    strlen(prefix) > CODE_ONION_ID_LEN)
		return -1;
	n = (size_t)snprintf(text, sizeof(text), "%s", prefix);
	for (i = 0; i < nwords; i++) {
		randombytes_buf(&b, 1);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "-%s",
		    code_word(b, i));
	}
	sodium_memzero(&b, sizeof(b));
	return code_parse(c, text, text, sizeof(text)) == 0 ? 0 : -1;
}
