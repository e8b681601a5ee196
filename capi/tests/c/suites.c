/*
 * SSL_set_ciphersuites and SSL_set_cipher_list on objects: a TLS 1.3 client over a BIO
 * pair and a QUIC client over a datagram pair each choose TLS_CHACHA20_POLY1305_SHA256 for
 * themselves (their contexts allow every suite) and get it; unknown suites are refused. The
 * output must be the same on qssl and on OpenSSL 3.5.
 *
 * Usage: suites <cert.pem> <key.pem>
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

static const char *cipher(const SSL *s)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(s);

    return c == NULL ? "none" : SSL_CIPHER_get_name(c);
}

/* The reason of the oldest error queued, and an empty queue after it. */
static int reason(void)
{
    unsigned long e = ERR_get_error();

    ERR_clear_error();
    return ERR_GET_REASON(e);
}

static void tls(const char *cert, const char *key)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL *c, *s;
    BIO *cb, *sb;
    int rc, rs, rounds = 0, ret;

    CHECK(SSL_CTX_use_certificate_chain_file(sctx, cert) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_CTX_load_verify_locations(cctx, cert, NULL) == 1);
    c = SSL_new(cctx);
    s = SSL_new(sctx);
    ret = SSL_set_ciphersuites(c, "TLS_NOT_A_SUITE");
    printf("tls unknown suite: %d, no cipher match %d\n", ret,
           reason() == SSL_R_NO_CIPHER_MATCH);
    CHECK(SSL_set_ciphersuites(c, "TLS_CHACHA20_POLY1305_SHA256") == 1);
    CHECK(SSL_set_cipher_list(c, "ECDHE+AESGCM") == 1);
    CHECK(BIO_new_bio_pair(&cb, 0, &sb, 0) == 1);
    SSL_set_bio(c, cb, cb);
    SSL_set_bio(s, sb, sb);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    do {
        rc = SSL_do_handshake(c);
        rs = SSL_do_handshake(s);
        CHECK(++rounds < 1000);
    } while (rc != 1 || rs != 1);
    printf("tls: client %s, server %s\n", cipher(c), cipher(s));
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

static void quic(const char *cert, const char *key)
{
    SSL_CTX *sctx = SSL_CTX_new(OSSL_QUIC_server_method());
    SSL_CTX *cctx = SSL_CTX_new(OSSL_QUIC_client_method());
    BIO *cbio, *sbio;
    SSL *client, *listener, *conn = NULL;
    int ret, rounds = 0;

    CHECK(SSL_CTX_use_certificate_chain_file(sctx, cert) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_alpn_select_cb(sctx, select_alpn, NULL);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_CTX_load_verify_locations(cctx, cert, NULL) == 1);
    CHECK(BIO_new_bio_dgram_pair(&cbio, 0, &sbio, 0) == 1);
    listener = SSL_new_listener(sctx, SSL_LISTENER_FLAG_NO_VALIDATE);
    CHECK(listener != NULL);
    SSL_set_bio(listener, sbio, sbio);
    CHECK(SSL_set_blocking_mode(listener, 0) == 1);
    CHECK(SSL_listen(listener) == 1);
    client = SSL_new(cctx);
    CHECK(client != NULL);
    SSL_set_bio(client, cbio, cbio);
    CHECK(SSL_set_blocking_mode(client, 0) == 1);
    CHECK(SSL_set1_host(client, "localhost") == 1);
    CHECK(SSL_set_alpn_protos(client, (const unsigned char *)"\x04test", 5) == 0);
    ret = SSL_set_ciphersuites(client, "TLS_NOT_A_SUITE");
    printf("quic unknown suite: %d, no cipher match %d\n", ret,
           reason() == SSL_R_NO_CIPHER_MATCH);
    CHECK(SSL_set_ciphersuites(client, "TLS_CHACHA20_POLY1305_SHA256") == 1);
    while ((ret = SSL_connect(client)) != 1) {
        CHECK(SSL_get_error(client, ret) == SSL_ERROR_WANT_READ);
        if (conn == NULL)
            conn = SSL_accept_connection(listener, 0);
        CHECK(++rounds < 100000);
        SSL_handle_events(listener);
        if (conn != NULL)
            SSL_handle_events(conn);
    }
    printf("quic: client %s\n", cipher(client));
    SSL_free(conn);
    SSL_free(client);
    SSL_free(listener);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

int main(int argc, char *argv[])
{
    if (argc != 3)
        return 2;
    tls(argv[1], argv[2]);
    quic(argv[1], argv[2]);
    return 0;
}
