/*
 * A QUIC server in the style of OpenSSL's guide: a listener over a plain UDP socket (left
 * blocking: the library makes it non-blocking), an ALPN callback, and for each connection
 * the request read from the default stream up to its end, echoed back, the stream concluded
 * and the connection shut down. Serves <count> connections, printing the port first.
 * In non-blocking mode the listener and connections wait with select() on SSL_get_fd.
 *
 * Usage: quic_server <cert.pem> <key.pem> <count> <block|nonblock>
 */
#define _POSIX_C_SOURCE 200809L
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>

#include "quic_io.h"

static int nonblocking;

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char ours[] = "\x08http/1.0\x0ahq-interop";
    (void)ssl;
    (void)arg;
    if (SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof(ours) - 1, in, inlen)
            == OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_OK;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* 1: retry, 0: end of stream, -1: failure. */
static int retry(SSL *ssl, int res)
{
    switch (SSL_get_error(ssl, res)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        if (!nonblocking)
            return -1;
        wait_for_activity(ssl);
        return 1;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    default:
        return -1;
    }
}

static int serve(SSL *conn)
{
    char buf[8192];
    size_t n, total = 0, written;
    int r;

    for (;;) {
        if (SSL_read_ex(conn, buf + total, sizeof(buf) - total, &n)) {
            total += n;
            continue;
        }
        r = retry(conn, 0);
        if (r == 1)
            continue;
        if (r == 0)
            break;
        return 0;
    }
    printf("request %zu bytes, read state %d\n", total, SSL_get_stream_read_state(conn));
    while (!SSL_write_ex(conn, buf, total, &written))
        if (retry(conn, 0) != 1)
            return 0;
    if (!SSL_stream_conclude(conn, 0))
        return 0;
    printf("write state %d\n", SSL_get_stream_write_state(conn));
    while ((r = SSL_shutdown(conn)) != 1) {
        if (r < 0 && retry(conn, r) == 1)
            continue;
        if (r < 0)
            return 0;
        if (nonblocking)
            wait_for_activity(conn);
    }
    return 1;
}

int main(int argc, char *argv[])
{
    SSL_CTX *ctx = NULL;
    SSL *listener = NULL, *conn;
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = -1, served, count, res = EXIT_FAILURE;

    if (argc != 5) {
        fprintf(stderr, "usage: %s cert.pem key.pem count block|nonblock\n", argv[0]);
        return EXIT_FAILURE;
    }
    count = atoi(argv[3]);
    nonblocking = strcmp(argv[4], "nonblock") == 0;
    ctx = SSL_CTX_new(OSSL_QUIC_server_method());
    if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, argv[1]) <= 0
            || SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) <= 0)
        goto end;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);

    /* SSL_new on a server context is refused: servers make listeners. */
    if (SSL_new(ctx) != NULL)
        goto end;
    ERR_clear_error();

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0
            || getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        goto end;
    listener = SSL_new_listener(ctx, 0);
    if (listener == NULL || !SSL_set_fd(listener, fd))
        goto end;
    if (nonblocking && !SSL_set_blocking_mode(listener, 0))
        goto end;
    if (!SSL_listen(listener))
        goto end;
    printf("listening on %d, listener %d\n", ntohs(sa.sin_port), SSL_is_listener(listener));
    fflush(stdout);

    for (served = 0; served < count; served++) {
        while ((conn = SSL_accept_connection(listener, 0)) == NULL) {
            if (!nonblocking)
                goto end;
            wait_for_activity(listener);
        }
        printf("accepted: from listener %d, connection %d, same fd %d\n",
               SSL_get0_listener(conn) == listener, SSL_is_connection(conn),
               SSL_get_fd(conn) == fd);
        if (!serve(conn)) {
            SSL_free(conn);
            goto end;
        }
        SSL_free(conn);
        printf("served %d\n", served + 1);
        fflush(stdout);
    }
    res = EXIT_SUCCESS;
end:
    if (res != EXIT_SUCCESS)
        ERR_print_errors_fp(stderr);
    SSL_free(listener);
    SSL_CTX_free(ctx);
    if (fd >= 0)
        BIO_closesocket(fd);
    return res;
}
