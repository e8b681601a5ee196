/*
 * The C side of the c_tls benchmark: a TLS server and two client workloads over TCP on
 * loopback, written against the OpenSSL API so that the same program runs on qssl's libssl
 * and on OpenSSL. Blocking sockets, each library's default protocol version and suites.
 *
 *   tls_bench server <cert.pem> <key.pem> <connections>
 *       serves that many connections in turn, then exits; prints "listening on <port>" first.
 *       A request "GET <n>\n" is answered with n bytes in 64 KiB writes, "PING\n" with
 *       "PONG"; then it sends close_notify and closes.
 *   tls_bench bulk <port> <ca.pem> <bytes>
 *       one connection fetching <bytes>; prints "bulk <bytes> <transfer ns> <handshake ns>".
 *   tls_bench conns <port> <ca.pem> <count>
 *       <count> connections in turn, each a full handshake, PING/PONG and a close; prints
 *       "conns <count> <ns>".
 */
#define _POSIX_C_SOURCE 200809L
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define PROGRAM "tls_bench"
#include "bench.h"

#define CHUNK (64 * 1024)

/* Reads a request line (up to the newline) into req. */
static void read_request(SSL *ssl, char *req, size_t cap)
{
    size_t n, got = 0;

    while (got < cap - 1) {
        if (!SSL_read_ex(ssl, req + got, 1, &n))
            die("reading the request");
        if (req[got] == '\n')
            break;
        got += n;
    }
    req[got] = '\0';
}

static void no_delay(int fd)
{
    int on = 1;

    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0)
        die("TCP_NODELAY");
}

static int server(const char *cert, const char *key, int count)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL *ssl;
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    static char buf[CHUNK];
    char req[64];
    size_t n, w;
    unsigned long long left;
    int lfd, fd, i, on = 1;

    if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) <= 0
            || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) <= 0)
        die("server context");
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0
            || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 128) != 0
            || getsockname(lfd, (struct sockaddr *)&sa, &len) != 0)
        die("listening socket");
    printf("listening on %d\n", ntohs(sa.sin_port));
    fflush(stdout);
    memset(buf, 'q', sizeof(buf));
    for (i = 0; i < count; i++) {
        if ((fd = accept(lfd, NULL, NULL)) < 0)
            die("accept");
        no_delay(fd);
        if ((ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(ssl, fd) || SSL_accept(ssl) != 1)
            die("handshake");
        read_request(ssl, req, sizeof(req));
        if (strncmp(req, "GET ", 4) == 0) {
            for (left = strtoull(req + 4, NULL, 10); left > 0; left -= w) {
                n = left < CHUNK ? (size_t)left : CHUNK;
                if (!SSL_write_ex(ssl, buf, n, &w))
                    die("write");
            }
        } else if (!SSL_write_ex(ssl, "PONG", 4, &w)) {
            die("reply");
        }
        /* close_notify, then go: the client does not answer it before closing. */
        if (SSL_shutdown(ssl) < 0)
            die("server shutdown");
        SSL_free(ssl);
        close(fd);
    }
    close(lfd);
    SSL_CTX_free(ctx);
    return 0;
}

/* A connected client object whose handshake is done, or exits. */
static SSL *connect_to(SSL_CTX *ctx, int port)
{
    SSL *ssl = SSL_new(ctx);
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (ssl == NULL || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        die("client socket");
    no_delay(fd);
    if (!SSL_set_fd(ssl, fd) || !SSL_set_tlsext_host_name(ssl, "localhost")
            || !SSL_set1_host(ssl, "localhost") || SSL_connect(ssl) != 1)
        die("connect");
    return ssl;
}

/* Sends close_notify (the server closes without waiting for it) and frees the object and
 * its socket. */
static void close_client(SSL *ssl)
{
    int fd = SSL_get_fd(ssl);

    SSL_shutdown(ssl);
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
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
    if (argc != 5 || (strcmp(argv[1], "bulk") != 0 && strcmp(argv[1], "conns") != 0)) {
        fprintf(stderr, "usage: tls_bench server cert key connections | bulk port ca bytes "
                        "| conns port ca count\n");
        return 2;
    }
    port = atoi(argv[2]);
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || !SSL_CTX_load_verify_locations(ctx, argv[3], NULL))
        die("client context");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (strcmp(argv[1], "bulk") == 0) {
        bytes = strtoull(argv[4], NULL, 10);
        t0 = now_ns();
        ssl = connect_to(ctx, port);
        t1 = now_ns();
        snprintf(req, sizeof(req), "GET %llu\n", bytes);
        if (!SSL_write_ex(ssl, req, strlen(req), &w))
            die("request");
        got = read_all(ssl, buf, sizeof(buf));
        t2 = now_ns();
        if (got != bytes)
            die("transfer size");
        close_client(ssl);
        printf("bulk %llu %lld %lld\n", bytes, t2 - t1, t1 - t0);
    } else {
        count = atoi(argv[4]);
        t0 = now_ns();
        for (i = 0; i < count; i++) {
            ssl = connect_to(ctx, port);
            if (!SSL_write_ex(ssl, "PING\n", 5, &w))
                die("ping");
            if (read_all(ssl, buf, sizeof(buf)) != 4 || memcmp(buf, "PONG", 4) != 0)
                die("pong");
            close_client(ssl);
        }
        printf("conns %d %lld\n", count, now_ns() - t0);
    }
    SSL_CTX_free(ctx);
    return 0;
}
