/*
 * qssl's QUIC version calls (<qssl/quic.h>, beyond OpenSSL) between a client and listener
 * in one process over BIO_new_bio_dgram_pair, non-blocking: a client asking for v2 is
 * switched by the listener and SSL_get_version names QUICv2; a listener that speaks only v1
 * makes the asking client fail at once; bad version lists are refused.
 * Prints what it sees; the output is deterministic.
 *
 * Usage: quic_versions <cert.pem> <key.pem>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>
#include <qssl/quic.h>

#include "pairs.h"

/* Connects a client of cctx to a listener of sctx; 1 on success, 0 on failure (printing the
 * client's error), the versions seen in *client_version and *server_version. */
static int connect_pair(SSL_CTX *cctx, SSL_CTX *sctx, const char **client_version,
                        const char **server_version)
{
    SSL *client, *listener, *conn = NULL;
    int ret, rounds = 0, ok = 0;

    make_quic_pair(sctx, cctx, &client, &listener);
    while ((ret = SSL_connect(client)) != 1 && ++rounds < 10000) {
        if (SSL_get_error(client, ret) != SSL_ERROR_WANT_READ)
            break;
        if (conn == NULL)
            conn = SSL_accept_connection(listener, 0);
        SSL_handle_events(listener);
        if (conn != NULL)
            SSL_handle_events(conn);
    }
    if (ret == 1) {
        while (conn == NULL) {
            SSL_handle_events(listener);
            conn = SSL_accept_connection(listener, 0);
        }
        *client_version = SSL_get_version(client);
        *server_version = SSL_get_version(conn);
        ok = 1;
    } else {
        printf("  client failed after %s: %s\n", rounds < 100 ? "a few rounds" : "many rounds",
               ERR_peek_last_error() != 0 ? "an error queued" : "nothing queued");
        ERR_clear_error();
    }
    SSL_free(conn);
    SSL_free(client);
    SSL_free(listener);
    return ok;
}

int main(int argc, char *argv[])
{
    static const uint32_t v1_only[] = { QSSL_QUIC_VERSION_1 };
    static const uint32_t both[] = { QSSL_QUIC_VERSION_1, QSSL_QUIC_VERSION_2 };
    static const uint32_t twice[] = { QSSL_QUIC_VERSION_1, QSSL_QUIC_VERSION_1 };
    static const uint32_t unknown[] = { 0xff00001d };
    SSL_CTX *sctx, *cctx;
    const char *cv = "", *sv = "";

    if (argc != 3)
        return 2;
    make_quic_ctxs(argv[1], argv[2], &sctx, &cctx);

    printf("default: %d", connect_pair(cctx, sctx, &cv, &sv));
    printf(", client %s, server %s\n", cv, sv);
    CHECK(QSSL_CTX_set_quic_upgrade(cctx, QSSL_QUIC_VERSION_2) == 1);
    printf("client asks for v2: %d", connect_pair(cctx, sctx, &cv, &sv));
    printf(", client %s, server %s\n", cv, sv);
    CHECK(QSSL_CTX_set_quic_versions(sctx, v1_only, 1) == 1);
    printf("listener speaks v1 only: %d\n", connect_pair(cctx, sctx, &cv, &sv));
    CHECK(QSSL_CTX_set_quic_upgrade(cctx, 0) == 1);
    printf("client asks for nothing: %d", connect_pair(cctx, sctx, &cv, &sv));
    printf(", client %s, server %s\n", cv, sv);

    printf("refused: twice %d, unknown %d, none %d, upgrade to an unknown %d\n",
           QSSL_CTX_set_quic_versions(sctx, twice, 2),
           QSSL_CTX_set_quic_versions(sctx, unknown, 1),
           QSSL_CTX_set_quic_versions(sctx, both, 0),
           QSSL_CTX_set_quic_upgrade(cctx, 0xff00001d));
    printf("errors queued: %d\n", ERR_peek_error() != 0);
    ERR_clear_error();
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 0;
}
