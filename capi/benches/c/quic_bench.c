/*
 * The C side of the c_quic benchmark: a QUIC server and two client workloads written against
 * the OpenSSL API, run on qssl's libssl. Blocking objects, the default stream, qssl's default
 * receive windows (16 MiB per connection, 2 MiB per stream).
 *
 *   quic_bench server <cert.pem> <key.pem> <connections>
 *       serves that many connections in turn, then exits; prints "listening on <port>" first.
 *       A request "GET <n>" is answered with n bytes in 64 KiB writes, "PING" with "PONG";
 *       then it waits for the client's close.
 *   quic_bench bulk <port> <ca.pem> <bytes>
 *       one connection fetching <bytes>; prints "bulk <bytes> <transfer ns> <handshake ns>".
 *   quic_bench conns <port> <ca.pem> <count>
 *       <count> connections in turn, each PING/PONG and a close; prints "conns <count> <ns>".
 *   quic_bench conns-shared <port> <ca.pem> <count>
 *       the same, every connection made by SSL_new_from_listener on one client listener
 *       (OpenSSL 3.5's way to share one UDP socket among outgoing connections, as quinn's
 *       endpoint does); prints "conns-shared <count> <ns>".
 */
#define _POSIX_C_SOURCE 200809L
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>

#define PROGRAM "quic_bench"
#include "bench.h"

#define CHUNK (64 * 1024)
static const unsigned char alpn[] = "\x05" "bench";

static int server(const char *cert, const char *key, int count)
{
    SSL_CTX *ctx = SSL_CTX_new(OSSL_QUIC_server_method());
    SSL *listener, *conn;
    SSL_SHUTDOWN_EX_ARGS args = {0, NULL};
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    static char buf[CHUNK];
    char req[64];
    size_t n, w;
    unsigned long long left;
    int fd, i;

    if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) <= 0
            || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) <= 0)
        die("server context");
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, (void *)alpn);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0
            || getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        die("socket");
    listener = SSL_new_listener(ctx, SSL_LISTENER_FLAG_NO_VALIDATE);
    if (listener == NULL || !SSL_set_fd(listener, fd) || !SSL_listen(listener))
        die("listener");
    printf("listening on %d\n", ntohs(sa.sin_port));
    fflush(stdout);
    memset(buf, 'q', sizeof(buf));
    for (i = 0; i < count; i++) {
        conn = SSL_accept_connection(listener, 0);
        if (conn == NULL)
            die("accept");
        n = read_all(conn, req, sizeof(req) - 1);
        req[n] = '\0';
        if (strncmp(req, "GET ", 4) == 0) {
            for (left = strtoull(req + 4, NULL, 10); left > 0; left -= w) {
                n = left < CHUNK ? (size_t)left : CHUNK;
                if (!SSL_write_ex(conn, buf, n, &w))
                    die("write");
            }
            if (!SSL_stream_conclude(conn, 0))
                die("conclude");
        } else if (!SSL_write_ex2(conn, "PONG", 4, SSL_WRITE_FLAG_CONCLUDE, &w)) {
            die("reply");
        }
        /*
         * Wait for the client's close, then go without lingering (as quinn's server). qssl
         * answers 1 at once; OpenSSL 3.5 answers 0 while its closing period runs.
         */
        if (SSL_shutdown_ex(conn, SSL_SHUTDOWN_FLAG_WAIT_PEER | SSL_SHUTDOWN_FLAG_RAPID, &args,
                            sizeof(args)) < 0)
            die("server shutdown");
        SSL_free(conn);
    }
    SSL_free(listener);
    SSL_CTX_free(ctx);
    return 0;
}

/* The server's address, as a BIO_ADDR for SSL_set1_initial_peer_addr. */
static BIO_ADDR *server_addr(int port)
{
    BIO_ADDR *peer = BIO_ADDR_new();
    unsigned short nport = htons((unsigned short)port);
    unsigned long lo = htonl(INADDR_LOOPBACK);

    if (peer == NULL || !BIO_ADDR_rawmake(peer, AF_INET, &lo, 4, nport))
        die("address");
    return peer;
}

/* Starts the client object `ssl` (null: exits) towards `peer` and waits for its handshake;
 * returns it, or exits. */
static SSL *start_client(SSL *ssl, const BIO_ADDR *peer)
{
    if (ssl == NULL || !SSL_set1_initial_peer_addr(ssl, peer)
            || !SSL_set1_host(ssl, "localhost")
            || SSL_set_alpn_protos(ssl, alpn, sizeof(alpn) - 1) != 0)
        die("client setup");
    if (SSL_connect(ssl) != 1)
        die("connect");
    return ssl;
}

/* A connected client object on a UDP socket of its own, or exits. */
static SSL *connect_to(SSL_CTX *ctx, int port)
{
    SSL *ssl = SSL_new(ctx);
    struct sockaddr_in sa;
    BIO_ADDR *peer = server_addr(port);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (ssl == NULL || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0
            || !SSL_set_fd(ssl, fd))
        die("client socket");
    start_client(ssl, peer);
    BIO_ADDR_free(peer);
    return ssl;
}

/* A listener of the client context `ctx` (so it accepts nothing) on one UDP socket, for
 * every connection made from it. */
static SSL *client_listener(SSL_CTX *ctx)
{
    struct sockaddr_in sa;
    SSL *listener = SSL_new_listener(ctx, 0);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listener == NULL || fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0
            || !SSL_set_fd(listener, fd))
        die("client listener");
    return listener;
}

/* One PING/PONG exchange on a connection's default stream, or exits. */
static void ping(SSL *ssl)
{
    char buf[16];
    size_t w;

    if (!SSL_write_ex2(ssl, "PING", 4, SSL_WRITE_FLAG_CONCLUDE, &w))
        die("ping");
    if (read_all(ssl, buf, sizeof(buf)) != 4 || memcmp(buf, "PONG", 4) != 0)
        die("pong");
}

/*
 * Closes a client connection at once (as quinn's close) and frees it: qssl answers 1 once
 * CONNECTION_CLOSE is sent, OpenSSL 3.5 answers 0 while its closing period runs, which
 * nothing here waits for.
 */
static void close_client(SSL *ssl)
{
    if (SSL_shutdown_ex(ssl, SSL_SHUTDOWN_FLAG_RAPID, NULL, 0) < 0)
        die("client shutdown");
    SSL_free(ssl);
}

/* The same, with the client's own socket. */
static void close_client_and_socket(SSL *ssl)
{
    int fd = SSL_get_fd(ssl);

    close_client(ssl);
    BIO_closesocket(fd);
}

int main(int argc, char *argv[])
{
    SSL_CTX *ctx;
    SSL *ssl;
    static char buf[CHUNK];
    char req[64];
    unsigned long long bytes;
    long long t0, t1, t2;
    size_t w, got;
    int port, count, i;

    if (argc == 5 && strcmp(argv[1], "server") == 0)
        return server(argv[2], argv[3], atoi(argv[4]));
    if (argc != 5)
        return 2;
    port = atoi(argv[2]);
    ctx = SSL_CTX_new(OSSL_QUIC_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (!SSL_CTX_load_verify_locations(ctx, argv[3], NULL))
        die("trust");
    if (strcmp(argv[1], "bulk") == 0) {
        bytes = strtoull(argv[4], NULL, 10);
        t0 = now_ns();
        ssl = connect_to(ctx, port);
        t1 = now_ns();
        snprintf(req, sizeof(req), "GET %llu", bytes);
        if (!SSL_write_ex2(ssl, req, strlen(req), SSL_WRITE_FLAG_CONCLUDE, &w))
            die("request");
        got = read_all(ssl, buf, sizeof(buf));
        t2 = now_ns();
        if (got != bytes)
            die("transfer size");
        close_client_and_socket(ssl);
        printf("bulk %llu %lld %lld\n", bytes, t2 - t1, t1 - t0);
    } else if (strcmp(argv[1], "conns") == 0) {
        count = atoi(argv[4]);
        t0 = now_ns();
        for (i = 0; i < count; i++) {
            ssl = connect_to(ctx, port);
            ping(ssl);
            close_client_and_socket(ssl);
        }
        printf("conns %d %lld\n", count, now_ns() - t0);
    } else if (strcmp(argv[1], "conns-shared") == 0) {
        SSL *listener = client_listener(ctx);
        BIO_ADDR *peer = server_addr(port);

        count = atoi(argv[4]);
        t0 = now_ns();
        for (i = 0; i < count; i++) {
            ssl = start_client(SSL_new_from_listener(listener, 0), peer);
            ping(ssl);
            close_client(ssl);
        }
        printf("conns-shared %d %lld\n", count, now_ns() - t0);
        BIO_ADDR_free(peer);
        SSL_free(listener);
    } else {
        return 2;
    }
    SSL_CTX_free(ctx);
    return 0;
}
