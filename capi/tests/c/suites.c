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

#include "pairs.h"

static const char *cipher(const SSL *s)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(s);

    return c == NULL ? "none" : SSL_CIPHER_get_name(c);
}

static void tls(const char *cert, const char *key)
{
    SSL_CTX *sctx, *cctx;
    SSL *c, *s;
    int ret;

    make_tls_pair(cert, key, &sctx, &cctx, &c, &s);
    ret = SSL_set_ciphersuites(c, "TLS_NOT_A_SUITE");
    printf("tls unknown suite: %d, no cipher match %d\n", ret,
           take_reason() == SSL_R_NO_CIPHER_MATCH);
    CHECK(SSL_set_ciphersuites(c, "TLS_CHACHA20_POLY1305_SHA256") == 1);
    CHECK(SSL_set_cipher_list(c, "ECDHE+AESGCM") == 1);
    tls_handshake(c, s);
    printf("tls: client %s, server %s\n", cipher(c), cipher(s));
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

static void quic(const char *cert, const char *key)
{
    SSL_CTX *sctx, *cctx;
    SSL *client, *listener, *conn;
    int ret;

    make_quic_ctxs(cert, key, &sctx, &cctx);
    make_quic_pair(sctx, cctx, &client, &listener);
    ret = SSL_set_ciphersuites(client, "TLS_NOT_A_SUITE");
    printf("quic unknown suite: %d, no cipher match %d\n", ret,
           take_reason() == SSL_R_NO_CIPHER_MATCH);
    CHECK(SSL_set_ciphersuites(client, "TLS_CHACHA20_POLY1305_SHA256") == 1);
    conn = connect_quic_pair(client, listener);
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
