/*
 * QUIC domains and domain flags as OpenSSL 3.5 answers them: the flags each method starts
 * with and the combinations refused, SSL_new_domain, SSL_new_listener_from and
 * SSL_new_from_listener and their refusals, the identity calls on every kind of object,
 * blocking as the flags allow it, and traffic: two listeners of one domain over a datagram
 * pair, each connecting out to the other with SSL_new_from_listener and accepting the
 * other's connection, driven by SSL_handle_events on the domain; and a listener of a client
 * context lending its datagram BIO to a connection made from it. The output is
 * deterministic.
 *
 * Usage: quic_domain <cert.pem> <key.pem>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>

#define CHECK(cond) do { if (!(cond)) { printf("FAIL line %d: %s\n", __LINE__, #cond); \
    ERR_print_errors_fp(stdout); exit(1); } } while (0)

/* Prints and clears the error queue, as "what: lib/reason ..." ("none" when empty). */
static void errors(const char *what)
{
    unsigned long e;
    int any = 0;

    printf("%s%serrors:", what, *what ? " " : "");
    while ((e = ERR_get_error()) != 0) {
        printf(" %d/%d", ERR_GET_LIB(e), ERR_GET_REASON(e));
        any = 1;
    }
    printf("%s\n", any ? "" : " none");
}

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char ours[] = "\x04test";
    (void)ssl;
    (void)arg;
    return SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof(ours) - 1, in,
                                 inlen) == OPENSSL_NPN_NEGOTIATED
        ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
}

static void ctx_flags(const char *name, const SSL_METHOD *method)
{
    SSL_CTX *ctx = SSL_CTX_new(method);
    uint64_t flags = 99;
    int ret;

    CHECK(ctx != NULL);
    ret = SSL_CTX_get_domain_flags(ctx, &flags);
    printf("%s context domain flags: %d %llu\n", name, ret, (unsigned long long)flags);
    errors(name);
    SSL_CTX_free(ctx);
}

static void set_flags(SSL_CTX *ctx, uint64_t want)
{
    uint64_t flags = 99;
    int ret = SSL_CTX_set_domain_flags(ctx, want);

    CHECK(SSL_CTX_get_domain_flags(ctx, &flags) == 1);
    printf("set %llu: %d, now %llu\n", (unsigned long long)want, ret,
           (unsigned long long)flags);
    errors("set");
}

static void new_domain(SSL_CTX *ctx, uint64_t want)
{
    SSL *d = SSL_new_domain(ctx, want);
    uint64_t flags = 99;

    if (d != NULL)
        CHECK(SSL_get_domain_flags(d, &flags) == 1);
    printf("domain with %llu: %s, flags %llu\n", (unsigned long long)want,
           d == NULL ? "none" : "made", (unsigned long long)flags);
    errors("new domain");
    SSL_free(d);
}

/* Prints what `expr` answers and the errors it queued. */
#define SHOW(what, expr) do { long v_ = (long)(expr); printf("  %s %ld;", what, v_); \
    errors(""); } while (0)

/* Names the object `p` is, among those `s` may be related to. */
static const char *which(SSL *p, SSL *s, SSL *d, SSL *l)
{
    return p == NULL ? "null" : p == s ? "self" : p == d ? "domain" : p == l ? "listener"
        : "other";
}

/* The identity calls on `s`, named `name`, each with the errors it queues. */
static void identity(const char *name, SSL *s, SSL *d, SSL *l)
{
    uint64_t flags = 99;
    int ret;

    printf("%s:\n", name);
    SHOW("quic", SSL_is_quic(s));
    SHOW("domain", SSL_is_domain(s));
    SHOW("listener", SSL_is_listener(s));
    SHOW("connection", SSL_is_connection(s));
    SHOW("server", SSL_is_server(s));
    printf("  get0_domain %s;", which(SSL_get0_domain(s), s, d, l));
    errors("");
    printf("  get0_listener %s;", which(SSL_get0_listener(s), s, d, l));
    errors("");
    printf("  get0_connection %s;", which(SSL_get0_connection(s), s, d, l));
    errors("");
    ret = SSL_get_domain_flags(s, &flags);
    printf("  domain flags %d %llu;", ret, (unsigned long long)flags);
    errors("");
}

/* The calls made on objects they do not apply to, and what they answer. */
static void calls(const char *name, SSL *s)
{
    BIO_POLL_DESCRIPTOR desc;
    struct timeval tv;
    char buf[8];
    size_t n;
    int inf;

    printf("%s calls:\n", name);
    SHOW("get blocking", SSL_get_blocking_mode(s));
    SHOW("set blocking", SSL_set_blocking_mode(s, 0));
    SHOW("event timeout", SSL_get_event_timeout(s, &tv, &inf));
    SHOW("handle events", SSL_handle_events(s));
    SHOW("read", SSL_read_ex(s, buf, sizeof(buf), &n));
    SHOW("get error", SSL_get_error(s, 0));
    SHOW("write", SSL_write_ex(s, "x", 1, &n));
    SHOW("accept", SSL_accept_connection(s, SSL_ACCEPT_CONNECTION_NO_BLOCK) != NULL);
    SHOW("queue", SSL_get_accept_connection_queue_len(s));
    SHOW("rpoll", SSL_get_rpoll_descriptor(s, &desc));
    SHOW("read desired", SSL_net_read_desired(s));
    SHOW("shutdown", SSL_shutdown(s));
    SHOW("get shutdown", SSL_get_shutdown(s));
    SHOW("version", SSL_version(s));
    SHOW("stream id", SSL_get_stream_id(s) == UINT64_MAX);
    SHOW("new stream", SSL_new_stream(s, 0) != NULL);
    SHOW("accept stream", SSL_accept_stream(s, SSL_ACCEPT_STREAM_NO_BLOCK) != NULL);
    SHOW("stream queue", SSL_get_accept_stream_queue_len(s));
    SHOW("conclude", SSL_stream_conclude(s, 0));
    SHOW("listen", SSL_listen(s));
}

/* Blocking as the context's domain flags allow it, on a listener over a real UDP socket. */
static void blocking(SSL_CTX *ctx, uint64_t want)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    BIO *bio;
    SSL *l;

    CHECK(fd >= 0);
    CHECK(SSL_CTX_set_domain_flags(ctx, want) == 1);
    CHECK((l = SSL_new_listener(ctx, 0)) != NULL);
    CHECK((bio = BIO_new_dgram(fd, BIO_CLOSE)) != NULL);
    SSL_set_bio(l, bio, bio);
    printf("flags %llu: listener blocking %d, set blocking %d\n", (unsigned long long)want,
           SSL_get_blocking_mode(l), SSL_set_blocking_mode(l, 1));
    errors("blocking");
    SSL_free(l);
}

static SSL *other;

/* Drives the domain, the listener outside it and the connections in `conns`. */
static void pump(SSL *d, SSL **conns, size_t n)
{
    size_t i;

    SSL_handle_events(d);
    SSL_handle_events(other);
    for (i = 0; i < n; i++)
        if (conns[i] != NULL)
            SSL_handle_events(conns[i]);
}

/* Reads a stream to its end, pumping the domain. */
static void read_all(SSL *d, SSL *s, char *buf, size_t cap, size_t *len)
{
    size_t n;
    int rounds = 0;

    *len = 0;
    for (;;) {
        if (SSL_read_ex(s, buf + *len, cap - *len, &n)) {
            *len += n;
            continue;
        }
        if (SSL_get_error(s, 0) != SSL_ERROR_WANT_READ)
            return;
        CHECK(++rounds < 100000);
        pump(d, NULL, 0);
    }
}

/*
 * A listener of a client context, which accepts nothing (OpenSSL 3.5's client-only use):
 * a connection made from it with SSL_new_from_listener (and started with SSL_connect, the
 * client method's) reaches a listener of `sctx` over a datagram pair and sends on a stream.
 */
static void client_listener(SSL_CTX *sctx)
{
    SSL_CTX *cctx = SSL_CTX_new(OSSL_QUIC_client_method());
    SSL *lc, *ls, *c, *a = NULL, *s, *conns[2];
    BIO *b1, *b2;
    char buf[64];
    size_t n, len;
    int r = 0, rounds = 0;

    CHECK(cctx != NULL);
    CHECK((lc = SSL_new_listener(cctx, 0)) != NULL);
    CHECK((ls = SSL_new_listener(sctx, SSL_LISTENER_FLAG_NO_VALIDATE)) != NULL);
    printf("client listener: is listener %d\n", SSL_is_listener(lc));
    CHECK(BIO_new_bio_dgram_pair(&b1, 0, &b2, 0) == 1);
    SSL_set_bio(lc, b1, b1);
    SSL_set_bio(ls, b2, b2);
    CHECK(SSL_set_blocking_mode(lc, 0) == 1 && SSL_set_blocking_mode(ls, 0) == 1);
    CHECK(SSL_listen(lc) == 1 && SSL_listen(ls) == 1);
    /* (qssl also puts why on the error queue; OpenSSL 3.5.5 leaves it empty.) */
    printf("client listener accepts: %d, error %d\n",
           SSL_accept_connection(lc, SSL_ACCEPT_CONNECTION_NO_BLOCK) != NULL,
           SSL_get_error(lc, 0));
    ERR_clear_error();
    CHECK((c = SSL_new_from_listener(lc, 0)) != NULL);
    CHECK(SSL_set_alpn_protos(c, (const unsigned char *)"\x04test", 5) == 0);
    CHECK(SSL_set_tlsext_host_name(c, "localhost") == 1);
    other = ls;
    conns[0] = c;
    conns[1] = NULL;
    while (r != 1 || a == NULL) {
        if (r != 1)
            r = SSL_connect(c);
        if (a == NULL)
            a = SSL_accept_connection(ls, 0);
        conns[1] = a;
        CHECK(++rounds < 100000);
        pump(lc, conns, 2);
    }
    printf("client listener's connection: %s, listener %d\n", SSL_get_version(c),
           SSL_get0_listener(c) == lc);
    CHECK(SSL_write_ex(c, "ping three", 10, &n) == 1 && SSL_stream_conclude(c, 0) == 1);
    rounds = 0;
    while ((s = SSL_accept_stream(a, SSL_ACCEPT_STREAM_NO_BLOCK)) == NULL) {
        CHECK(++rounds < 100000);
        pump(lc, conns, 2);
    }
    read_all(lc, s, buf, sizeof(buf), &len);
    printf("server got from the client listener's connection: %.*s\n", (int)len, buf);
    SSL_free(s);
    SSL_free(a);
    SSL_free(c);
    SSL_free(ls);
    SSL_free(lc);
    SSL_CTX_free(cctx);
    errors("client listener");
}

int main(int argc, char *argv[])
{
    SSL_CTX *sctx, *tctx;
    SSL *d, *l1, *l2, *c1, *c2, *a1 = NULL, *a2 = NULL, *t, *s1, *s2, *conns[4];
    BIO *b1, *b2;
    struct timeval tv;
    char buf[64];
    size_t n, len;
    int r1 = 0, r2 = 0, inf, rounds = 0;
    uint64_t flags;

    if (argc != 3)
        return 2;

    ctx_flags("client", OSSL_QUIC_client_method());
    ctx_flags("client thread", OSSL_QUIC_client_thread_method());
    ctx_flags("server", OSSL_QUIC_server_method());
    ctx_flags("tls", TLS_method());

    sctx = SSL_CTX_new(OSSL_QUIC_server_method());
    CHECK(sctx != NULL);
    set_flags(sctx, 0);
    set_flags(sctx, SSL_DOMAIN_FLAG_SINGLE_THREAD);
    set_flags(sctx, SSL_DOMAIN_FLAG_THREAD_ASSISTED);
    set_flags(sctx, SSL_DOMAIN_FLAG_SINGLE_THREAD | SSL_DOMAIN_FLAG_MULTI_THREAD);
    set_flags(sctx, SSL_DOMAIN_FLAG_SINGLE_THREAD | SSL_DOMAIN_FLAG_THREAD_ASSISTED);
    set_flags(sctx, 1 << 5);
    set_flags(sctx, SSL_DOMAIN_FLAG_BLOCKING);
    set_flags(sctx, SSL_DOMAIN_FLAG_MULTI_THREAD | SSL_DOMAIN_FLAG_LEGACY_BLOCKING);
    flags = 7;
    CHECK(SSL_CTX_get_domain_flags(sctx, NULL) == 1);
    tctx = SSL_CTX_new(TLS_method());
    CHECK(tctx != NULL);
    printf("tls set: %d\n", SSL_CTX_set_domain_flags(tctx, SSL_DOMAIN_FLAG_MULTI_THREAD));
    errors("tls set");

    CHECK(SSL_CTX_use_certificate_chain_file(sctx, argv[1]) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_alpn_select_cb(sctx, select_alpn, NULL);
    blocking(sctx, SSL_DOMAIN_FLAG_MULTI_THREAD | SSL_DOMAIN_FLAG_LEGACY_BLOCKING);
    blocking(sctx, SSL_DOMAIN_FLAG_SINGLE_THREAD);
    blocking(sctx, SSL_DOMAIN_FLAG_SINGLE_THREAD | SSL_DOMAIN_FLAG_BLOCKING);
    CHECK(SSL_CTX_set_domain_flags(sctx, SSL_DOMAIN_FLAG_MULTI_THREAD
                                   | SSL_DOMAIN_FLAG_LEGACY_BLOCKING) == 1);

    new_domain(tctx, 0);
    new_domain(sctx, 0);
    new_domain(sctx, SSL_DOMAIN_FLAG_BLOCKING);
    new_domain(sctx, SSL_DOMAIN_FLAG_SINGLE_THREAD);
    new_domain(sctx, SSL_DOMAIN_FLAG_SINGLE_THREAD | SSL_DOMAIN_FLAG_MULTI_THREAD);
    new_domain(sctx, 1 << 6);


    CHECK((d = SSL_new_domain(sctx, SSL_DOMAIN_FLAG_SINGLE_THREAD)) != NULL);
    identity("domain", d, d, NULL);
    calls("domain", d);
    CHECK((l1 = SSL_new_listener_from(d, SSL_LISTENER_FLAG_NO_VALIDATE)) != NULL);
    CHECK((l2 = SSL_new_listener(sctx, SSL_LISTENER_FLAG_NO_VALIDATE)) != NULL);
    identity("listener of the domain", l1, d, l1);
    identity("listener", l2, d, l2);
    calls("listener", l2);
    CHECK((t = SSL_new(tctx)) != NULL);
    printf("refusals:\n");
    SHOW("listener from listener", SSL_new_listener_from(l1, 0) != NULL);
    SHOW("listener from tls", SSL_new_listener_from(t, 0) != NULL);
    SHOW("from domain", SSL_new_from_listener(d, 0) != NULL);
    SHOW("from listener with flags", SSL_new_from_listener(l1, 1) != NULL);
    SHOW("from tls", SSL_new_from_listener(t, 0) != NULL);
    SHOW("tls domain flags", SSL_get_domain_flags(t, &flags));
    SHOW("tls is domain", SSL_is_domain(t));
    SHOW("tls get0_domain", SSL_get0_domain(t) != NULL);

    other = l2;
    CHECK(BIO_new_bio_dgram_pair(&b1, 0, &b2, 0) == 1);
    SSL_set_bio(l1, b1, b1);
    SSL_set_bio(l2, b2, b2);
    CHECK(SSL_set_blocking_mode(l1, 0) == 1 && SSL_set_blocking_mode(l2, 0) == 1);
    CHECK(SSL_listen(l1) == 1 && SSL_listen(l2) == 1);

    CHECK((c1 = SSL_new_from_listener(l1, 0)) != NULL);
    CHECK((c2 = SSL_new_from_listener(l2, 0)) != NULL);
    CHECK(SSL_set_alpn_protos(c1, (const unsigned char *)"\x04test", 5) == 0);
    CHECK(SSL_set_alpn_protos(c2, (const unsigned char *)"\x04test", 5) == 0);
    CHECK(SSL_set_tlsext_host_name(c1, "localhost") == 1);

    conns[0] = c1;
    conns[1] = c2;
    conns[2] = conns[3] = NULL;
    while (r1 != 1 || r2 != 1 || a1 == NULL || a2 == NULL) {
        /* The connection has its listener's (server) method, whose SSL_connect OpenSSL
         * does not define: SSL_do_handshake starts it. */
        if (r1 != 1)
            r1 = SSL_do_handshake(c1);
        if (r2 != 1)
            r2 = SSL_do_handshake(c2);
        if (a1 == NULL)
            a1 = SSL_accept_connection(l1, 0);
        if (a2 == NULL)
            a2 = SSL_accept_connection(l2, 0);
        conns[2] = a1;
        conns[3] = a2;
        CHECK(++rounds < 100000);
        pump(d, conns, 4);
    }
    printf("connected: %s / %s, verify result %ld\n", SSL_get_version(c1),
           SSL_get_version(c2), SSL_get_verify_result(c1));
    /* (Before its handshake starts, OpenSSL 3.5 calls such a connection a server.) */
    identity("outgoing", c1, d, l1);
    identity("outgoing of the other", c2, d, l2);
    identity("accepted", a1, d, l1);
    identity("accepted by the other", a2, d, l2);
    printf("queues %zu %zu\n", SSL_get_accept_connection_queue_len(l1),
           SSL_get_accept_connection_queue_len(l2));
    printf("domain event timeout %d\n", SSL_get_event_timeout(d, &tv, &inf));

    CHECK(SSL_write_ex(c1, "ping one", 8, &n) == 1 && SSL_stream_conclude(c1, 0) == 1);
    CHECK(SSL_write_ex(c2, "ping two", 8, &n) == 1 && SSL_stream_conclude(c2, 0) == 1);
    rounds = 0;
    while ((s2 = SSL_accept_stream(a2, SSL_ACCEPT_STREAM_NO_BLOCK)) == NULL) {
        CHECK(++rounds < 100000);
        pump(d, conns, 4);
    }
    rounds = 0;
    while ((s1 = SSL_accept_stream(a1, SSL_ACCEPT_STREAM_NO_BLOCK)) == NULL) {
        CHECK(++rounds < 100000);
        pump(d, conns, 4);
    }
    read_all(d, s2, buf, sizeof(buf), &len);
    printf("listener 2 got: %.*s\n", (int)len, buf);
    read_all(d, s1, buf, sizeof(buf), &len);
    printf("listener 1 got: %.*s\n", (int)len, buf);

    SSL_free(s1);
    SSL_free(s2);
    SSL_free(a1);
    SSL_free(a2);
    SSL_free(c1);
    SSL_free(c2);
    SSL_free(l1);
    SSL_free(l2);
    SSL_free(d);
    SSL_free(t);
    client_listener(sctx);
    SSL_CTX_free(sctx);
    SSL_CTX_free(tctx);
    errors("end");
    return 0;
}
