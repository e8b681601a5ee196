/*
 * A QUIC client in the style of OpenSSL's guide: looks the server up, makes a UDP socket,
 * wraps it in a datagram BIO and sends a request on the default stream, ending it with
 * SSL_write_ex2(SSL_WRITE_FLAG_CONCLUDE); prints the reply up to the end of the stream, then
 * shuts the connection down. In non-blocking mode it waits with select() on SSL_get_fd,
 * SSL_net_read_desired/SSL_net_write_desired and SSL_get_event_timeout.
 *
 * Usage: quic_client <host> <port> <ca.pem> <alpn> <block|nonblock> <message>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "quic_io.h"

static int nonblocking;
static int keylog_lines;

static void count_keylog(const SSL *ssl, const char *line)
{
    (void)ssl;
    if (strncmp(line, "CLIENT_", 7) == 0 || strncmp(line, "SERVER_", 7) == 0)
        keylog_lines++;
}

/* Whether a failed call should be retried: 1 retry, 0 end of stream, -1 failure. */
static int handle_io_failure(SSL *ssl, int res)
{
    switch (SSL_get_error(ssl, res)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        if (nonblocking) {
            wait_for_activity(ssl);
            return 1;
        }
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    case SSL_ERROR_SSL:
        switch (SSL_get_stream_read_state(ssl)) {
        case SSL_STREAM_STATE_RESET_REMOTE:
            printf("stream reset by the peer\n");
            break;
        case SSL_STREAM_STATE_CONN_CLOSED:
            printf("connection closed\n");
            break;
        default:
            break;
        }
        return -1;
    default:
        return -1;
    }
}

int main(int argc, char *argv[])
{
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    BIO *bio;
    BIO_ADDR *peer = NULL;
    unsigned char alpn[256];
    const unsigned char *got;
    unsigned int got_len;
    char buf[4096];
    size_t n, written, total = 0;
    int sock, ret, res = EXIT_FAILURE;

    if (argc != 7) {
        fprintf(stderr, "usage: %s host port ca.pem alpn block|nonblock message\n", argv[0]);
        return EXIT_FAILURE;
    }
    nonblocking = strcmp(argv[5], "nonblock") == 0;
    alpn[0] = (unsigned char)strlen(argv[4]);
    memcpy(alpn + 1, argv[4], alpn[0]);

    ctx = SSL_CTX_new(OSSL_QUIC_client_method());
    if (ctx == NULL)
        goto end;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (!SSL_CTX_load_verify_locations(ctx, argv[3], NULL))
        goto end;
    SSL_CTX_set_keylog_callback(ctx, count_keylog);
    ssl = SSL_new(ctx);
    if (ssl == NULL)
        goto end;
    sock = create_socket(argv[1], argv[2], &peer);
    if (sock < 0) {
        printf("no socket\n");
        goto end;
    }
    bio = BIO_new(BIO_s_datagram());
    if (bio == NULL) {
        BIO_closesocket(sock);
        goto end;
    }
    BIO_set_fd(bio, sock, BIO_CLOSE);
    SSL_set_bio(ssl, bio, bio);
    printf("same fd: %d\n", SSL_get_fd(ssl) == sock);

    if (!SSL_set_tlsext_host_name(ssl, argv[1]) || !SSL_set1_host(ssl, argv[1]))
        goto end;
    if (SSL_set_alpn_protos(ssl, alpn, alpn[0] + 1) != 0)
        goto end;
    if (!SSL_set1_initial_peer_addr(ssl, peer))
        goto end;
    if (nonblocking && !SSL_set_blocking_mode(ssl, 0))
        goto end;

    while ((ret = SSL_connect(ssl)) != 1)
        if (handle_io_failure(ssl, ret) != 1) {
            printf("connect failed, verify result %ld (%s)\n", SSL_get_verify_result(ssl),
                   X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
            goto end;
        }
    SSL_get0_alpn_selected(ssl, &got, &got_len);
    printf("connected: %s, alpn %.*s, verify %s\n", SSL_get_version(ssl), (int)got_len,
           (const char *)got, X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
    printf("is quic %d, connection %d, stream type %d\n", SSL_is_quic(ssl),
           SSL_is_connection(ssl), SSL_get_stream_type(ssl));
    printf("cipher %s, key log lines %s\n", SSL_get_cipher(ssl),
           keylog_lines >= 4 ? "seen" : "missing");

    /* The message in two writes; the second ends the stream. */
    n = strlen(argv[6]) / 2;
    while (!SSL_write_ex(ssl, argv[6], n, &written))
        if (handle_io_failure(ssl, 0) != 1)
            goto end;
    while (!SSL_write_ex2(ssl, argv[6] + n, strlen(argv[6]) - n, SSL_WRITE_FLAG_CONCLUDE,
                          &written))
        if (handle_io_failure(ssl, 0) != 1)
            goto end;

    printf("reply: ");
    for (;;) {
        if (SSL_read_ex(ssl, buf, sizeof(buf), &n)) {
            fwrite(buf, 1, n, stdout);
            total += n;
            continue;
        }
        ret = handle_io_failure(ssl, 0);
        if (ret == 1)
            continue;
        if (ret == 0)
            break;
        printf("\nread failed\n");
        goto end;
    }
    printf("\nreply bytes %zu, read state %d\n", total, SSL_get_stream_read_state(ssl));

    while ((ret = SSL_shutdown(ssl)) != 1) {
        if (ret < 0 && handle_io_failure(ssl, ret) == 1)
            continue;
        if (ret < 0)
            goto end;
        if (nonblocking)
            wait_for_activity(ssl);
    }
    printf("shut down\n");
    res = EXIT_SUCCESS;
end:
    if (res != EXIT_SUCCESS)
        ERR_print_errors_fp(stderr);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    BIO_ADDR_free(peer);
    return res;
}
