/*
 * Fuzz target: invitation codes as a person types them (code_parse()).
 * A code that parses must parse again from its canonical form to the
 * same code, and every word in it must be the list's word for its place.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct code	 c, again;
	char		*text, err[256], *copy, *w, *save = NULL;
	int		 i;

	/* What the API hands over: a NUL-terminated JSON string. */
	if ((text = malloc(size + 1)) == NULL)
		fuzz_die("out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (code_parse(&c, text, err, sizeof(err)) == -1) {
		if (err[0] == '\0' || strnlen(err, sizeof(err)) == sizeof(err))
			fuzz_die("a refused code without a reason");
		free(text);
		return 0;
	}
	if (c.nwords < CODE_WORDS_MIN || c.nwords > CODE_WORDS_MAX ||
	    strlen(c.canonical) > CODE_MAX)
		fuzz_die("a code of %d words, %zu characters", c.nwords,
		    strlen(c.canonical));
	if (c.kind == CODE_RENDEZVOUS && (c.nameplate == 0 ||
	    c.nameplate > CODE_NAMEPLATE_MAX))
		fuzz_die("nameplate %lu", c.nameplate);
	if (c.kind == CODE_DIRECT && strlen(c.onion_id) != CODE_ONION_ID_LEN)
		fuzz_die("an onion id of %zu characters", strlen(c.onion_id));
	if (code_parse(&again, c.canonical, err, sizeof(err)) == -1 ||
	    memcmp(&c, &again, sizeof(c)) != 0)
		fuzz_die("the canonical form does not parse to the same code");
	if ((copy = strdup(c.canonical)) == NULL)
		fuzz_die("out of memory");
	w = strtok_r(copy, "-", &save);
	for (i = 0; (w = strtok_r(NULL, "-", &save)) != NULL; i++)
		if (code_word_byte(w, strlen(w), i) == -1 ||
		    strcmp(code_word((uint8_t)code_word_byte(w, strlen(w), i),
		    i), w) != 0)
			fuzz_die("word %d is not the list's", i + 1);
	if (i != c.nwords)
		fuzz_die("%d words, %d counted", c.nwords, i);
	free(copy);
	free(text);
	return 0;
}
