/*
 * Prints the C ratchet's transcript of the fixed conversation of
 * tests/ratchet_ref.py; tests/ratchet-vectors.sh compares the two.
 */
#include "config.h"

#include <stdio.h>

#include <sodium.h>

#include "ratchet_scenario.h"

static void
print_line(const char *line, void *arg)
{
	printf("%s\n", line);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	if (ratchet_scenario(print_line, NULL) != 0)
		return 1;
	return fflush(stdout) == 0 ? 0 : 1;
}
