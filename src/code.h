/*
 * Invitation codes, magic-wormhole style: NAMEPLATE-WORD-WORD for codes
 * that meet on a rendezvous service ("7-crossover-clockwork"), and
 * ONIONID-WORD-WORD for direct codes (the 56-character id of a temporary
 * invitation onion). Words come from the PGP word list (data/
 * pgp-words.txt): position 0, 2, ... use its even words, 1, 3, ... its
 * odd words, so a dropped or swapped word is caught. Parsing is a pure
 * function; the canonical form (lower case, single dashes) is SPAKE2's
 * password.
 */
#ifndef PETMAIL_CODE_H
#define PETMAIL_CODE_H

#include <stddef.h>
#include <stdint.h>

#define CODE_WORDS_MIN		2
#define CODE_WORDS_MAX		8
#define CODE_WORDS_DEFAULT	2
#define CODE_NAMEPLATE_MAX	9999999UL
#define CODE_ONION_ID_LEN	56
#define CODE_MAX		(CODE_ONION_ID_LEN + CODE_WORDS_MAX * 12 + 1)

enum code_kind {
	CODE_RENDEZVOUS,	/* meets on a rendezvous service */
	CODE_DIRECT,		/* reaches the inviter's invitation onion */
};

struct code {
	enum code_kind	 kind;
	unsigned long	 nameplate;			/* CODE_RENDEZVOUS */
	char		 onion_id[CODE_ONION_ID_LEN + 1];	/* CODE_DIRECT */
	int		 nwords;
	char		 canonical[CODE_MAX + 1];	/* the SPAKE2 password */
};

/* The word for BYTE at POSITION in a code. */
const char *code_word(uint8_t byte, int position);
/* The byte of WORD (LEN bytes) at POSITION, or -1 if it is not there. */
int	code_word_byte(const char *word, size_t len, int position);

/* Parse what a person typed. 0, or -1 with a sentence in ERR. */
int	code_parse(struct code *, const char *text, char *err, size_t errlen)
	    __attribute__((warn_unused_result));

/* Make a code with NWORDS fresh random words after PREFIX (a nameplate
 * number or an onion id). -1 if NWORDS or PREFIX is out of bounds. */
int	code_make(struct code *, const char *prefix, int nwords)
	    __attribute__((warn_unused_result));

#endif
