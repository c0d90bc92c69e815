/* Unit tests of src/version.c: tor version parsing and probing. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "version.h"

static void
parse_plain(void **state)
{
	char	v[VERSION_TOR_MAX];

	assert_int_equal(version_parse_tor(v, sizeof(v),
	    "Tor version 0.4.9.11.\n"), 0);
	assert_string_equal(v, "0.4.9.11");
}

static void
parse_after_notices_and_with_suffix(void **state)
{
	char	v[VERSION_TOR_MAX];

	assert_int_equal(version_parse_tor(v, sizeof(v),
	    "Dec 03 12:00:00.000 [notice] something\n"
	    "Tor version 0.4.8.1-alpha (git-abc).\nThis build...\n"), 0);
	assert_string_equal(v, "0.4.8.1-alpha");
}

static void
parse_rejects_other_text(void **state)
{
	char	v[VERSION_TOR_MAX];

	assert_int_equal(version_parse_tor(v, sizeof(v), ""), -1);
	assert_int_equal(version_parse_tor(v, sizeof(v), "hello\n"), -1);
	assert_int_equal(version_parse_tor(v, sizeof(v), "Tor version .\n"), -1);
	assert_int_equal(version_parse_tor(v, sizeof(v),
	    "Tor version 1;rm -rf\n"), -1);
	/* Too long for the caller's buffer. */
	assert_int_equal(version_parse_tor(v, 4, "Tor version 0.4.9.11.\n"),
	    -1);
}

static void
probe_real_tor(void **state)
{
	const char	*tor = getenv("TOR");
	char		 v[256];

	if (tor == NULL || *tor == '\0')
		skip();
	assert_int_equal(version_tor(v, sizeof(v), tor), 0);
	assert_true(v[0] >= '0' && v[0] <= '9');
	assert_non_null(strchr(v, '.'));
}

static void
probe_missing_tor(void **state)
{
	char	v[256];

	assert_int_equal(version_tor(v, sizeof(v), "/nonexistent/tor"), -1);
	assert_non_null(strstr(v, "not found at /nonexistent/tor"));
}

static void
probe_not_tor(void **state)
{
	char	v[256];

	assert_int_equal(version_tor(v, sizeof(v), "/bin/true"), -1);
	assert_non_null(strstr(v, "did not report a tor version"));
}

static void
tor_path_override(void **state)
{
	setenv("PETMAIL_TOR", "/opt/tor/bin/tor", 1);
	assert_string_equal(version_tor_path(), "/opt/tor/bin/tor");
	unsetenv("PETMAIL_TOR");
	assert_string_equal(version_tor_path(), PETMAIL_TOR_PATH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_plain),
		cmocka_unit_test(parse_after_notices_and_with_suffix),
		cmocka_unit_test(parse_rejects_other_text),
		cmocka_unit_test(probe_real_tor),
		cmocka_unit_test(probe_missing_tor),
		cmocka_unit_test(probe_not_tor),
		cmocka_unit_test(tor_path_override),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
