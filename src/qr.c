#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "qr.h"
#include "xmalloc.h"

/* Append to a growing string. */
struct qr_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void	qr_add(struct qr_buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
qr_add(struct qr_buf *b, const char *fmt, ...)
{
	char	tmp[256];
	va_list	ap;
	int	len;

	va_start(ap, fmt);
	len = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(tmp))
		len = 0;	/* never: our pieces are short */
	if (b->len + (size_t)len + 1 > b->cap) {
		b->cap = (b->cap + (size_t)len + 1) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, tmp, (size_t)len + 1);
	b->len += (size_t)len;
}

int
qr_svg(const char *text, char **out, size_t *outlen)
{
	struct qr_buf	 b = { NULL, 0, 0 };
	QRcode		*qr;
	int		 w, x, y, run, dim;

	if (strlen(text) == 0 || strlen(text) > QR_MAX_TEXT)
		return -1;
	qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (qr == NULL)
		return -1;
	w = qr->width;
	dim = w + 2 * QR_QUIET;
	qr_add(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
	    "%d %d\" width=\"%d\"", dim, dim, dim * 8);
	qr_add(&b, " height=\"%d\" shape-rendering=\"crispEdges\">"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"", dim * 8, dim, dim);
	/* Each row's runs of dark modules as one rectangle each. */
	for (y = 0; y < w; y++) {
		for (x = 0; x < w; x += run > 0 ? run : 1) {
			for (run = 0; x + run < w &&
			    (qr->data[y * w + x + run] & 1); run++)
				;
			if (run > 0)
				qr_add(&b, "M%d %dh%dv1H%dz", x + QR_QUIET,
				    y + QR_QUIET, run, x + QR_QUIET);
		}
	}
	qr_add(&b, "\"/></svg>\n");
	QRcode_free(qr);
	*out = b.p;
	*outlen = b.len;
	return 0;
}
