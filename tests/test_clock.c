/* Telling a jump of the wall clock from time passing (clock.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"

static const char	boot_a[] = "0b8c6f4e-3c55-4d9e-9a53-4c0d1f2e3a4b";
static const char	boot_b[] = "5d2e9a10-77c1-4b6f-8e0e-2a9f6c3b1d7e";

static struct clock_mark
mark(long long wall, long long boot, const char *id)
{
	struct clock_mark	m;

	memset(&m, 0, sizeof(m));
	m.wall = wall;
	m.boot = boot;
	snprintf(m.boot_id, sizeof(m.boot_id), "%s", id);
	return m;
}

static void
time_passing_is_no_jump(void **state)
{
	struct clock_mark	p = mark(1000000, 50, boot_a);
	struct clock_mark	n = mark(1000000 + 3600, 50 + 3600, boot_a);

	assert_int_equal(clock_jump(&p, &n), 0);
	/* Slewing by NTP: a little drift either way. */
	n.wall += CLOCK_JUMP_SLACK;
	assert_int_equal(clock_jump(&p, &n), 0);
	n.wall -= 2 * CLOCK_JUMP_SLACK;
	assert_int_equal(clock_jump(&p, &n), 0);
}

static void
jumps_in_one_boot_are_measured(void **state)
{
	struct clock_mark	p = mark(1000000, 50, boot_a);
	struct clock_mark	n;

	/* Ten seconds passed, but the wall clock moved eight days. */
	n = mark(1000000 + 10 + 8 * 86400, 60, boot_a);
	assert_int_equal(clock_jump(&p, &n), 8 * 86400);
	/* And back a day. */
	n = mark(1000000 + 10 - 86400, 60, boot_a);
	assert_int_equal(clock_jump(&p, &n), -86400);
}

static void
across_boots_only_a_jump_back_shows(void **state)
{
	struct clock_mark	p = mark(1000000, 5000, boot_a);
	struct clock_mark	n;

	/* A week later, after a reboot: that is time passing. */
	n = mark(1000000 + 7 * 86400, 30, boot_b);
	assert_int_equal(clock_jump(&p, &n), 0);
	/* Before the last mark: the clock went back at least that far. */
	n = mark(1000000 - 86400, 30, boot_b);
	assert_int_equal(clock_jump(&p, &n), -86400);
	/* An unknown boot id counts as another boot. */
	p = mark(1000000, 5000, "");
	n = mark(1000000 + 86400, 5001, "");
	assert_int_equal(clock_jump(&p, &n), 0);
}

static void
no_mark_yet_is_no_jump(void **state)
{
	struct clock_mark	p, n = mark(1000000, 50, boot_a);

	memset(&p, 0, sizeof(p));
	assert_int_equal(clock_jump(&p, &n), 0);
}

static void
reading_the_clocks(void **state)
{
	struct clock_mark	a, b;

	clock_read(&a);
	clock_read(&b);
	assert_true(a.wall > 0 && b.wall >= a.wall);
	assert_true(b.boot >= a.boot);
	assert_string_equal(a.boot_id, b.boot_id);
	assert_int_equal(clock_jump(&a, &b), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(time_passing_is_no_jump),
		cmocka_unit_test(jumps_in_one_boot_are_measured),
		cmocka_unit_test(across_boots_only_a_jump_back_shows),
		cmocka_unit_test(no_mark_yet_is_no_jump),
		cmocka_unit_test(reading_the_clocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
