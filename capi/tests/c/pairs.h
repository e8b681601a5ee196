/*
 * What the in-process test programs share: a CHECK that prints and exits, the "test" ALPN,
 * the reason of a queued error, a QUIC client and listener joined by a datagram pair and
 * connected by hand, and TLS objects joined by a BIO pair.
 */
#ifndef QSSL_TEST_PAIRS_H
# define QSSL_TEST_PAIRS_H

# include <stdio.h>
# include <stdlib.h>

# include <openssl/err.h>
# include <openssl/quic.h>
# include <openssl/ssl.h>

# define CHECK(cond) do { if (!(cond)) { printf("FAIL line %d: %s\n", __LINE__, #cond); \
    ERR_print_errors_fp(stdout); exit(1); } } while (0)

/* The server's ALPN callback: "test" or a fatal alert. */
static inline int select_test_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                   const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char ours[] = "\x04test";
    (void)ssl;
    (void)arg;
    return SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof(ours) - 1, in,
                                 inlen) == OPENSSL_NPN_NEGOTIATED
        ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* The reason of the oldest error queued (0 for none), and an empty queue after it. */
static inline int take_reason(void)
{
    unsigned long e = ERR_get_error();

    ERR_clear_error();
    return ERR_GET_REASON(e);
}

/* A server context presenting cert/key with the "test" ALPN, and a client context trusting
 * cert. */
static inline void make_quic_ctxs(const char *cert, const char *key, SSL_CTX **sctx,
                                  SSL_CTX **cctx)
{
    *sctx = SSL_CTX_new(OSSL_QUIC_server_method());
    *cctx = SSL_CTX_new(OSSL_QUIC_client_method());
    CHECK(*sctx != NULL && *cctx != NULL);
    CHECK(SSL_CTX_use_certificate_chain_file(*sctx, cert) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(*sctx, key, SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_alpn_select_cb(*sctx, select_test_alpn, NULL);
    SSL_CTX_set_verify(*cctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_CTX_load_verify_locations(*cctx, cert, NULL) == 1);
}

/* A listening listener of sctx (no address validation) and a client of cctx for
 * "localhost" offering "test", both non-blocking, joined by a datagram pair. */
static inline void make_quic_pair(SSL_CTX *sctx, SSL_CTX *cctx, SSL **client, SSL **listener)
{
    BIO *cbio, *sbio;

    CHECK(BIO_new_bio_dgram_pair(&cbio, 0, &sbio, 0) == 1);
    *listener = SSL_new_listener(sctx, SSL_LISTENER_FLAG_NO_VALIDATE);
    CHECK(*listener != NULL);
    SSL_set_bio(*listener, sbio, sbio);
    CHECK(SSL_set_blocking_mode(*listener, 0) == 1);
    CHECK(SSL_listen(*listener) == 1);
    *client = SSL_new(cctx);
    CHECK(*client != NULL);
    SSL_set_bio(*client, cbio, cbio);
    CHECK(SSL_set_blocking_mode(*client, 0) == 1);
    CHECK(SSL_set1_host(*client, "localhost") == 1);
    CHECK(SSL_set_alpn_protos(*client, (const unsigned char *)"\x04test", 5) == 0);
}

/* Connects client to listener, driving both (and the accepted connection) by hand; returns
 * the listener's connection. */
static inline SSL *connect_quic_pair(SSL *client, SSL *listener)
{
    SSL *conn = NULL;
    int ret, rounds = 0;

    while ((ret = SSL_connect(client)) != 1) {
        CHECK(SSL_get_error(client, ret) == SSL_ERROR_WANT_READ);
        if (conn == NULL)
            conn = SSL_accept_connection(listener, 0);
        CHECK(++rounds < 100000);
        SSL_handle_events(listener);
        if (conn != NULL)
            SSL_handle_events(conn);
    }
    while (conn == NULL) {
        SSL_handle_events(listener);
        conn = SSL_accept_connection(listener, 0);
        CHECK(++rounds < 200000);
    }
    return conn;
}

/* One turn of a pair's event handling: the client, the listener and (once accepted) the
 * listener's connection. */
static inline void handle_pair_events(SSL *client, SSL *listener, SSL *conn)
{
    SSL_handle_events(client);
    SSL_handle_events(listener);
    if (conn != NULL)
        SSL_handle_events(conn);
}

/* A TLS server context presenting cert/key, a client context trusting cert, and one object
 * of each over a BIO pair, the client's for "localhost" (the caller starts the handshake). */
static inline void make_tls_pair(const char *cert, const char *key, SSL_CTX **sctx,
                                 SSL_CTX **cctx, SSL **c, SSL **s)
{
    BIO *cb, *sb;

    *sctx = SSL_CTX_new(TLS_server_method());
    *cctx = SSL_CTX_new(TLS_client_method());
    CHECK(*sctx != NULL && *cctx != NULL);
    CHECK(SSL_CTX_use_certificate_chain_file(*sctx, cert) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(*sctx, key, SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_verify(*cctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_CTX_load_verify_locations(*cctx, cert, NULL) == 1);
    *c = SSL_new(*cctx);
    *s = SSL_new(*sctx);
    CHECK(*c != NULL && *s != NULL);
    CHECK(BIO_new_bio_pair(&cb, 0, &sb, 0) == 1);
    SSL_set_bio(*c, cb, cb);
    SSL_set_bio(*s, sb, sb);
    SSL_set_connect_state(*c);
    SSL_set_accept_state(*s);
    CHECK(SSL_set1_host(*c, "localhost") == 1);
}

/* Drives both TLS objects' handshakes over their BIO pair. */
static inline void tls_handshake(SSL *c, SSL *s)
{
    int rc, rs, rounds = 0;

    do {
        rc = SSL_do_handshake(c);
        rs = SSL_do_handshake(s);
        CHECK(++rounds < 1000);
    } while (rc != 1 || rs != 1);
}

#endif
