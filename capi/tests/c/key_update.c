/*
 * SSL_key_update and SSL_get_key_update_type on a QUIC connection (client and listener over
 * BIO_new_bio_dgram_pair, non-blocking) and on a TLS 1.3 connection (over BIO_new_bio_pair):
 * refused before the handshake, with a bad type and on a stream; accepted once, refused while
 * the update is in progress, accepted again once acknowledged; data flows across the
 * updates. The output must be the same on qssl and on OpenSSL 3.5.
 *
 * Usage: key_update <cert.pem> <key.pem>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>

static SSL *client, *listener, *conn;

#define CHECK(cond) do { if (!(cond)) { printf("FAIL line %d: %s\n", __LINE__, #cond); \
    ERR_print_errors_fp(stdout); exit(1); } } while (0)

static void pump(int rounds)
{
    while (rounds-- > 0) {
        SSL_handle_events(client);
        SSL_handle_events(listener);
        if (conn != NULL)
            SSL_handle_events(conn);
    }
}

/* The reason of the oldest error queued (0 for none), and an empty queue after it. */
static int reason(void)
{
    unsigned long e = ERR_get_error();

    ERR_clear_error();
    return ERR_GET_REASON(e);
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

/* Reads exactly len bytes from s into buf, pumping the QUIC objects between tries. */
static void read_quic(SSL *s, char *buf, size_t len)
{
    size_t got = 0, n;
    int rounds = 0;

    while (got < len) {
        if (SSL_read_ex(s, buf + got, len - got, &n)) {
            got += n;
            continue;
        }
        CHECK(SSL_get_error(s, 0) == SSL_ERROR_WANT_READ);
        CHECK(++rounds < 100000);
        pump(1);
    }
}

static void quic(const char *cert, const char *key)
{
    SSL_CTX *sctx = SSL_CTX_new(OSSL_QUIC_server_method());
    SSL_CTX *cctx = SSL_CTX_new(OSSL_QUIC_client_method());
    BIO *cbio, *sbio;
    SSL *stream;
    char buf[16];
    size_t n;
    int ret, rounds = 0;

    CHECK(sctx != NULL && cctx != NULL);
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

    ret = SSL_key_update(client, SSL_KEY_UPDATE_REQUESTED);
    printf("quic before the handshake: %d, too many key updates %d\n", ret,
           reason() == SSL_R_TOO_MANY_KEY_UPDATES);
    while ((ret = SSL_connect(client)) != 1) {
        CHECK(SSL_get_error(client, ret) == SSL_ERROR_WANT_READ);
        if (conn == NULL)
            conn = SSL_accept_connection(listener, 0);
        CHECK(++rounds < 100000);
        pump(1);
    }
    while (conn == NULL) {
        pump(1);
        conn = SSL_accept_connection(listener, 0);
    }
    /* HANDSHAKE_DONE confirms the handshake at the client; data acknowledged both ways. */
    pump(20);
    CHECK(SSL_write_ex(client, "first", 5, &n) == 1);
    read_quic(conn, buf, 5);
    CHECK(SSL_write_ex(conn, "first", 5, &n) == 1);
    read_quic(client, buf, 5);
    pump(50);
    ret = SSL_key_update(client, 5);
    printf("quic bad type: %d, invalid argument %d\n", ret,
           reason() == ERR_R_PASSED_INVALID_ARGUMENT);
    ret = SSL_key_update(client, SSL_KEY_UPDATE_REQUESTED);
    printf("quic update: %d, type now %d\n", ret, SSL_get_key_update_type(client));
    ret = SSL_key_update(client, SSL_KEY_UPDATE_NOT_REQUESTED);
    printf("quic again at once: %d, too many key updates %d\n", ret,
           reason() == SSL_R_TOO_MANY_KEY_UPDATES);

    CHECK(SSL_write_ex(client, "hello", 5, &n) == 1);
    read_quic(conn, buf, 5);
    printf("quic server read: %.5s\n", buf);
    pump(50);
    ret = SSL_key_update(client, SSL_KEY_UPDATE_NOT_REQUESTED);
    printf("quic once acknowledged: %d, errors %d\n", ret, reason());
    CHECK(SSL_write_ex(client, "world", 5, &n) == 1);
    read_quic(conn, buf, 5);
    printf("quic server read: %.5s\n", buf);
    CHECK(SSL_write_ex(conn, "reply", 5, &n) == 1);
    read_quic(client, buf, 5);
    printf("quic client read: %.5s\n", buf);
    ret = SSL_key_update(conn, SSL_KEY_UPDATE_REQUESTED);
    printf("quic server update: %d, errors %d\n", ret, reason());

    stream = SSL_new_stream(client, 0);
    CHECK(stream != NULL);
    ret = SSL_key_update(stream, SSL_KEY_UPDATE_REQUESTED);
    printf("quic on a stream: %d, conn use only %d\n", ret, reason() == SSL_R_CONN_USE_ONLY);

    SSL_free(stream);
    SSL_free(conn);
    SSL_free(client);
    SSL_free(listener);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

/* Drives both TLS objects' handshakes over their BIO pair. */
static void tls_handshake(SSL *c, SSL *s)
{
    int rc, rs, rounds = 0;

    do {
        rc = SSL_do_handshake(c);
        rs = SSL_do_handshake(s);
        CHECK(++rounds < 1000);
    } while (rc != 1 || rs != 1);
}

/* Reads exactly len bytes, letting the other side run between tries. */
static void read_tls(SSL *s, SSL *other, char *buf, size_t len)
{
    size_t got = 0, n;
    int rounds = 0;

    while (got < len) {
        if (SSL_read_ex(s, buf + got, len - got, &n)) {
            got += n;
            continue;
        }
        CHECK(SSL_get_error(s, 0) == SSL_ERROR_WANT_READ);
        CHECK(++rounds < 1000);
        SSL_read_ex(other, buf, 0, &n);
        ERR_clear_error();
    }
}

static void tls(const char *cert, const char *key)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL *c, *s;
    BIO *cb, *sb;
    char buf[16];
    size_t n;
    int ret;

    CHECK(SSL_CTX_use_certificate_chain_file(sctx, cert) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_CTX_load_verify_locations(cctx, cert, NULL) == 1);
    c = SSL_new(cctx);
    s = SSL_new(sctx);
    CHECK(BIO_new_bio_pair(&cb, 0, &sb, 0) == 1);
    SSL_set_bio(c, cb, cb);
    SSL_set_bio(s, sb, sb);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    CHECK(SSL_set1_host(c, "localhost") == 1);

    ret = SSL_key_update(c, SSL_KEY_UPDATE_REQUESTED);
    printf("tls before the handshake: %d, wrong ssl version %d\n", ret,
           reason() == SSL_R_WRONG_SSL_VERSION);
    tls_handshake(c, s);
    printf("tls: %s, type %d\n", SSL_get_version(c), SSL_get_key_update_type(c));
    ret = SSL_key_update(c, 7);
    printf("tls bad type: %d, invalid key update type %d\n", ret,
           reason() == SSL_R_INVALID_KEY_UPDATE_TYPE);
    ret = SSL_key_update(c, SSL_KEY_UPDATE_REQUESTED);
    printf("tls update: %d, type now %d\n", ret, SSL_get_key_update_type(c));
    CHECK(SSL_write_ex(c, "hello", 5, &n) == 1);
    printf("tls type after a write %d\n", SSL_get_key_update_type(c));
    read_tls(s, c, buf, 5);
    printf("tls server read: %.5s\n", buf);
    CHECK(SSL_write_ex(s, "reply", 5, &n) == 1);
    read_tls(c, s, buf, 5);
    printf("tls client read: %.5s\n", buf);
    ret = SSL_key_update(s, SSL_KEY_UPDATE_NOT_REQUESTED);
    printf("tls server update: %d, type now %d\n", ret, SSL_get_key_update_type(s));
    CHECK(SSL_write_ex(s, "again", 5, &n) == 1);
    read_tls(c, s, buf, 5);
    printf("tls client read: %.5s\n", buf);

    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

int main(int argc, char *argv[])
{
    if (argc != 3)
        return 2;
    quic(argv[1], argv[2]);
    tls(argv[1], argv[2]);
    return 0;
}
