#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "petname.h"

/* Length of the UTF-8 sequence at P (at most LEFT bytes), or 0 if bad. */
static size_t
utf8_len(const uint8_t *p, size_t left, uint32_t *cp)
{
	size_t	n, i;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		*cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		*cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		*cp = p[0] & 0x07;
	} else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF. */
	if ((n == 3 && *cp < 0x800) || (n == 4 && *cp < 0x10000) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff) || *cp > 0x10ffff)
		return 0;
	return n;
}

int
petname_check(const char *name, size_t len, char *err, size_t errlen)
{
	const uint8_t	*p = (const uint8_t *)name;
	uint32_t	 cp;
	size_t		 i, n;

	if (len == 0) {
		snprintf(err, errlen, "a name cannot be empty");
		return -1;
	}
	if (len > PETNAME_MAX) {
		snprintf(err, errlen, "a name can be at most %d bytes long",
		    PETNAME_MAX);
		return -1;
	}
	if (p[0] == ' ' || p[len - 1] == ' ') {
		snprintf(err, errlen, "a name cannot start or end with a space");
		return -1;
	}
	for (i = 0; i < len; i += n) {
		if ((n = utf8_len(p + i, len - i, &cp)) == 0) {
			snprintf(err, errlen, "a name must be valid UTF-8");
			return -1;
		}
		/* C0, DEL and C1 controls; line and paragraph separators. */
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    cp == 0x2028 || cp == 0x2029) {
			snprintf(err, errlen, "a name cannot contain control "
			    "characters");
			return -1;
		}
		/* Direction overrides would let a name show as another. */
		if (cp == 0x200e || cp == 0x200f || (cp >= 0x202a &&
		    cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
			snprintf(err, errlen, "a name cannot contain text "
			    "direction controls");
			return -1;
		}
	}
	return 0;
}
