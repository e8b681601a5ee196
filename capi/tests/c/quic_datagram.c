/*
 * qssl's datagram calls (<qssl/datagram.h>, beyond OpenSSL) between a QUIC client and
 * listener in one process over BIO_new_bio_dgram_pair, non-blocking: what a connection
 * whose peer offered none answers, an echo of datagrams of several sizes, the errors for a
 * datagram too large, a buffer too short, a full queue and bad arguments, and the counters.
 * Prints what it sees; the output is deterministic.
 *
 * Usage: quic_datagram <cert.pem> <key.pem>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>
#include <qssl/datagram.h>

#include "pairs.h"

static SSL *client, *listener, *conn;

static void pump(void)
{
    handle_pair_events(client, listener, conn);
}

/* Reads one datagram from s into buf, pumping until it comes; its length. */
static size_t read_one(SSL *s, unsigned char *buf, size_t cap)
{
    size_t n;
    int rounds = 0;

    while (!QSSL_read_datagram(s, buf, cap, &n)) {
        CHECK(SSL_get_error(s, 0) == SSL_ERROR_WANT_READ);
        CHECK(++rounds < 100000);
        pump();
    }
    return n;
}

int main(int argc, char *argv[])
{
    static const size_t sizes[] = { 0, 1, 100, 900 };
    SSL_CTX *sctx, *cctx, *tls;
    QSSL_DATAGRAM_STATS stats, server_stats;
    unsigned char buf[2048], small[4];
    size_t i, n, max, queued, unread;
    int ret, err, rounds = 0;

    if (argc != 3)
        return 2;
    make_quic_ctxs(argv[1], argv[2], &sctx, &cctx);
    /* The client's context offers datagrams; the listener offers them itself. */
    ret = QSSL_CTX_set_max_datagram_frame_size(NULL, 1500);
    printf("offer on a null context: %d, reason %d\n", ret,
           take_reason() == ERR_R_PASSED_NULL_PARAMETER);
    CHECK(QSSL_CTX_set_max_datagram_frame_size(cctx, 65535) == 1);

    make_quic_pair(sctx, cctx, &client, &listener);
    CHECK(QSSL_set_max_datagram_frame_size(listener, 1000) == 1);
    printf("before the handshake: max %zu, pending %d\n", QSSL_get_datagram_max_size(client),
           QSSL_get_datagram_pending(client, &n));

    /* The first datagram starts the connection, as a first write does. */
    while (!QSSL_write_datagram(client, "hello", 5)) {
        CHECK(SSL_get_error(client, 0) == SSL_ERROR_WANT_READ);
        if (conn == NULL)
            conn = SSL_accept_connection(listener, 0);
        CHECK(++rounds < 100000);
        pump();
    }
    while (conn == NULL) {
        pump();
        conn = SSL_accept_connection(listener, 0);
    }
    n = read_one(conn, buf, sizeof(buf));
    printf("server got %zu bytes: %.*s\n", n, (int)n, buf);
    ret = QSSL_set_max_datagram_frame_size(conn, 0);
    printf("offer once started: %d, reason %d\n", ret,
           take_reason() == SSL_R_FEATURE_NOT_RENEGOTIABLE);

    /* The server offered 1000-byte frames: type and a 2-byte length leave 997. */
    max = QSSL_get_datagram_max_size(client);
    printf("client max %zu, server max %d\n", max, QSSL_get_datagram_max_size(conn) > 1000);
    memset(buf, 'x', sizeof(buf));
    ret = QSSL_write_datagram(client, buf, max + 1);
    printf("too large: %d, error %d, reason %d\n", ret, SSL_get_error(client, ret),
           take_reason() == SSL_R_DATA_LENGTH_TOO_LONG);

    /* An echo of each size. */
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        memset(buf, 'a' + (int)i, sizes[i]);
        CHECK(QSSL_write_datagram(client, buf, sizes[i]) == 1);
        n = read_one(conn, buf, sizeof(buf));
        CHECK(QSSL_write_datagram(conn, buf, n) == 1);
        rounds = 0;
        while (!QSSL_get_datagram_pending(client, &n)) {
            CHECK(++rounds < 100000);
            pump();
        }
        if (n > 0) {
            ret = QSSL_read_datagram(client, small, n > sizeof(small) ? sizeof(small) : 0, &n);
            err = take_reason();
            printf("  short buffer: %d, reason %d, still pending %d\n", ret,
                   err == SSL_R_BAD_LENGTH, QSSL_get_datagram_pending(client, &n));
        }
        n = read_one(client, buf, sizeof(buf));
        printf("echo of %zu: %zu bytes, first %c\n", sizes[i], n, n > 0 ? buf[0] : '-');
    }

    /* The send queue holds 64 (more go out as they are written, until the pair is full):
     * then WANT_WRITE until packets take them. */
    for (queued = 0; QSSL_write_datagram(client, "q", 1); queued++)
        CHECK(queued < 100000);
    printf("queue full after at least 64: %d, error %d\n", queued >= 64,
           SSL_get_error(client, 0) == SSL_ERROR_WANT_WRITE);
    ERR_clear_error();
    for (i = 0; i < 20; i++)
        pump();
    printf("room again: %d\n", QSSL_write_datagram(client, "q", 1));
    for (i = 0; i < 20; i++)
        pump();

    CHECK(QSSL_get_datagram_stats(client, &stats, sizeof(stats)) == 1);
    CHECK(QSSL_get_datagram_stats(conn, &server_stats, sizeof(server_stats)) == 1);
    printf("client sent all it queued: %d, the server got them all: %d\n",
           stats.sent == queued + 6, server_stats.received == stats.sent);
    printf("client received %llu, dropped %llu/%llu\n", (unsigned long long)stats.received,
           (unsigned long long)stats.send_dropped, (unsigned long long)stats.recv_dropped);
    /* What the server did not read is there to read, but for what its queue of 128 dropped. */
    for (unread = 0; QSSL_read_datagram(conn, buf, sizeof(buf), &n); unread++)
        ;
    printf("server: unread %d, all accounted for %d\n", unread <= 128,
           unread + server_stats.recv_dropped + 5 == server_stats.received);
    ret = QSSL_get_datagram_stats(client, &stats, sizeof(stats) - 1);
    printf("stats into a short struct: %d, reason %d\n", ret,
           take_reason() == ERR_R_PASSED_INVALID_ARGUMENT);
    tls = SSL_CTX_new(TLS_method());
    ret = QSSL_CTX_set_max_datagram_frame_size(tls, 1200);
    printf("on a TLS context: %d, reason %d\n", ret, take_reason() == ERR_R_PASSED_INVALID_ARGUMENT);
    SSL_CTX_free(tls);

    SSL_free(conn);
    SSL_free(client);
    SSL_free(listener);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 0;
}
