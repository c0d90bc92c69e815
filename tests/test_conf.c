/* petmail.conf parsing: good files, and the first error with its line. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

static int
parse(struct conf *c, const char *text, char *err, size_t errlen)
{
	conf_init(c);
	return conf_parse(c, text, strlen(text), err, errlen);
}

static void
defaults_and_full_file(void **state)
{
	struct conf	c;
	char		err[256];

	assert_int_equal(parse(&c, "", err, sizeof(err)), 0);
	assert_null(c.tor);
	assert_null(c.extra_torrc);
	assert_int_equal(c.log_level, LOG_LEVEL_INFO);
	assert_int_equal(c.network, 1);
	assert_int_equal(c.ui, 1);
	assert_int_equal(c.ui_port, 0);
	conf_clear(&c);

	assert_int_equal(parse(&c, "ui = off\nui_port = 8765\n", err,
	    sizeof(err)), 0);
	assert_int_equal(c.ui, 0);
	assert_int_equal(c.ui_port, 8765);
	conf_clear(&c);

	assert_int_equal(parse(&c,
	    "# comment\n\n  tor = /usr/sbin/tor  \n"
	    "extra_torrc=/tmp/x torrc\nlog_level = debug\r\nnetwork = off",
	    err, sizeof(err)), 0);
	assert_string_equal(c.tor, "/usr/sbin/tor");
	assert_string_equal(c.extra_torrc, "/tmp/x torrc");
	assert_int_equal(c.log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(c.network, 0);
	conf_clear(&c);
}

static void
errors_name_their_line(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;
	} cases[] = {
		{ "tor = /x\nbogus = 1\n", "line 2: unknown setting 'bogus'" },
		{ "\n\ntor /x\n", "line 3: expected '=' after tor" },
		{ "tor = relative/tor\n", "line 1: tor must be an absolute path" },
		{ "tor = /a\ntor = /b\n", "line 2: tor is set twice" },
		{ "log_level = loud\n", "line 1: log_level must be error, warn" },
		{ "network = maybe\n", "line 1: network must be on or off" },
		{ "ui = yes\n", "line 1: ui must be on or off" },
		{ "ui_port = 65536\n", "line 1: ui_port must be a port number" },
		{ "ui_port = -1\n", "line 1: ui_port must be a port number" },
		{ "ui_port = 80a\n", "line 1: ui_port must be a port number" },
		{ "ui_port = 0000008080\n", "line 1: ui_port must be a port" },
		{ "extra_torrc =\n", "line 1: extra_torrc has no value" },
		{ "= 3\n", "line 1: expected a setting name" },
		{ "tor = /a\tb\x01\n", "line 1: tor contains a control" },
	};
	struct conf	c;
	char		err[256];
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(&c, cases[i].text, err, sizeof(err)), -1);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err,
			    cases[i].want);
		conf_clear(&c);
	}
}

static void
nul_and_oversize_refused(void **state)
{
	struct conf	 c;
	char		 err[256], *big;

	conf_init(&c);
	assert_int_equal(conf_parse(&c, "tor = /x\0y\n", 11, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	big = calloc(1, CONF_MAX_BYTES + 2);
	memset(big, '#', CONF_MAX_BYTES + 1);
	assert_int_equal(conf_parse(&c, big, CONF_MAX_BYTES + 1, err,
	    sizeof(err)), -1);
	free(big);
	conf_clear(&c);
}

static void
extra_torrc_reserved_options(void **state)
{
	char	 path[] = "/tmp/petmail-test-torrc.XXXXXX", err[512], *text;
	FILE	*f;
	int	 fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# private network\nTestingTorNetwork 1\n  socksport 9050\n", f);
	fclose(f);
	assert_int_equal(conf_read_extra_torrc(&text, path, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "line 3: SocksPort is set by the agent"));

	f = fopen(path, "w");
	fputs("TestingTorNetwork 1\nDirAuthority a orport=1 127.0.0.1:2 AB\n",
	    f);
	fclose(f);
	assert_int_equal(conf_read_extra_torrc(&text, path, err, sizeof(err)),
	    0);
	assert_non_null(strstr(text, "DirAuthority"));
	free(text);
	unlink(path);

	assert_int_equal(conf_read_extra_torrc(&text, path, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "cannot read"));
}

static void
write_then_load_round_trip(void **state)
{
	char		dir[] = "/tmp/petmail-test-conf.XXXXXX", path[512];
	char		err[256];
	struct conf	c, d;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/petmail.conf", dir);
	conf_init(&c);
	c.extra_torrc = strdup("/etc/petmail/torrc");
	c.network = 0;
	c.ui = 0;
	c.ui_port = 8765;
	assert_int_equal(conf_write(&c, path, err, sizeof(err)), 0);
	/* Never overwrite an existing configuration. */
	assert_int_equal(conf_write(&c, path, err, sizeof(err)), -1);
	conf_init(&d);
	assert_int_equal(conf_load(&d, path, err, sizeof(err)), 0);
	assert_string_equal(d.extra_torrc, "/etc/petmail/torrc");
	assert_int_equal(d.network, 0);
	assert_int_equal(d.ui, 0);
	assert_int_equal(d.ui_port, 8765);
	conf_clear(&c);
	conf_clear(&d);
	unlink(path);
	/* A missing file means the defaults. */
	conf_init(&d);
	assert_int_equal(conf_load(&d, path, err, sizeof(err)), 0);
	assert_int_equal(d.network, 1);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_and_full_file),
		cmocka_unit_test(errors_name_their_line),
		cmocka_unit_test(nul_and_oversize_refused),
		cmocka_unit_test(extra_torrc_reserved_options),
		cmocka_unit_test(write_then_load_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
