/*
 * The wall clock can jump: a user fixes the date, NTP steps it, a virtual
 * machine resumes from a snapshot. The store keeps deadlines as wall-clock
 * times (a message's next try and expiry, an invitation's expiry), so a
 * jump forward would expire everything at once and a jump back would hold
 * deliveries for as long as the jump.
 *
 * CLOCK_BOOTTIME moves only with real time (suspend included) and resets
 * only at boot. A mark is a reading of both clocks; comparing two marks of
 * the same boot tells how far the wall clock jumped between them. Across
 * a reboot only a jump back can be told from time that really passed.
 * The agent moves its stored deadlines by the jump (petmaild.c,
 * agent_clock_check), so what was due in an hour is still due in an hour.
 */
#ifndef PETMAIL_CLOCK_H
#define PETMAIL_CLOCK_H

/* Differences up to this are the clock being slewed, not a jump. */
#define CLOCK_JUMP_SLACK	120

#define CLOCK_BOOT_ID_LEN	36	/* a UUID, as the kernel prints it */

struct clock_mark {
	long long	 wall;		/* time(NULL) */
	long long	 boot;		/* CLOCK_BOOTTIME, seconds */
	char		 boot_id[CLOCK_BOOT_ID_LEN + 1];	/* "" unknown */
};

/* Read both clocks now, and the boot's id (read once, then cached). */
void		clock_read(struct clock_mark *);

/*
 * How many seconds the wall clock jumped between PREV and NOW, or 0 when
 * within CLOCK_JUMP_SLACK of the real time passed, or when it cannot be
 * told (another boot, and the clock not behind PREV). A pure function.
 */
long long	clock_jump(const struct clock_mark *prev,
		    const struct clock_mark *now);

#endif
