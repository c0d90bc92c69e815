/*
 * The web page: a second evhttp on 127.0.0.1 (never another address)
 * that serves the static files of data/web/ and the local API to a
 * browser. A web page on localhost can be reached by every other site
 * the browser visits, so every request is checked here before anything
 * else sees it:
 *
 * - Host must be exactly 127.0.0.1:PORT (defeats DNS rebinding), and
 *   the request target a path;
 * - an Origin header, when there is one, must be http://127.0.0.1:PORT,
 *   and every POST must carry it; Sec-Fetch-Site, when sent, must say
 *   same-origin;
 * - every /v1 request needs a session: the HttpOnly, SameSite=Strict
 *   cookie petmail_PORT, and the session's CSRF token in X-CSRF-Token.
 *   The page keeps that token in sessionStorage, which is per port;
 *   cookies are not (every port of 127.0.0.1 gets them), so the cookie
 *   alone opens nothing;
 * - a session starts only from an opener token that `petmail open` asked
 *   for on the unix socket: single use, UI_OPENER_SECS long, sent by the
 *   page in a POST body (the URL carries it in its fragment, which never
 *   reaches a server, and the page removes it from the address bar).
 *
 * Tokens and sessions live in sodium_malloc memory and are compared with
 * sodium_memcmp. Every answer carries a strict Content-Security-Policy.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <sodium.h>

#include "agent.h"
#include "httpd.h"
#include "log.h"
#include "xmalloc.h"

#define UI_TOKEN_BYTES		32
/* base64url without padding of 32 bytes */
#define UI_TOKEN_CHARS		43
#define UI_TOKEN_VARIANT	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define UI_MAX_HEADERS		8192
#define UI_CSRF_HEADER		"X-CSRF-Token"
#define UI_REFUSED_LOG_SECS	10	/* log refused requests this seldom */

#define UI_CSP	"default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; " \
	"base-uri 'none'; form-action 'none'"

struct ui_opener {
	uint8_t		 token[UI_TOKEN_BYTES];
	long long	 expires;	/* 0: free slot */
};

struct ui_session {
	uint8_t		 id[UI_TOKEN_BYTES];	/* the cookie */
	uint8_t		 csrf[UI_TOKEN_BYTES];
	long long	 created;
	long long	 expires;	/* 0: free slot */
};

/* Everything secret, in one sodium_malloc'd block. */
struct ui_secrets {
	struct ui_opener	 openers[UI_MAX_OPENERS];
	struct ui_session	 sessions[UI_MAX_SESSIONS];
};

struct ui {
	struct agent		*a;
	struct evhttp		*http;
	int			 port;
	char			 host[32];	/* 127.0.0.1:PORT */
	char			 origin[48];	/* http://127.0.0.1:PORT */
	char			 cookie[32];	/* petmail_PORT */
	char			*webdir;
	long			 opener_secs;
	struct ui_secrets	*s;
	long long		 refused_logged;	/* last refusal logged */
	unsigned long		 refused_quiet;		/* not logged since */
};

/* The only files served, with their types. */
static const struct {
	const char	*path;
	const char	*file;
	const char	*type;
} ui_files[] = {
	{ "/",			"index.html",	"text/html; charset=utf-8" },
	{ "/app.js",		"app.js",	"text/javascript; charset=utf-8" },
	{ "/style.css",		"style.css",	"text/css; charset=utf-8" },
	{ "/favicon.svg",	"favicon.svg",	"image/svg+xml" },
};

static long long
ui_now(void)
{
	return (long long)time(NULL);
}

/* Decode a token of exactly UI_TOKEN_CHARS characters; -1 if malformed. */
static int
ui_token_decode(uint8_t out[UI_TOKEN_BYTES], const char *text, size_t len)
{
	size_t	n = 0;

	if (len != UI_TOKEN_CHARS)
		return -1;
	if (sodium_base642bin(out, UI_TOKEN_BYTES, text, len, NULL, &n, NULL,
	    UI_TOKEN_VARIANT) != 0 || n != UI_TOKEN_BYTES) {
		sodium_memzero(out, UI_TOKEN_BYTES);
		return -1;
	}
	return 0;
}

static void
ui_token_encode(char out[UI_TOKEN_CHARS + 1], const uint8_t *tok)
{
	sodium_bin2base64(out, UI_TOKEN_CHARS + 1, tok, UI_TOKEN_BYTES,
	    UI_TOKEN_VARIANT);
}

/*
 * Log a refused request, but at most once per UI_REFUSED_LOG_SECS: any
 * web site the browser visits can make it send us requests in a loop.
 */
static void	ui_refused(struct ui *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
ui_refused(struct ui *ui, const char *fmt, ...)
{
	char		 msg[256];
	va_list		 ap;
	long long	 now = ui_now();

	if (now - ui->refused_logged < UI_REFUSED_LOG_SECS) {
		ui->refused_quiet++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ui->refused_quiet > 0)
		log_warnx("web page: %s (and %lu more refused requests not "
		    "logged)", msg, ui->refused_quiet);
	else
		log_warnx("web page: %s", msg);
	ui->refused_logged = now;
	ui->refused_quiet = 0;
}

/*
 * Security headers on every answer the page gets from us (evhttp's own
 * error pages for unparseable requests go without them: they carry no
 * content).
 */
static void
ui_headers(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Security-Policy", UI_CSP);
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
	evhttp_add_header(h, "Cross-Origin-Resource-Policy", "same-origin");
}

/* The number of request headers named NAME. */
static int
ui_header_count(struct evhttp_request *req, const char *name)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	struct evkeyval		*kv;
	int			 n = 0;

	TAILQ_FOREACH(kv, h, next)
		if (strcasecmp(kv->key, name) == 0)
			n++;
	return n;
}

/*
 * Host, target and origin. 0 if the request may go on; otherwise -1
 * after replying.
 */
static int
ui_check_origin(struct ui *ui, struct evhttp_request *req)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	const char		*host, *origin, *site, *uri;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);

	host = evhttp_find_header(in, "Host");
	uri = evhttp_request_get_uri(req);
	if (host == NULL || ui_header_count(req, "Host") != 1 ||
	    strcmp(host, ui->host) != 0 || uri == NULL || uri[0] != '/') {
		ui_refused(ui, "refused a request for another host (DNS "
		    "rebinding, or a mistyped address?)");
		httpd_reply_error(req, 421, "this server answers only to "
		    "http://%s/", ui->host);
		return -1;
	}
	origin = evhttp_find_header(in, "Origin");
	if (origin != NULL && (ui_header_count(req, "Origin") != 1 ||
	    strcmp(origin, ui->origin) != 0)) {
		ui_refused(ui, "refused a request from another origin");
		httpd_reply_error(req, 403, "requests from other web sites "
		    "are refused");
		return -1;
	}
	if (origin == NULL && cmd != EVHTTP_REQ_GET &&
	    cmd != EVHTTP_REQ_HEAD) {
		ui_refused(ui, "refused a request without Origin");
		httpd_reply_error(req, 403, "a request that changes something "
		    "must say where it comes from (Origin)");
		return -1;
	}
	site = evhttp_find_header(in, "Sec-Fetch-Site");
	if (site != NULL && strcmp(site, "same-origin") != 0 &&
	    strcmp(site, "none") != 0) {
		ui_refused(ui, "refused a cross-site request");
		httpd_reply_error(req, 403, "requests from other web sites "
		    "are refused");
		return -1;
	}
	return 0;
}

/* The live session whose cookie the request carries, or NULL. */
static struct ui_session *
ui_session_find(struct ui *ui, struct evhttp_request *req)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evkeyval		*kv;
	struct ui_session	*found = NULL, *sess;
	uint8_t			 id[UI_TOKEN_BYTES];
	const char		*p, *name, *val;
	size_t			 namelen, vallen, i;
	long long		 now = ui_now();

	TAILQ_FOREACH(kv, in, next) {
		if (strcasecmp(kv->key, "Cookie") != 0)
			continue;
		/* "a=b; c=d": look at every pair named petmail_PORT. */
		for (p = kv->value; *p != '\0' && found == NULL; ) {
			while (*p == ' ' || *p == ';')
				p++;
			name = p;
			namelen = strcspn(p, "=;");
			p += namelen;
			if (*p != '=')
				continue;
			val = ++p;
			vallen = strcspn(p, ";");
			p += vallen;
			if (namelen != strlen(ui->cookie) ||
			    strncmp(name, ui->cookie, namelen) != 0)
				continue;
			if (ui_token_decode(id, val, vallen) == -1)
				continue;
			for (i = 0; i < UI_MAX_SESSIONS; i++) {
				sess = &ui->s->sessions[i];
				if (sess->expires != 0 && sess->expires < now) {
					sodium_memzero(sess, sizeof(*sess));
					continue;
				}
				if (sess->expires != 0 && sodium_memcmp(id,
				    sess->id, UI_TOKEN_BYTES) == 0)
					found = sess;
			}
			sodium_memzero(id, sizeof(id));
		}
	}
	return found;
}

/* Does the request carry SESS's CSRF token? */
static int
ui_csrf_ok(struct evhttp_request *req, struct ui_session *sess)
{
	const char	*v = evhttp_find_header(
			    evhttp_request_get_input_headers(req),
			    UI_CSRF_HEADER);
	uint8_t		 tok[UI_TOKEN_BYTES];
	int		 ok;

	if (v == NULL || ui_header_count(req, UI_CSRF_HEADER) != 1 ||
	    ui_token_decode(tok, v, strlen(v)) == -1)
		return 0;
	ok = sodium_memcmp(tok, sess->csrf, UI_TOKEN_BYTES) == 0;
	sodium_memzero(tok, sizeof(tok));
	return ok;
}

/* Burn the opener token TEXT; 0 if it was live. */
static int
ui_opener_burn(struct ui *ui, const char *text, size_t len)
{
	struct ui_opener	*o;
	uint8_t			 tok[UI_TOKEN_BYTES];
	long long		 now = ui_now();
	size_t			 i;
	int			 found = -1;

	if (ui_token_decode(tok, text, len) == -1)
		return -1;
	for (i = 0; i < UI_MAX_OPENERS; i++) {
		o = &ui->s->openers[i];
		if (o->expires == 0)
			continue;
		if (sodium_memcmp(tok, o->token, UI_TOKEN_BYTES) == 0 &&
		    o->expires >= now)
			found = 0;
		/* A match is used up; an expired token is dropped. */
		if (o->expires < now || sodium_memcmp(tok, o->token,
		    UI_TOKEN_BYTES) == 0)
			sodium_memzero(o, sizeof(*o));
	}
	sodium_memzero(tok, sizeof(tok));
	return found;
}

/* A new session in a free slot, or in the oldest one's. */
static struct ui_session *
ui_session_new(struct ui *ui)
{
	struct ui_session	*sess = NULL, *s;
	long long		 now = ui_now();
	size_t			 i;

	for (i = 0; i < UI_MAX_SESSIONS; i++) {
		s = &ui->s->sessions[i];
		if (s->expires == 0 || s->expires < now) {
			sess = s;
			break;
		}
		if (sess == NULL || s->created < sess->created)
			sess = s;
	}
	if (sess->expires != 0 && sess->expires >= now)
		log_info("web page: more than %d sessions; the oldest ends",
		    UI_MAX_SESSIONS);
	sodium_memzero(sess, sizeof(*sess));
	randombytes_buf(sess->id, sizeof(sess->id));
	randombytes_buf(sess->csrf, sizeof(sess->csrf));
	sess->created = now;
	sess->expires = now + UI_SESSION_SECS;
	return sess;
}

/* POST /v1/ui/session {"token": OPENER}: the page trades the token. */
static void
ui_session_open(struct ui *ui, struct evhttp_request *req)
{
	struct ui_session	*sess;
	json_t			*body, *v;
	char			 id[UI_TOKEN_CHARS + 1], csrf[UI_TOKEN_CHARS + 1];
	char			*cookie;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		httpd_reply_error(req, 405, "use POST");
		return;
	}
	if ((body = httpd_body_json(req, 1024)) == NULL)
		return;
	v = json_object_get(body, "token");
	if (!json_is_string(v) || ui_opener_burn(ui, json_string_value(v),
	    json_string_length(v)) == -1) {
		json_decref(body);
		ui_refused(ui, "refused an opener token (used, expired or "
		    "wrong)");
		httpd_reply_error(req, 403, "this link was used already or has "
		    "expired: run petmail open for a new one");
		return;
	}
	json_decref(body);
	sess = ui_session_new(ui);
	ui_token_encode(id, sess->id);
	ui_token_encode(csrf, sess->csrf);
	xasprintf(&cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; "
	    "Max-Age=%d", ui->cookie, id, UI_SESSION_SECS);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Set-Cookie", cookie);
	sodium_memzero(cookie, strlen(cookie));
	free(cookie);
	sodium_memzero(id, sizeof(id));
	log_info("web page: a session was opened");
	httpd_reply_json(req, 200, json_pack("{s:s, s:I}", "csrf", csrf,
	    "expires", (json_int_t)sess->expires));
	sodium_memzero(csrf, sizeof(csrf));
}

/* A static file of the fixed list; anything else is 404. */
static void
ui_static(struct ui *ui, struct evhttp_request *req, const char *path)
{
	struct evbuffer	*buf;
	struct stat	 st;
	char		*file;
	size_t		 i;
	int		 fd, n = 0;

	for (i = 0; i < sizeof(ui_files) / sizeof(ui_files[0]); i++)
		if (strcmp(ui_files[i].path, path) == 0)
			break;
	if (i == sizeof(ui_files) / sizeof(ui_files[0])) {
		httpd_reply_error(req, 404, "no such page");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		httpd_reply_error(req, 405, "use GET");
		return;
	}
	xasprintf(&file, "%s/%s", ui->webdir, ui_files[i].file);
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > UI_MAX_FILE) {
		log_warnx("web page: cannot serve %s: %s", file,
		    fd == -1 ? strerror(errno) : "not a small regular file");
		httpd_reply_error(req, 500, "the web page's files are missing "
		    "from %s: reinstall petmail, or set PETMAIL_DATADIR",
		    ui->webdir);
		if (fd != -1)
			close(fd);
		free(file);
		return;
	}
	if ((buf = evbuffer_new()) == NULL)
		fatalx("ui: out of memory");
	/* Small files: read them whole, so a read error is only a 500. */
	while ((n = evbuffer_read(buf, fd, (int)(st.st_size + 1))) > 0 &&
	    evbuffer_get_length(buf) <= (size_t)st.st_size)
		;
	close(fd);
	if (n == -1 || evbuffer_get_length(buf) != (size_t)st.st_size) {
		log_warnx("web page: cannot read %s", file);
		free(file);
		evbuffer_free(buf);
		httpd_reply_error(req, 500, "cannot read the web page's files");
		return;
	}
	free(file);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", ui_files[i].type);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	evhttp_send_reply(req, 200, NULL, buf);
	evbuffer_free(buf);
}

static void
ui_request(struct evhttp_request *req, void *arg)
{
	struct ui		*ui = arg;
	struct ui_session	*sess;
	const char		*path;

	ui_headers(req);
	if (ui_check_origin(ui, req) == -1)
		return;
	path = httpd_path(req);
	if (strncmp(path, "/v1/", 4) != 0) {
		ui_static(ui, req, path);
		return;
	}
	if (strcmp(path, "/v1/ui/session") == 0) {
		ui_session_open(ui, req);
		return;
	}
	if ((sess = ui_session_find(ui, req)) == NULL) {
		httpd_reply_error(req, 401, "no session, or it ended: run "
		    "petmail open to open the page again");
		return;
	}
	if (!ui_csrf_ok(req, sess)) {
		ui_refused(ui, "refused a request without the session's CSRF "
		    "token");
		httpd_reply_error(req, 403, "this request lacks the page's "
		    "token (%s): reload the page, or run petmail open",
		    UI_CSRF_HEADER);
		return;
	}
	api_dispatch(ui->a, req, API_VIA_UI);
}

void
ui_api_opener(struct agent *a, struct evhttp_request *req)
{
	struct ui		*ui = a->ui;
	struct ui_opener	*o = NULL, *s;
	long long		 now = ui_now();
	char			 tok[UI_TOKEN_CHARS + 1], *url;
	size_t			 i;

	if (ui == NULL) {
		httpd_reply_error(req, 409, "the web page is off: set ui = on "
		    "in %s and restart the agent", a->conf_path);
		return;
	}
	/* A free or expired slot, else the token that ends soonest. */
	for (i = 0; i < UI_MAX_OPENERS; i++) {
		s = &ui->s->openers[i];
		if (s->expires < now) {
			o = s;
			break;
		}
		if (o == NULL || s->expires < o->expires)
			o = s;
	}
	sodium_memzero(o, sizeof(*o));
	randombytes_buf(o->token, sizeof(o->token));
	o->expires = now + ui->opener_secs;
	ui_token_encode(tok, o->token);
	xasprintf(&url, "http://%s/#t=%s", ui->host, tok);
	sodium_memzero(tok, sizeof(tok));
	httpd_reply_json(req, 200, json_pack("{s:s, s:I}", "url", url,
	    "expires", (json_int_t)o->expires));
	sodium_memzero(url, strlen(url));
	free(url);
}

json_t *
ui_status(struct agent *a)
{
	char	url[64];

	if (a->ui == NULL)
		return json_null();
	snprintf(url, sizeof(url), "%s/", a->ui->origin);
	return json_pack("{s:s, s:i}", "url", url, "port", a->ui->port);
}

/* Where the page's files are: $PETMAIL_DATADIR/web, else installed. */
static char *
ui_webdir(void)
{
	const char	*d = getenv("PETMAIL_DATADIR");
	char		*dir;

	xasprintf(&dir, "%s/web", d != NULL && d[0] == '/' ? d :
	    PETMAIL_DATADIR);
	return dir;
}

int
ui_start(struct agent *a, char *err, size_t errlen)
{
	struct ui	*ui;
	const char	*v;
	char		 why[256];
	long		 n;

	if (!a->conf.ui) {
		log_info("web page: off (ui = off)");
		return 0;
	}
	ui = xcalloc(1, sizeof(*ui));
	ui->a = a;
	if ((ui->s = sodium_malloc(sizeof(*ui->s))) == NULL)
		fatalx("ui: out of secure memory");
	sodium_memzero(ui->s, sizeof(*ui->s));
	ui->opener_secs = UI_OPENER_SECS;
	/* Tests may shorten an opener's life (never lengthen it). */
	if ((v = getenv("PETMAIL_UI_OPENER_SECS")) != NULL) {
		n = strtol(v, NULL, 10);
		if (n >= 1 && n < UI_OPENER_SECS)
			ui->opener_secs = n;
	}
	ui->webdir = ui_webdir();
	if ((ui->http = evhttp_new(a->base)) == NULL)
		fatalx("evhttp_new");
	evhttp_set_max_headers_size(ui->http, UI_MAX_HEADERS);
	evhttp_set_max_body_size(ui->http, API_MAX_BODY);
	evhttp_set_allowed_methods(ui->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
	evhttp_set_gencb(ui->http, ui_request, ui);
	if (httpd_listen_loopback(ui->http, a->conf.ui_port, &ui->port, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "web page: %s: set another ui_port, or "
		    "ui = off, in %s", why, a->conf_path);
		a->ui = ui;
		ui_stop(a);
		return -1;
	}
	snprintf(ui->host, sizeof(ui->host), "127.0.0.1:%d", ui->port);
	snprintf(ui->origin, sizeof(ui->origin), "http://%s", ui->host);
	snprintf(ui->cookie, sizeof(ui->cookie), "petmail_%d", ui->port);
	a->ui = ui;
	log_info("web page on http://%s/ (files in %s)", ui->host,
	    ui->webdir);
	return 0;
}

void
ui_stop(struct agent *a)
{
	struct ui	*ui = a->ui;

	if (ui == NULL)
		return;
	if (ui->http != NULL)
		evhttp_free(ui->http);
	sodium_free(ui->s);	/* wipes */
	free(ui->webdir);
	free(ui);
	a->ui = NULL;
}
