/*
 * An agent for the fuzz targets of the local API and the onion listener,
 * assembled from the real parts as petmaild.c does (store, events,
 * outbound requests, onion listener, introductions, outbox, local API),
 * without tor: agent_tor_*() answer "not running", so nothing leaves the
 * process. Each input starts from the same state: a fresh copy of a
 * database made once (by the real store and the real API), and fresh
 * servers.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <sodium.h>

#include "agent.h"
#include "code.h"
#include "crypto/ratchet.h"
#include "events.h"
#include "invite.h"
#include "log.h"
#include "messages.h"
#include "net.h"
#include "statedir.h"
#include "store.h"
#include "xmalloc.h"

#include "fuzz.h"

#define FUZZ_RENDEZVOUS \
	"rvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrv.onion"
#define FUZZ_ONION \
	"fzfzfzfzfzfzfzfzfzfzfzfzfzfzfzfzfzfzfzfzfzfzfzfzfzfzfzfz.onion"

static struct agent	 agent;
static char		*template_path;
static uint8_t		*template_db;
static size_t		 template_len;

static void
parts_start(struct agent *a)
{
	char	err[1024];

	a->stopping = 0;
	if (agent_serve_start(a, err, sizeof(err)) == -1)
		fuzz_die("the agent does not start: %s", err);
}

static void
parts_stop(struct agent *a)
{
	fuzz_http_close_all(a->base);
	agent_serve_stop(a);
}

/*
 * What the database files look like: an input that wrote nothing (most
 * are refused) leaves them as they were, and reopening the store is
 * most of the cost of a reset.
 */
struct db_stamp {
	struct stat	db, wal;
};

static void
db_stamp(struct agent *a, struct db_stamp *s)
{
	char	*wal;

	memset(s, 0, sizeof(*s));
	xasprintf(&wal, "%s-wal", a->db_path);
	if (stat(a->db_path, &s->db) == -1 || stat(wal, &s->wal) == -1)
		fuzz_die("stat %s: %s", a->db_path, strerror(errno));
	free(wal);
}

static int
db_stamp_same(const struct db_stamp *x, const struct db_stamp *y)
{
	return x->db.st_size == y->db.st_size &&
	    x->db.st_mtim.tv_sec == y->db.st_mtim.tv_sec &&
	    x->db.st_mtim.tv_nsec == y->db.st_mtim.tv_nsec &&
	    x->wal.st_size == y->wal.st_size &&
	    x->wal.st_mtim.tv_sec == y->wal.st_mtim.tv_sec &&
	    x->wal.st_mtim.tv_nsec == y->wal.st_mtim.tv_nsec;
}

static struct db_stamp	clean;

/* A contact that finished its introduction, with its session. */
static void
add_contact(struct store *st, const char *petname, int inviter,
    uint8_t token_byte, const char *onion)
{
	struct store_invitation	*inv;
	struct store_peer	 p;
	struct ratchet		*r;
	uint8_t			 sk[RATCHET_SHAREDKEYBYTES];
	uint8_t			 secret[RATCHET_SECRETKEYBYTES];
	uint8_t			 pub[RATCHET_PUBLICKEYBYTES];
	uint8_t			 identity[32], their_token[32], *blob;
	size_t			 bloblen;
	char			 err[256];

	inv = store_invitation_new();
	inv->inviter = inviter;
	memset(inv->my_token, token_byte, sizeof(inv->my_token));
	inv->expires = (long long)time(NULL) + 3600;
	if (store_invitation_create(st, inv, petname, err, sizeof(err)) == -1)
		fuzz_die("store_invitation_create: %s", err);
	memset(sk, FUZZ_SK_BYTE, sizeof(sk));
	memset(secret, FUZZ_BOB_SECRET_BYTE, sizeof(secret));
	crypto_scalarmult_base(pub, secret);
	/* The inviter is the ratchet's Bob, as in invite.c. */
	if ((inviter ? ratchet_init_bob(&r, sk, secret) :
	    ratchet_init_alice(&r, sk, pub)) == -1)
		fuzz_die("ratchet_init");
	bloblen = ratchet_save_size(r);
	blob = xmalloc(bloblen);
	if (ratchet_save(blob, bloblen, r) == -1)
		fuzz_die("ratchet_save");
	ratchet_free(r);
	memset(identity, token_byte ^ 0xff, sizeof(identity));
	memset(their_token, token_byte ^ 0x55, sizeof(their_token));
	memset(&p, 0, sizeof(p));
	p.identity_pk = identity;
	p.onion_address = onion;
	p.their_token = their_token;
	p.suggested_name = petname;
	p.verification = "tiger crossover banjo upshot";
	p.ratchet = blob;
	p.ratchetlen = bloblen;
	if (store_invitation_finish(st, inv, &p) == -1)
		fuzz_die("store_invitation_finish: %s", store_errmsg(st));
	free(blob);
	store_invitation_free(inv);
}

/* A pending introduction: we accepted a code on the rendezvous. */
static void
add_pending(struct store *st, const char *petname)
{
	struct store_invitation	*inv;
	struct code		 c;
	char			 err[256];

	if (code_make(&c, "7", 2) == -1)
		fuzz_die("code_make");
	inv = store_invitation_new();
	snprintf(inv->code, sizeof(inv->code), "%s", c.canonical);
	snprintf(inv->service, sizeof(inv->service), "%s", FUZZ_RENDEZVOUS);
	snprintf(inv->nameplate, sizeof(inv->nameplate), "7");
	randombytes_buf(inv->entropy, sizeof(inv->entropy));
	randombytes_buf(inv->ratchet_sk, sizeof(inv->ratchet_sk));
	randombytes_buf(inv->my_token, sizeof(inv->my_token));
	inv->expires = (long long)time(NULL) + 24 * 3600;
	if (store_invitation_create(st, inv, petname, err, sizeof(err)) == -1)
		fuzz_die("store_invitation_create: %s", err);
	store_invitation_free(inv);
}

static void
add_incoming(struct store *st, const char *petname, const char *text)
{
	struct store_contact	c;
	struct store_message	m;
	long			id;

	if (store_contact_find(st, petname, &c) == -1)
		fuzz_die("no contact %s", petname);
	memset(&m, 0, sizeof(m));
	m.contact_id = c.id;
	m.incoming = 1;
	m.kind = 1;
	m.seq = 1;
	m.body = text;
	m.bodylen = strlen(text);
	m.created = (long long)time(NULL) - 60;
	if (store_message_insert(st, &m, &id) == -1)
		fuzz_die("store_message_insert: %s", store_errmsg(st));
}

static void
api_send(struct agent *a, const char *petname, const char *text)
{
	struct fuzz_http_answer	 ans;
	char			*body, *req;
	int			 n;

	if (asprintf(&body, "{\"petname\":\"%s\",\"text\":\"%s\"}", petname,
	    text) == -1 || (n = asprintf(&req, "POST /v1/send HTTP/1.1\r\n"
	    "Host: localhost\r\nConnection: close\r\nContent-Length: %zu\r\n"
	    "\r\n%s", strlen(body), body)) == -1)
		fuzz_die("out of memory");
	fuzz_http_exchange(a->base, a->sock_path, req, (size_t)n, &ans);
	if (ans.status != 200)
		fuzz_die("POST /v1/send to %s answered %d", petname,
		    ans.status);
	fuzz_http_answer_clear(&ans);
	free(body);
	free(req);
}

static void
write_template(void)
{
	FILE	*f;
	long	 n;

	if ((f = fopen(template_path, "rb")) == NULL ||
	    fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) == -1)
		fuzz_die("cannot read %s", template_path);
	template_len = (size_t)n;
	template_db = xmalloc(template_len);
	if (fread(template_db, 1, template_len, f) != template_len)
		fuzz_die("cannot read %s", template_path);
	fclose(f);
}

struct agent *
fuzz_agent_new(int serve_rendezvous)
{
	struct agent	*a = &agent;
	struct store	*st;
	char		 err[1024];

	if (a->base != NULL)
		return a;
	if (sodium_init() < 0)
		fuzz_die("sodium_init");
	log_init("petmaild-fuzz", LOG_LEVEL_DEBUG);
	xasprintf(&a->dir, "%s/agent", fuzz_tmpdir());
	if (mkdir(a->dir, 0700) == -1)
		fuzz_die("mkdir %s: %s", a->dir, strerror(errno));
	agent_paths(a);
	template_path = statedir_path(a->dir, "template.db");
	/* Every message, debug included, is formatted into the log. */
	if (log_open(a->log_path) == -1)
		fuzz_die("cannot open %s", a->log_path);
	conf_init(&a->conf);
	a->conf.serve_rendezvous = serve_rendezvous;
	a->conf.rendezvous = xstrdup(FUZZ_RENDEZVOUS);
	a->conf.name = xstrdup("fuzz");
	if ((a->base = event_base_new()) == NULL)
		fuzz_die("event_base_new");
	a->net = net_new(a->base);

	/* The database every input starts from. */
	if (store_open(&st, template_path, err, sizeof(err)) == -1 ||
	    store_identity_load(st, &a->id) == -1 ||
	    store_identity_set_onion(st, "ED25519-V3:fuzz", FUZZ_ONION) == -1)
		fuzz_die("cannot make the fuzz database: %s", err);
	snprintf(a->id->onion_address, sizeof(a->id->onion_address), "%s",
	    FUZZ_ONION);
	add_contact(st, "bob", 0, 0xb0,
	    "bobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbo.onion");
	add_contact(st, "dave", 1, FUZZ_DAVE_TOKEN_BYTE,
	    "davedavedavedavedavedavedavedavedavedavedavedavedavedave.onion");
	add_pending(st, "carol");
	add_incoming(st, "bob", "hi there");
	a->store = st;
	parts_start(a);
	api_send(a, "bob", "see you at 8");
	api_send(a, "dave", "queued until dave speaks first");
	parts_stop(a);
	store_close(a->store);
	a->store = NULL;
	write_template();
	fuzz_agent_reset(a);
	return a;
}

void
fuzz_agent_reset(struct agent *a)
{
	struct db_stamp	 now;
	char		 err[1024], *wal, *shm;
	int		 fd;

	if (a->store != NULL) {
		parts_stop(a);
		db_stamp(a, &now);
		if (db_stamp_same(&now, &clean)) {
			parts_start(a);
			return;
		}
		store_close(a->store);
		a->store = NULL;
	}
	xasprintf(&wal, "%s-wal", a->db_path);
	xasprintf(&shm, "%s-shm", a->db_path);
	unlink(wal);
	unlink(shm);
	free(wal);
	free(shm);
	if ((fd = open(a->db_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || write(fd, template_db, template_len) !=
	    (ssize_t)template_len || close(fd) == -1)
		fuzz_die("cannot write %s: %s", a->db_path, strerror(errno));
	/* The log is for checking formats, not for reading: keep it small. */
	if (truncate(a->log_path, 0) == -1)
		fuzz_die("truncate %s: %s", a->log_path, strerror(errno));
	if (store_open(&a->store, a->db_path, err, sizeof(err)) == -1)
		fuzz_die("store_open: %s", err);
	db_stamp(a, &clean);
	parts_start(a);
}

void
fuzz_agent_check(struct agent *a)
{
	static const char	 req[] = "GET /v1/status HTTP/1.1\r\n"
	    "Host: localhost\r\nConnection: close\r\n\r\n";
	struct fuzz_http_answer	 ans;
	json_error_t		 jerr;
	json_t			*j;

	fuzz_http_exchange(a->base, a->sock_path, req, sizeof(req) - 1, &ans);
	if (ans.status != 200 || ans.body == NULL)
		fuzz_die("GET /v1/status answered %d afterwards", ans.status);
	j = json_loadb(ans.body, ans.bodylen, 0, &jerr);
	if (!json_is_object(j) || json_string_value(json_object_get(j,
	    "version")) == NULL || !json_is_integer(json_object_get(j,
	    "contacts")))
		fuzz_die("GET /v1/status answered no status afterwards");
	json_decref(j);
	fuzz_http_answer_clear(&ans);
}
