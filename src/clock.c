#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"

static char	clock_boot_id[CLOCK_BOOT_ID_LEN + 1];
static int	clock_boot_id_read;

static void
clock_read_boot_id(void)
{
	FILE	*f;
	char	 line[64];
	size_t	 n;

	clock_boot_id_read = 1;
	if ((f = fopen("/proc/sys/kernel/random/boot_id", "r")) == NULL)
		return;
	if (fgets(line, sizeof(line), f) != NULL) {
		n = strcspn(line, "\n");
		if (n == CLOCK_BOOT_ID_LEN) {
			memcpy(clock_boot_id, line, n);
			clock_boot_id[n] = '\0';
		}
	}
	fclose(f);
}

void
clock_read(struct clock_mark *m)
{
	struct timespec	ts;

	if (!clock_boot_id_read)
		clock_read_boot_id();
	memset(m, 0, sizeof(*m));
	m->wall = (long long)time(NULL);
	if (clock_gettime(CLOCK_BOOTTIME, &ts) == 0)
		m->boot = (long long)ts.tv_sec;
	memcpy(m->boot_id, clock_boot_id, sizeof(m->boot_id));
}

long long
clock_jump(const struct clock_mark *prev, const struct clock_mark *now)
{
	long long	jump;

	if (prev->wall <= 0)
		return 0;
	if (prev->boot_id[0] != '\0' &&
	    strcmp(prev->boot_id, now->boot_id) == 0 &&
	    now->boot >= prev->boot)
		jump = now->wall - (prev->wall + (now->boot - prev->boot));
	else if (now->wall < prev->wall)
		jump = now->wall - prev->wall;	/* at least this far back */
	else
		return 0;
	if (jump >= -CLOCK_JUMP_SLACK && jump <= CLOCK_JUMP_SLACK)
		return 0;
	return jump;
}
