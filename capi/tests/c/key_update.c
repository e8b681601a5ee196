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

#include "pairs.h"

static SSL *client, *listener, *conn;

static void pump(int rounds)
{
    while (rounds-- > 0) {
        SSL_handle_events(client);
        SSL_handle_events(listener);
        if (conn != NULL)
            SSL_handle_events(conn);
    }
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
    SSL_CTX *sctx, *cctx;
    SSL *stream;
    char buf[16];
    size_t n;
    int ret;

    make_quic_ctxs(cert, key, &sctx, &cctx);
    make_quic_pair(sctx, cctx, &client, &listener);

    ret = SSL_key_update(client, SSL_KEY_UPDATE_REQUESTED);
    printf("quic before the handshake: %d, too many key updates %d\n", ret,
           take_reason() == SSL_R_TOO_MANY_KEY_UPDATES);
    conn = connect_quic_pair(client, listener);
    /* HANDSHAKE_DONE confirms the handshake at the client; data acknowledged both ways. */
    pump(20);
    CHECK(SSL_write_ex(client, "first", 5, &n) == 1);
    read_quic(conn, buf, 5);
    CHECK(SSL_write_ex(conn, "first", 5, &n) == 1);
    read_quic(client, buf, 5);
    pump(50);
    ret = SSL_key_update(client, 5);
    printf("quic bad type: %d, invalid argument %d\n", ret,
           take_reason() == ERR_R_PASSED_INVALID_ARGUMENT);
    ret = SSL_key_update(client, SSL_KEY_UPDATE_REQUESTED);
    printf("quic update: %d, type now %d\n", ret, SSL_get_key_update_type(client));
    ret = SSL_key_update(client, SSL_KEY_UPDATE_NOT_REQUESTED);
    printf("quic again at once: %d, too many key updates %d\n", ret,
           take_reason() == SSL_R_TOO_MANY_KEY_UPDATES);

    CHECK(SSL_write_ex(client, "hello", 5, &n) == 1);
    read_quic(conn, buf, 5);
    printf("quic server read: %.5s\n", buf);
    pump(50);
    ret = SSL_key_update(client, SSL_KEY_UPDATE_NOT_REQUESTED);
    printf("quic once acknowledged: %d, errors %d\n", ret, take_reason());
    CHECK(SSL_write_ex(client, "world", 5, &n) == 1);
    read_quic(conn, buf, 5);
    printf("quic server read: %.5s\n", buf);
    CHECK(SSL_write_ex(conn, "reply", 5, &n) == 1);
    read_quic(client, buf, 5);
    printf("quic client read: %.5s\n", buf);
    ret = SSL_key_update(conn, SSL_KEY_UPDATE_REQUESTED);
    printf("quic server update: %d, errors %d\n", ret, take_reason());

    stream = SSL_new_stream(client, 0);
    CHECK(stream != NULL);
    ret = SSL_key_update(stream, SSL_KEY_UPDATE_REQUESTED);
    printf("quic on a stream: %d, conn use only %d\n", ret, take_reason() == SSL_R_CONN_USE_ONLY);

    SSL_free(stream);
    SSL_free(conn);
    SSL_free(client);
    SSL_free(listener);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
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
    SSL_CTX *sctx, *cctx;
    SSL *c, *s;
    char buf[16];
    size_t n;
    int ret;

    make_tls_pair(cert, key, &sctx, &cctx, &c, &s);

    ret = SSL_key_update(c, SSL_KEY_UPDATE_REQUESTED);
    printf("tls before the handshake: %d, wrong ssl version %d\n", ret,
           take_reason() == SSL_R_WRONG_SSL_VERSION);
    tls_handshake(c, s);
    printf("tls: %s, type %d\n", SSL_get_version(c), SSL_get_key_update_type(c));
    ret = SSL_key_update(c, 7);
    printf("tls bad type: %d, invalid key update type %d\n", ret,
           take_reason() == SSL_R_INVALID_KEY_UPDATE_TYPE);
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
