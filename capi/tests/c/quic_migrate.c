/*
 * A QUIC client that moves to a new UDP socket in the middle of its request, qssl's
 * behaviour beyond OpenSSL: it connects, writes the first half of its message, lets the
 * handshake be confirmed, gives the connection a new socket with SSL_set_bio and writes the
 * rest; the server's echo arrives on the new socket.
 *
 * Usage: quic_migrate <host> <port> <ca.pem> <message>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "quic_io.h"

/* A datagram BIO over a new connected socket to host:port (the peer's address in *peer). */
static BIO *new_socket_bio(const char *host, const char *port, BIO_ADDR **peer, int *fd)
{
    BIO *bio;

    *fd = create_socket(host, port, peer);
    if (*fd < 0)
        return NULL;
    bio = BIO_new(BIO_s_datagram());
    if (bio == NULL) {
        BIO_closesocket(*fd);
        return NULL;
    }
    BIO_set_fd(bio, *fd, BIO_CLOSE);
    return bio;
}

int main(int argc, char *argv[])
{
    static const unsigned char alpn[] = "\x08http/1.0";
    struct timespec pause = { 0, 10 * 1000 * 1000 };
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    BIO *bio;
    BIO_ADDR *peer = NULL, *peer2 = NULL;
    char buf[4096];
    size_t half, written, n, total = 0;
    int fd, fd2, i, res = EXIT_FAILURE;

    if (argc != 5) {
        fprintf(stderr, "usage: %s host port ca.pem message\n", argv[0]);
        return EXIT_FAILURE;
    }
    ctx = SSL_CTX_new(OSSL_QUIC_client_method());
    if (ctx == NULL)
        goto end;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (!SSL_CTX_load_verify_locations(ctx, argv[3], NULL))
        goto end;
    ssl = SSL_new(ctx);
    if (ssl == NULL || (bio = new_socket_bio(argv[1], argv[2], &peer, &fd)) == NULL)
        goto end;
    SSL_set_bio(ssl, bio, bio);
    if (!SSL_set_tlsext_host_name(ssl, argv[1]) || !SSL_set1_host(ssl, argv[1])
        || SSL_set_alpn_protos(ssl, alpn, sizeof(alpn) - 1) != 0
        || !SSL_set1_initial_peer_addr(ssl, peer) || SSL_connect(ssl) != 1)
        goto end;
    half = strlen(argv[4]) / 2;
    if (!SSL_write_ex(ssl, argv[4], half, &written))
        goto end;
    /* The server's HANDSHAKE_DONE confirms the handshake: only then does a move migrate. */
    for (i = 0; i < 20; i++) {
        SSL_handle_events(ssl);
        nanosleep(&pause, NULL);
    }
    if ((bio = new_socket_bio(argv[1], argv[2], &peer2, &fd2)) == NULL)
        goto end;
    SSL_set_bio(ssl, bio, bio);
    printf("moved: errors %lu, new fd %d\n", ERR_peek_error(), SSL_get_fd(ssl) == fd2);
    if (!SSL_write_ex2(ssl, argv[4] + half, strlen(argv[4]) - half, SSL_WRITE_FLAG_CONCLUDE,
                       &written))
        goto end;
    while (total < sizeof(buf) - 1 && SSL_read_ex(ssl, buf + total, sizeof(buf) - 1 - total, &n))
        total += n;
    buf[total] = '\0';
    printf("reply: %s\n", buf);
    while (SSL_shutdown(ssl) == 0)
        continue;
    res = EXIT_SUCCESS;
end:
    if (res != EXIT_SUCCESS)
        ERR_print_errors_fp(stdout);
    (void)fd;
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    BIO_ADDR_free(peer);
    BIO_ADDR_free(peer2);
    return res;
}
