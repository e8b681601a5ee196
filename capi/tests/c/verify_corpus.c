/*
 * Certificate verification with OpenSSL's semantics, scenario by scenario: for each line of
 * the corpus list that scripts/cert-corpus.sh writes, a TLS 1.3 handshake between a server
 * SSL presenting the scenario's chain and a client SSL checking it against the scenario's
 * CAfile, host name and verify settings, over a non-blocking socket pair in one process.
 * Each scenario runs three times: SSL_VERIFY_PEER with a verify callback that traces every
 * call and answers `ok` (verification stops at the first error); the same with a callback
 * that answers 1 (every error OpenSSL finds is traced); and SSL_VERIFY_NONE (the verify
 * result alone). The server runs at security level 0, so that it presents whatever the
 * scenario gives it (a SHA-1 signed certificate, say); the client keeps the default level.
 * The output must be the same on qssl and on OpenSSL 3.5.
 *
 * With --store, the program runs instead the store scenarios (store_scenarios below): trust
 * comes from an X509_STORE built in C with the corpus' certificates, given to the client
 * context with SSL_CTX_set_cert_store or SSL_CTX_set1_cert_store, and changed before and
 * after.
 *
 * Usage: verify_corpus [--store] <scenarios.txt>
 * Each line: name chain key cafile host depth param-flags host-flags [# description], with
 * the files relative to the list's directory and "-" for no host, depth or flags; flags are
 * comma-separated X509_V_FLAG_<name>s and X509_CHECK_FLAG_<name>s without their prefixes.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

struct flag {
    const char *name;
    unsigned long value;
};

static const struct flag param_flags[] = {
    { "PARTIAL_CHAIN", X509_V_FLAG_PARTIAL_CHAIN },
    { "X509_STRICT", X509_V_FLAG_X509_STRICT },
    { "NO_CHECK_TIME", X509_V_FLAG_NO_CHECK_TIME },
    { "IGNORE_CRITICAL", X509_V_FLAG_IGNORE_CRITICAL },
    { "TRUSTED_FIRST", X509_V_FLAG_TRUSTED_FIRST },
    { "NO_ALT_CHAINS", X509_V_FLAG_NO_ALT_CHAINS },
    { "CHECK_SS_SIGNATURE", X509_V_FLAG_CHECK_SS_SIGNATURE },
    { NULL, 0 },
};

static const struct flag host_flags[] = {
    { "ALWAYS_CHECK_SUBJECT", X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT },
    { "NO_WILDCARDS", X509_CHECK_FLAG_NO_WILDCARDS },
    { "NO_PARTIAL_WILDCARDS", X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS },
    { "MULTI_LABEL_WILDCARDS", X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS },
    { "SINGLE_LABEL_SUBDOMAINS", X509_CHECK_FLAG_SINGLE_LABEL_SUBDOMAINS },
    { "NEVER_CHECK_SUBJECT", X509_CHECK_FLAG_NEVER_CHECK_SUBJECT },
    { NULL, 0 },
};

/* Parses "-" or "A,B,C" against `table`; exits on a name it does not know. */
static unsigned long parse_flags(const char *text, const struct flag *table)
{
    unsigned long flags = 0;
    char copy[256], *name, *save = NULL;
    const struct flag *f;

    if (strcmp(text, "-") == 0)
        return 0;
    snprintf(copy, sizeof(copy), "%s", text);
    for (name = strtok_r(copy, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
        for (f = table; f->name != NULL && strcmp(f->name, name) != 0; f++)
            continue;
        if (f->name == NULL) {
            fprintf(stderr, "unknown flag %s\n", name);
            exit(2);
        }
        flags |= f->value;
    }
    return flags;
}

static const char *cn(X509 *x)
{
    static char name[256];

    if (x == NULL)
        return "(no certificate)";
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, name,
                                  sizeof(name)) < 0)
        return "(no CN)";
    return name;
}

/* What the verify callback answers: `ok`, or always 1. */
static int answer_ok;

static int on_verify(int ok, X509_STORE_CTX *ctx)
{
    printf("  callback ok=%d depth=%d error=%d cn=%s\n", ok, X509_STORE_CTX_get_error_depth(ctx),
           X509_STORE_CTX_get_error(ctx), cn(X509_STORE_CTX_get_current_cert(ctx)));
    return answer_ok ? ok : 1;
}

static void nonblocking(int fd)
{
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        perror("fcntl");
        exit(1);
    }
}

/* One side of a handshake: 0 while in progress, 1 when done, -1 when failed; with the
 * library and reason of the last error it queued (the TLS layer's: when a signature does not
 * verify, the cryptographic code's errors come first). */
struct side {
    SSL *ssl;
    int fd;
    int state;
    int lib, reason;
};

static void step(struct side *s)
{
    int rc, err;

    if (s->state != 0)
        return;
    ERR_clear_error();
    rc = SSL_do_handshake(s->ssl);
    if (rc == 1) {
        s->state = 1;
    } else {
        err = SSL_get_error(s->ssl, rc);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
            s->state = -1;
            s->lib = ERR_GET_LIB(ERR_peek_last_error());
            s->reason = ERR_GET_REASON(ERR_peek_last_error());
            /* The peer must not wait for what this side will never send. */
            shutdown(s->fd, SHUT_RDWR);
        }
    }
    ERR_clear_error();
}

static void show_state(const char *who, const struct side *s)
{
    if (s->state == 1)
        printf(" %s=done", who);
    else if (s->state == 0)
        printf(" %s=stuck", who);
    else
        printf(" %s=failed(lib %d reason %d)", who, s->lib, s->reason);
}

static void show_chain(STACK_OF(X509) *chain)
{
    int i;

    printf("  verified chain:");
    if (chain == NULL)
        printf(" none");
    for (i = 0; chain != NULL && i < sk_X509_num(chain); i++)
        printf(" [%s]", cn(sk_X509_value(chain, i)));
    printf("\n");
}

struct scenario {
    char name[128], chain[512], key[512], cafile[512], host[256], depth[16], pflags[256],
        hflags[256];
};

enum run { PEER_OK, PEER_ANSWER_1, NONE };

static void handshake(const struct scenario *sc, SSL_CTX *sctx, SSL_CTX *cctx, enum run run)
{
    static const char *titles[] = { "verify peer, callback answers ok",
                                    "verify peer, callback answers 1", "verify none" };
    struct side client = { 0 }, server = { 0 };
    int fds[2], round;
    long result;

    printf(" %s:\n", titles[run]);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
        perror("socketpair");
        exit(1);
    }
    nonblocking(fds[0]);
    nonblocking(fds[1]);
    client.ssl = SSL_new(cctx);
    server.ssl = SSL_new(sctx);
    client.fd = fds[0];
    server.fd = fds[1];
    if (client.ssl == NULL || server.ssl == NULL || SSL_set_fd(client.ssl, fds[0]) != 1
            || SSL_set_fd(server.ssl, fds[1]) != 1) {
        printf("  cannot set up the connection\n");
        ERR_print_errors_fp(stdout);
        exit(1);
    }
    SSL_set_connect_state(client.ssl);
    SSL_set_accept_state(server.ssl);

    answer_ok = run == PEER_OK;
    if (run == NONE)
        SSL_set_verify(client.ssl, SSL_VERIFY_NONE, NULL);
    else
        SSL_set_verify(client.ssl, SSL_VERIFY_PEER, on_verify);
    if (strcmp(sc->depth, "-") != 0)
        SSL_set_verify_depth(client.ssl, atoi(sc->depth));
    if (strcmp(sc->pflags, "-") != 0
            && X509_VERIFY_PARAM_set_flags(SSL_get0_param(client.ssl),
                                           parse_flags(sc->pflags, param_flags)) != 1)
        printf("  X509_VERIFY_PARAM_set_flags failed\n");
    if (strcmp(sc->hflags, "-") != 0)
        X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(client.ssl),
                                        (unsigned int)parse_flags(sc->hflags, host_flags));
    if (strcmp(sc->host, "-") != 0 && SSL_set1_host(client.ssl, sc->host) != 1)
        printf("  SSL_set1_host failed\n");

    for (round = 0; round < 100 && (client.state == 0 || server.state == 0); round++) {
        step(&client);
        step(&server);
    }

    result = SSL_get_verify_result(client.ssl);
    printf("  handshake");
    show_state("client", &client);
    show_state("server", &server);
    printf(", verify result %ld (%s)\n", result, X509_verify_cert_error_string(result));
    if (run != NONE)
        show_chain(SSL_get0_verified_chain(client.ssl));
    SSL_free(client.ssl);
    SSL_free(server.ssl);
    close(fds[0]);
    close(fds[1]);
    ERR_clear_error();
}

/* The path of `file`, relative to the list's directory `dir`. */
static void resolve(char *path, size_t size, const char *dir, const char *file)
{
    char copy[512];

    snprintf(copy, sizeof(copy), "%s", file);
    snprintf(path, size, "%s/%s", dir, copy);
}

static void run_scenario(struct scenario *sc, const char *dir)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = SSL_CTX_new(TLS_client_method());
    const char *refused = NULL;
    enum run run;

    printf("scenario %s host=%s depth=%s flags=%s hostflags=%s\n", sc->name, sc->host,
           sc->depth, sc->pflags, sc->hflags);
    resolve(sc->chain, sizeof(sc->chain), dir, sc->chain);
    resolve(sc->key, sizeof(sc->key), dir, sc->key);
    resolve(sc->cafile, sizeof(sc->cafile), dir, sc->cafile);
    if (sctx == NULL || cctx == NULL
            || SSL_CTX_set_min_proto_version(sctx, TLS1_3_VERSION) != 1
            || SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION) != 1
            || SSL_CTX_set_cipher_list(sctx, "DEFAULT:@SECLEVEL=0") != 1) {
        printf(" cannot set up the contexts\n");
        ERR_print_errors_fp(stdout);
        exit(1);
    }
    /* A scenario's files the library refuses: said, and the next scenario runs. */
    if (SSL_CTX_use_certificate_chain_file(sctx, sc->chain) != 1)
        refused = "SSL_CTX_use_certificate_chain_file";
    else if (SSL_CTX_use_PrivateKey_file(sctx, sc->key, SSL_FILETYPE_PEM) != 1)
        refused = "SSL_CTX_use_PrivateKey_file";
    else if (SSL_CTX_load_verify_locations(cctx, sc->cafile, NULL) != 1)
        refused = "SSL_CTX_load_verify_locations";
    if (refused != NULL)
        printf(" %s failed (lib %d reason %d)\n", refused, ERR_GET_LIB(ERR_peek_last_error()),
               ERR_GET_REASON(ERR_peek_last_error()));
    ERR_clear_error();
    for (run = PEER_OK; refused == NULL && run <= NONE; run++)
        handshake(sc, sctx, cctx, run);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/* ---- Trust from an X509_STORE built in C (--store) ---- */

/* The corpus' directory. */
static char corpus[512];

/* A certificate of the corpus, read with PEM_read_bio_X509; the program ends if it cannot. */
static X509 *certificate(const char *file)
{
    char path[1024];
    BIO *bio;
    X509 *x = NULL;

    snprintf(path, sizeof(path), "%s/%s", corpus, file);
    bio = BIO_new_file(path, "r");
    if (bio != NULL)
        x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (x == NULL) {
        printf(" cannot read %s\n", file);
        ERR_print_errors_fp(stdout);
        exit(1);
    }
    return x;
}

/* Prints what a call returned and the errors it queued (library and reason), oldest first,
 * and empties the queue. */
static void said(const char *call, long rc)
{
    unsigned long e;

    printf(" %s = %ld", call, rc);
    while ((e = ERR_get_error()) != 0)
        printf(" (lib %d reason %d)", ERR_GET_LIB(e), ERR_GET_REASON(e));
    printf("\n");
}

/* As said, with only the first error queued: a file that is not there queues its errno
 * first; OpenSSL then adds BIO_R_NO_SUCH_FILE and ERR_R_BIO_LIB, qssl nothing. */
static void said_first(const char *call, long rc)
{
    unsigned long e = ERR_peek_error();

    printf(" %s = %ld", call, rc);
    if (e != 0)
        printf(" (lib %d reason %d)", ERR_GET_LIB(e), ERR_GET_REASON(e));
    printf("\n");
    ERR_clear_error();
}

/* X509_STORE_add_cert with the corpus' `file`, said. */
static void add(X509_STORE *store, const char *file)
{
    char call[128];
    X509 *x = certificate(file);

    ERR_clear_error();
    snprintf(call, sizeof(call), "X509_STORE_add_cert(%s)", file);
    said(call, X509_STORE_add_cert(store, x));
    X509_free(x);
}

/* A new store holding the corpus' `file` (or nothing, for NULL). */
static X509_STORE *store_of(const char *file)
{
    X509_STORE *store = X509_STORE_new();

    if (store == NULL) {
        printf(" X509_STORE_new failed\n");
        exit(1);
    }
    if (file != NULL)
        add(store, file);
    return store;
}

/* A context of `method` for TLS 1.3. */
static SSL_CTX *context(const SSL_METHOD *method)
{
    SSL_CTX *ctx = SSL_CTX_new(method);

    if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
        printf(" cannot set up a context\n");
        ERR_print_errors_fp(stdout);
        exit(1);
    }
    return ctx;
}

/* The server of every store scenario: www.example.com's leaf and intermediate (chain), or
 * the leaf under two intermediates (long_chain). */
static SSL_CTX *server(const char *chain)
{
    SSL_CTX *sctx = context(TLS_server_method());
    char path[1024];

    snprintf(path, sizeof(path), "%s/%s", corpus, chain);
    if (SSL_CTX_use_certificate_chain_file(sctx, path) != 1) {
        printf(" SSL_CTX_use_certificate_chain_file(%s) failed\n", chain);
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/leaf.key", corpus);
    if (SSL_CTX_use_PrivateKey_file(sctx, path, SSL_FILETYPE_PEM) != 1) {
        printf(" SSL_CTX_use_PrivateKey_file failed\n");
        exit(1);
    }
    return sctx;
}

/* A connection to www.example.com, the client verifying with a callback that answers ok. */
static void connect_to(SSL_CTX *sctx, SSL_CTX *cctx)
{
    static struct scenario www = {
        .host = "www.example.com", .depth = "-", .pflags = "-", .hflags = "-"
    };

    handshake(&www, sctx, cctx, PEER_OK);
}

static void same_store(const char *what, X509_STORE *got, X509_STORE *expected)
{
    printf(" %s %s\n", what, got == expected ? "is the store" : "is another store");
}

/* The client context's parameters (SSL_CTX_get0_param): the flags and depth. */
static void ctx_param(SSL_CTX *cctx)
{
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(cctx);

    printf(" SSL_CTX_get0_param: flags %#lx depth %d\n", X509_VERIFY_PARAM_get_flags(param),
           X509_VERIFY_PARAM_get_depth(param));
}

static void store_scenarios(void)
{
    SSL_CTX *sctx = server("www_chain.pem"), *long_sctx = server("long_chain.pem"), *cctx,
            *other;
    X509_STORE *store;
    X509 *root;
    char path[1024];
    int count = 0;

    /* 1: the root, added to a store of the program's own, given to the client context. */
    printf("store root\n");
    cctx = context(TLS_client_method());
    store = store_of("root.pem");
    SSL_CTX_set_cert_store(cctx, store);
    same_store("SSL_CTX_get_cert_store", SSL_CTX_get_cert_store(cctx), store);
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    count++;

    /* The root loaded from its file into the store; files that are not there, and no file. */
    printf("store load-file\n");
    cctx = context(TLS_client_method());
    store = store_of(NULL);
    snprintf(path, sizeof(path), "%s/root.pem", corpus);
    ERR_clear_error();
    said("X509_STORE_load_file(root.pem)", X509_STORE_load_file(store, path));
    snprintf(path, sizeof(path), "%s/missing.pem", corpus);
    said_first("X509_STORE_load_file(missing.pem)", X509_STORE_load_file(store, path));
    said_first("X509_STORE_load_locations(missing.pem, NULL)",
               X509_STORE_load_locations(store, path, NULL));
    said("X509_STORE_load_locations(NULL, NULL)", X509_STORE_load_locations(store, NULL, NULL));
    SSL_CTX_set_cert_store(cctx, store);
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    count++;

    /* A context's own store: the one SSL_CTX_get_cert_store answers, filled after. */
    printf("store context-own\n");
    cctx = context(TLS_client_method());
    store = SSL_CTX_get_cert_store(cctx);
    printf(" SSL_CTX_get_cert_store %s\n", store != NULL ? "is a store" : "is NULL");
    same_store("SSL_CTX_get_cert_store again", SSL_CTX_get_cert_store(cctx), store);
    connect_to(sctx, cctx);
    add(store, "root.pem");
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    count++;

    /* 2: only the intermediate: unable to get the issuer's certificate, until the store
     * allows partial chains. */
    printf("store intermediate-only\n");
    cctx = context(TLS_client_method());
    store = store_of("inter.pem");
    SSL_CTX_set_cert_store(cctx, store);
    connect_to(sctx, cctx);
    ERR_clear_error();
    said("X509_STORE_set_flags(PARTIAL_CHAIN)", X509_STORE_set_flags(store,
                                                                    X509_V_FLAG_PARTIAL_CHAIN));
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    count++;

    printf("store intermediate-only-partial-before\n");
    cctx = context(TLS_client_method());
    store = store_of("inter.pem");
    ERR_clear_error();
    said("X509_STORE_set_flags(PARTIAL_CHAIN)", X509_STORE_set_flags(store,
                                                                    X509_V_FLAG_PARTIAL_CHAIN));
    SSL_CTX_set_cert_store(cctx, store);
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    count++;

    /* 3: SSL_CTX_set1_cert_store shares the store: the caller's reference stays good after
     * the context is freed, and the store can be given again. */
    printf("store set1-shared\n");
    cctx = context(TLS_client_method());
    store = store_of("root.pem");
    SSL_CTX_set1_cert_store(cctx, store);
    same_store("SSL_CTX_get_cert_store", SSL_CTX_get_cert_store(cctx), store);
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    add(store, "other.pem");
    cctx = context(TLS_client_method());
    SSL_CTX_set1_cert_store(cctx, store);
    same_store("SSL_CTX_get_cert_store of a second context", SSL_CTX_get_cert_store(cctx),
               store);
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    ERR_clear_error();
    said("X509_STORE_up_ref", X509_STORE_up_ref(store));
    X509_STORE_free(store);
    X509_STORE_free(store);
    count++;

    /* The store of a context that is gone, kept by the caller, given to the next context:
     * what a client caching its CA store across contexts does. */
    printf("store outlives-its-context\n");
    cctx = context(TLS_client_method());
    store = SSL_CTX_get_cert_store(cctx);
    add(store, "root.pem");
    ERR_clear_error();
    said("X509_STORE_up_ref", X509_STORE_up_ref(store));
    SSL_CTX_free(cctx);
    cctx = context(TLS_client_method());
    SSL_CTX_set1_cert_store(cctx, store);
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    X509_STORE_free(store);
    count++;

    /* Certificates added after the store was given reach later connections. */
    printf("store add-after-set\n");
    cctx = context(TLS_client_method());
    store = store_of(NULL);
    SSL_CTX_set_cert_store(cctx, store);
    connect_to(sctx, cctx);
    add(store, "root.pem");
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    count++;

    /* One store given to two contexts, filled after. */
    printf("store two-contexts\n");
    cctx = context(TLS_client_method());
    other = context(TLS_client_method());
    store = store_of(NULL);
    SSL_CTX_set1_cert_store(cctx, store);
    SSL_CTX_set1_cert_store(other, store);
    add(store, "root.pem");
    connect_to(sctx, cctx);
    connect_to(sctx, other);
    SSL_CTX_free(cctx);
    SSL_CTX_free(other);
    X509_STORE_free(store);
    count++;

    /* 4: the same certificate twice, and no certificate. */
    printf("store add-twice\n");
    cctx = context(TLS_client_method());
    store = store_of("root.pem");
    add(store, "root.pem");
    root = certificate("root.pem");
    ERR_clear_error();
    said("X509_STORE_add_cert(the same object)", X509_STORE_add_cert(store, root));
    said("X509_STORE_add_cert(the same object)", X509_STORE_add_cert(store, root));
    X509_free(root);
    said("X509_STORE_add_cert(NULL)", X509_STORE_add_cert(store, NULL));
    SSL_CTX_set_cert_store(cctx, store);
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    count++;

    /* 5: the store's depth and purpose. */
    printf("store depth\n");
    cctx = context(TLS_client_method());
    store = store_of("root.pem");
    ERR_clear_error();
    said("X509_STORE_set_depth(0)", X509_STORE_set_depth(store, 0));
    SSL_CTX_set_cert_store(cctx, store);
    connect_to(sctx, cctx);
    said("X509_STORE_set_depth(1)", X509_STORE_set_depth(store, 1));
    connect_to(sctx, cctx);
    connect_to(long_sctx, cctx);
    said("X509_STORE_set_depth(2)", X509_STORE_set_depth(store, 2));
    connect_to(long_sctx, cctx);
    SSL_CTX_free(cctx);
    count++;

    printf("store purpose\n");
    cctx = context(TLS_client_method());
    store = store_of("root.pem");
    ERR_clear_error();
    said("X509_STORE_set_purpose(SSL_CLIENT)", X509_STORE_set_purpose(store,
                                                                      X509_PURPOSE_SSL_CLIENT));
    SSL_CTX_set_cert_store(cctx, store);
    connect_to(sctx, cctx);
    said("X509_STORE_set_purpose(SSL_SERVER)", X509_STORE_set_purpose(store,
                                                                      X509_PURPOSE_SSL_SERVER));
    connect_to(sctx, cctx);
    said("X509_STORE_set_purpose(99)", X509_STORE_set_purpose(store, 99));
    SSL_CTX_free(cctx);
    count++;

    printf("store purpose-and-context-purpose\n");
    cctx = context(TLS_client_method());
    store = store_of("root.pem");
    ERR_clear_error();
    said("X509_STORE_set_purpose(SSL_CLIENT)", X509_STORE_set_purpose(store,
                                                                      X509_PURPOSE_SSL_CLIENT));
    SSL_CTX_set_cert_store(cctx, store);
    said("X509_VERIFY_PARAM_set_purpose(SSL_SERVER)",
         X509_VERIFY_PARAM_set_purpose(SSL_CTX_get0_param(cctx), X509_PURPOSE_SSL_SERVER));
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    cctx = context(TLS_client_method());
    SSL_CTX_set_cert_store(cctx, store_of("root.pem"));
    said("X509_VERIFY_PARAM_set_purpose(SSL_CLIENT)",
         X509_VERIFY_PARAM_set_purpose(SSL_CTX_get0_param(cctx), X509_PURPOSE_SSL_CLIENT));
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    count++;

    /* 6: the store's settings and the context's parameters: each applies, the context's
     * depth before the store's, and neither shows in the other. */
    printf("store flags-and-context-param\n");
    cctx = context(TLS_client_method());
    store = store_of("inter.pem");
    ERR_clear_error();
    said("X509_STORE_set_flags(PARTIAL_CHAIN)", X509_STORE_set_flags(store,
                                                                    X509_V_FLAG_PARTIAL_CHAIN));
    SSL_CTX_set_cert_store(cctx, store);
    ctx_param(cctx);
    said("X509_VERIFY_PARAM_clear_flags(PARTIAL_CHAIN)",
         X509_VERIFY_PARAM_clear_flags(SSL_CTX_get0_param(cctx), X509_V_FLAG_PARTIAL_CHAIN));
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    count++;

    printf("store context-param-flags\n");
    cctx = context(TLS_client_method());
    store = store_of("inter.pem");
    SSL_CTX_set_cert_store(cctx, store);
    ERR_clear_error();
    said("X509_VERIFY_PARAM_set_flags(PARTIAL_CHAIN)",
         X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(cctx), X509_V_FLAG_PARTIAL_CHAIN));
    ctx_param(cctx);
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    count++;

    printf("store depth-and-context-depth\n");
    cctx = context(TLS_client_method());
    SSL_CTX_set_verify_depth(cctx, 5);
    store = store_of("root.pem");
    ERR_clear_error();
    said("X509_STORE_set_depth(0)", X509_STORE_set_depth(store, 0));
    SSL_CTX_set_cert_store(cctx, store);
    ctx_param(cctx);
    connect_to(sctx, cctx);
    SSL_CTX_set_verify_depth(cctx, 0);
    said("X509_STORE_set_depth(5)", X509_STORE_set_depth(store, 5));
    ctx_param(cctx);
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    count++;

    /* No store at all. */
    printf("store null\n");
    cctx = context(TLS_client_method());
    SSL_CTX_set_cert_store(cctx, NULL);
    printf(" SSL_CTX_get_cert_store %s\n", SSL_CTX_get_cert_store(cctx) != NULL ? "is a store"
                                                                                : "is NULL");
    connect_to(sctx, cctx);
    SSL_CTX_free(cctx);
    count++;

    SSL_CTX_free(sctx);
    SSL_CTX_free(long_sctx);
    printf("stores %d\n", count);
}

int main(int argc, char **argv)
{
    char line[2048], dir[512], *slash;
    struct scenario sc;
    FILE *list;
    int count = 0, stores = argc == 3 && strcmp(argv[1], "--store") == 0;

    if (argc != 2 && !stores) {
        fprintf(stderr, "usage: verify_corpus [--store] <scenarios.txt>\n");
        return 2;
    }
    snprintf(dir, sizeof(dir), "%s", argv[argc - 1]);
    slash = strrchr(dir, '/');
    if (slash == NULL)
        strcpy(dir, ".");
    else
        *slash = '\0';
    /* A side that failed shuts its socket down: the other must not die writing to it. */
    signal(SIGPIPE, SIG_IGN);
    if (stores) {
        snprintf(corpus, sizeof(corpus), "%s", dir);
        store_scenarios();
        return 0;
    }
    list = fopen(argv[1], "r");
    if (list == NULL) {
        perror(argv[1]);
        return 1;
    }
    while (fgets(line, sizeof(line), list) != NULL) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (sscanf(line, "%127s %511s %511s %511s %255s %15s %255s %255s", sc.name, sc.chain,
                   sc.key, sc.cafile, sc.host, sc.depth, sc.pflags, sc.hflags) != 8) {
            fprintf(stderr, "malformed line: %s", line);
            return 1;
        }
        run_scenario(&sc, dir);
        count++;
    }
    fclose(list);
    printf("scenarios %d\n", count);
    return 0;
}
