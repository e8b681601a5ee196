/*
 * The calls OpenSSL 4.0 adds, as its code and manual pages define them (OpenSSL 3.5 has
 * none, so this runs on qssl's headers only): OSSL_QUIC_method, SSL_CTX_is_quic and
 * SSL_CTX_is_server, SSL_CTX_get0_alpn_protos and SSL_get0_alpn_protos, SSL_get_peer_addr,
 * and SSL_listen_ex giving a listener's connection to an object the application made.
 * Prints what it sees; the output is deterministic.
 *
 * Usage: quic_openssl4 <cert.pem> <key.pem>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>

#define CHECK(cond) do { if (!(cond)) { printf("FAIL line %d: %s\n", __LINE__, #cond); \
    ERR_print_errors_fp(stdout); exit(1); } } while (0)

/* Prints and clears the error queue. */
static void errors(const char *what)
{
    unsigned long e;
    int any = 0;

    printf("  %s errors:", what);
    while ((e = ERR_get_error()) != 0) {
        printf(" %d/%d", ERR_GET_LIB(e), ERR_GET_REASON(e));
        any = 1;
    }
    printf("%s\n", any ? "" : " none");
}

static void kinds(const char *name, const SSL_METHOD *method)
{
    SSL_CTX *ctx = SSL_CTX_new(method);

    CHECK(ctx != NULL);
    printf("%s: quic %d, server %d\n", name, SSL_CTX_is_quic(ctx), SSL_CTX_is_server(ctx));
    SSL_CTX_free(ctx);
}

static void show_alpn(const char *name, const unsigned char *p, unsigned int len)
{
    printf("%s: %s %u", name, p == NULL ? "null" : "list", len);
    if (p != NULL)
        printf(" \"%.*s\"", (int)len - 1, (const char *)p + 1);
    printf("\n");
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

int main(int argc, char *argv[])
{
    SSL_CTX *sctx, *cctx, *qmctx, *tctx;
    SSL *listener, *client, *conn, *tls, *stream, *other, *accepted;
    BIO *cbio, *sbio;
    BIO_ADDR *addr;
    const unsigned char *p;
    unsigned int len;
    char buf[64];
    size_t n;
    int r = 0, done = 0, rounds = 0;

    if (argc != 3)
        return 2;
    kinds("OSSL_QUIC_method", OSSL_QUIC_method());
    kinds("OSSL_QUIC_client_method", OSSL_QUIC_client_method());
    kinds("OSSL_QUIC_server_method", OSSL_QUIC_server_method());
    kinds("TLS_method", TLS_method());
    kinds("TLS_client_method", TLS_client_method());
    printf("null: server %d\n", SSL_CTX_is_server(NULL));
    errors("null");

    sctx = SSL_CTX_new(OSSL_QUIC_server_method());
    cctx = SSL_CTX_new(OSSL_QUIC_client_method());
    qmctx = SSL_CTX_new(OSSL_QUIC_method());
    tctx = SSL_CTX_new(TLS_method());
    CHECK(sctx != NULL && cctx != NULL && qmctx != NULL && tctx != NULL);

    SSL_CTX_get0_alpn_protos(cctx, &p, &len);
    show_alpn("context before", p, len);
    CHECK(SSL_CTX_set_alpn_protos(cctx, (const unsigned char *)"\x02h3", 3) == 0);
    SSL_CTX_get0_alpn_protos(cctx, &p, &len);
    show_alpn("context", p, len);
    CHECK((client = SSL_new(cctx)) != NULL);
    SSL_get0_alpn_protos(client, &p, &len);
    show_alpn("object from it", p, len);
    CHECK(SSL_set_alpn_protos(client, (const unsigned char *)"\x04test", 5) == 0);
    SSL_get0_alpn_protos(client, &p, &len);
    show_alpn("object set", p, len);
    SSL_CTX_get0_alpn_protos(cctx, &p, &len);
    show_alpn("context still", p, len);
    SSL_get0_alpn_protos(NULL, &p, &len);
    show_alpn("null", p, len);
    errors("alpn");

    CHECK(SSL_CTX_use_certificate_chain_file(sctx, argv[1]) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_alpn_select_cb(sctx, select_alpn, NULL);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_CTX_load_verify_locations(cctx, argv[1], NULL) == 1);
    CHECK(BIO_new_bio_dgram_pair(&cbio, 0, &sbio, 0) == 1);
    CHECK((listener = SSL_new_listener(sctx, SSL_LISTENER_FLAG_NO_VALIDATE)) != NULL);
    SSL_set_bio(listener, sbio, sbio);
    CHECK(SSL_set_blocking_mode(listener, 0) == 1);
    SSL_set_bio(client, cbio, cbio);
    CHECK(SSL_set_blocking_mode(client, 0) == 1);
    CHECK(SSL_set1_host(client, "localhost") == 1);
    CHECK((conn = SSL_new(qmctx)) != NULL);
    CHECK((tls = SSL_new(tctx)) != NULL);
    SSL_get0_alpn_protos(listener, &p, &len);
    show_alpn("listener", p, len);

    printf("listen_ex:\n");
    printf("  nothing yet %d\n", SSL_listen_ex(listener, conn));
    errors("nothing yet");
    printf("  on a connection %d\n", SSL_listen_ex(conn, conn));
    errors("on a connection");
    printf("  into a listener %d\n", SSL_listen_ex(listener, listener));
    errors("into a listener");
    printf("  tls %d\n", SSL_listen_ex(listener, tls));
    errors("tls");
    printf("  null %d\n", SSL_listen_ex(NULL, conn));
    errors("null");

    while (!done) {
        if (r != 1)
            r = SSL_listen_ex(listener, conn);
        CHECK(r >= 0);
        done = SSL_connect(client) == 1 && r == 1 && SSL_do_handshake(conn) == 1;
        CHECK(++rounds < 100000);
        SSL_handle_events(client);
        SSL_handle_events(listener);
    }
    printf("taken: server %d, listener %d, connection %d, version %s\n", SSL_is_server(conn),
           SSL_get0_listener(conn) == listener, SSL_is_connection(conn),
           SSL_get_version(conn));
    accepted = SSL_accept_connection(listener, SSL_ACCEPT_CONNECTION_NO_BLOCK);
    printf("accept on a listen_ex listener: %s\n", accepted == NULL ? "null" : "made");
    errors("accept");

    CHECK(SSL_write_ex(client, "over listen_ex", 14, &n) == 1);
    CHECK(SSL_stream_conclude(client, 0) == 1);
    rounds = 0;
    while ((stream = SSL_accept_stream(conn, SSL_ACCEPT_STREAM_NO_BLOCK)) == NULL) {
        CHECK(++rounds < 100000);
        SSL_handle_events(client);
        SSL_handle_events(conn);
    }
    len = 0;
    rounds = 0;
    for (;;) {
        if (SSL_read_ex(stream, buf + len, sizeof(buf) - len, &n)) {
            len += (unsigned int)n;
            continue;
        }
        if (SSL_get_error(stream, 0) != SSL_ERROR_WANT_READ)
            break;
        CHECK(++rounds < 100000);
        SSL_handle_events(client);
        SSL_handle_events(conn);
    }
    printf("read: %.*s\n", (int)len, buf);

    CHECK((addr = BIO_ADDR_new()) != NULL);
    printf("peer addr: client %d, taken %d, stream %d, listener %d, tls %d, null addr %d\n",
           SSL_get_peer_addr(client, addr), SSL_get_peer_addr(conn, addr),
           SSL_get_peer_addr(stream, addr), SSL_get_peer_addr(listener, addr),
           SSL_get_peer_addr(tls, addr), SSL_get_peer_addr(client, NULL));
    errors("peer addr");
    BIO_ADDR_free(addr);

    /* A listener that accepted first refuses listen_ex. */
    CHECK((other = SSL_new_listener(sctx, 0)) != NULL);
    CHECK(SSL_accept_connection(other, SSL_ACCEPT_CONNECTION_NO_BLOCK) == NULL);
    ERR_clear_error();
    SSL_free(conn);
    CHECK((conn = SSL_new(qmctx)) != NULL);
    printf("listen_ex after accept: %d\n", SSL_listen_ex(other, conn));
    errors("after accept");

    SSL_free(stream);
    SSL_free(conn);
    SSL_free(other);
    SSL_free(client);
    SSL_free(listener);
    SSL_free(tls);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    SSL_CTX_free(qmctx);
    SSL_CTX_free(tctx);
    errors("end");
    return 0;
}
