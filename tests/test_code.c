/* Invitation codes: words, parsing, canonical form, generation. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "code.h"

static void
word_list_is_the_pgp_list(void **state)
{
	/* Known entries of the PGP word list, both lists, both ends. */
	assert_string_equal(code_word(0x00, 0), "aardvark");
	assert_string_equal(code_word(0x00, 1), "adroitness");
	assert_string_equal(code_word(0xff, 0), "zulu");
	assert_string_equal(code_word(0xff, 1), "yucatan");
	assert_int_equal(code_word_byte("aardvark", 8, 0), 0);
	assert_int_equal(code_word_byte("aardvark", 8, 1), -1);
	assert_int_equal(code_word_byte("yucatan", 7, 3), 0xff);
	for (int b = 0; b < 256; b++) {
		assert_int_equal(code_word_byte(code_word((uint8_t)b, 0),
		    strlen(code_word((uint8_t)b, 0)), 0), b);
		assert_int_equal(code_word_byte(code_word((uint8_t)b, 1),
		    strlen(code_word((uint8_t)b, 1)), 1), b);
	}
}

static void
parse_rendezvous_and_direct(void **state)
{
	struct code	c;
	char		err[256], text[200];

	assert_int_equal(code_parse(&c, "  7-Aardvark-ADROITNESS \n", err,
	    sizeof(err)), 0);
	assert_int_equal(c.kind, CODE_RENDEZVOUS);
	assert_int_equal(c.nameplate, 7);
	assert_int_equal(c.nwords, 2);
	assert_string_equal(c.canonical, "7-aardvark-adroitness");

	assert_int_equal(code_parse(&c, "12 aardvark adroitness zulu", err,
	    sizeof(err)), 0);
	assert_string_equal(c.canonical, "12-aardvark-adroitness-zulu");

	snprintf(text, sizeof(text), "%s-absurd-adviser",
	    "pwuiyw62ot6xrhqahqyeapuefz5uavpeni56ajfipic2kwiofmvnpjid");
	assert_int_equal(code_parse(&c, text, err, sizeof(err)), 0);
	assert_int_equal(c.kind, CODE_DIRECT);
	assert_string_equal(c.onion_id,
	    "pwuiyw62ot6xrhqahqyeapuefz5uavpeni56ajfipic2kwiofmvnpjid");
	assert_string_equal(c.canonical, text);

	/* Onion ids may start with a digit (base32 has 2 to 7). */
	snprintf(text, sizeof(text), "%s-absurd-adviser",
	    "2wuiyw62ot6xrhqahqyeapuefz5uavpeni56ajfipic2kwiofmvnpjid");
	assert_int_equal(code_parse(&c, text, err, sizeof(err)), 0);
	assert_int_equal(c.kind, CODE_DIRECT);
	assert_int_equal(c.onion_id[0], '2');
}

static void
malformed_codes_say_why(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;
	} cases[] = {
		{ "", "empty" },
		{ "   ", "empty" },
		{ "-", "nothing but dashes" },
		{ " - -\t-- ", "nothing but dashes" },
		{ "7", "at least 2 words" },
		{ "7-aardvark", "at least 2 words" },
		{ "0-aardvark-adroitness", "number from 1" },
		{ "07-aardvark-adroitness", "number from 1" },
		{ "12345678-aardvark-adroitness", "number from 1" },
		{ "abc-aardvark-adroitness", "56-character onion id" },
		{ "7-aardvark-petmail", "word 2 (petmail) is not in the word list" },
		{ "7-adroitness-aardvark", "word 1 (adroitness) is out of place" },
		{ "7-aardvark;rm-x", "letters, digits and dashes" },
		{ "7-a\xc3\xa9-b", "letters, digits and dashes" },
		{ "7-aardvark-adroitness-aardvark-adroitness-aardvark-"
		  "adroitness-aardvark-adroitness-aardvark", "more than 8 words" },
	};
	struct code	c;
	char		err[256];
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (code_parse(&c, cases[i].text, err, sizeof(err)) != -1)
			fail_msg("case %zu (%s) was accepted", i, cases[i].text);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err,
			    cases[i].want);
	}
}

static void
make_round_trips_and_varies(void **state)
{
	struct code	a, b, p;
	char		err[256];
	int		same = 0;

	for (int i = 0; i < 50; i++) {
		assert_int_equal(code_make(&a, "42", 3), 0);
		assert_int_equal(a.nwords, 3);
		assert_int_equal(code_parse(&p, a.canonical, err, sizeof(err)),
		    0);
		assert_string_equal(p.canonical, a.canonical);
		assert_int_equal(code_make(&b, "42", 3), 0);
		same += strcmp(a.canonical, b.canonical) == 0;
	}
	/* 24 random bits: fifty equal pairs would mean no randomness. */
	assert_true(same < 3);
	assert_int_equal(code_make(&a, "42", 1), -1);
	assert_int_equal(code_make(&a, "42", CODE_WORDS_MAX + 1), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(word_list_is_the_pgp_list),
		cmocka_unit_test(parse_rendezvous_and_direct),
		cmocka_unit_test(malformed_codes_say_why),
		cmocka_unit_test(make_round_trips_and_varies),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
