/*
 * QR codes of invitation codes for the web page, as SVG. The symbol is
 * libqrencode's; this file only draws its modules.
 */
#ifndef PETMAIL_QR_H
#define PETMAIL_QR_H

#include <stddef.h>

#define QR_MAX_TEXT	256	/* longer text is refused */
#define QR_QUIET	4	/* modules of white border, as the standard asks */

/*
 * An SVG image of TEXT as a QR code (error correction level M, 8-bit
 * mode). On success *OUT holds a NUL-terminated document (malloc'd; its
 * length in *OUTLEN). -1 if TEXT is too long or cannot be encoded.
 */
int	qr_svg(const char *text, char **out, size_t *outlen);

#endif
