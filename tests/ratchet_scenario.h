/*
 * The fixed conversation of tests/ratchet_ref.py, run by the C ratchet:
 * each transcript line is passed to emit() without its newline. Shared by
 * test_ratchet (against the embedded vectors) and ratchet_vectors_check
 * (against the live Python reference).
 */
#ifndef PETMAIL_TESTS_RATCHET_SCENARIO_H
#define PETMAIL_TESTS_RATCHET_SCENARIO_H

/* 0, or -1 after emitting an "error ..." line. */
int	ratchet_scenario(void (*emit)(const char *line, void *arg), void *arg);

#endif
