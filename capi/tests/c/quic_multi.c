/*
 * A multi-stream QUIC client in the style of OpenSSL's guide: no default stream; one
 * bidirectional stream per request, all opened and sent before any reply is read (each
 * request "GET /<name>\r\n" ended with SSL_WRITE_FLAG_CONCLUDE, as hq-interop asks); then
 * each reply read to its end; then the connection shut down. Blocking.
 *
 * Usage: quic_multi <host> <port> <ca.pem> <name>...
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "quic_io.h"

#define MAX_STREAMS 16

int main(int argc, char *argv[])
{
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL, *streams[MAX_STREAMS] = {0};
    BIO *bio;
    BIO_ADDR *peer = NULL;
    char req[256], buf[4096];
    size_t n, w, total;
    int sock, i, count = argc - 4, ret = EXIT_FAILURE;

    if (argc < 5 || count > MAX_STREAMS) {
        fprintf(stderr, "usage: %s host port ca.pem name...\n", argv[0]);
        return EXIT_FAILURE;
    }
    ctx = SSL_CTX_new(OSSL_QUIC_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (!SSL_CTX_load_verify_locations(ctx, argv[3], NULL))
        goto end;
    ssl = SSL_new(ctx);
    sock = create_socket(argv[1], argv[2], &peer);
    if (ssl == NULL || sock < 0)
        goto end;
    bio = BIO_new(BIO_s_datagram());
    BIO_set_fd(bio, sock, BIO_CLOSE);
    SSL_set_bio(ssl, bio, bio);
    if (!SSL_set_tlsext_host_name(ssl, argv[1]) || !SSL_set1_host(ssl, argv[1])
            || SSL_set_alpn_protos(ssl, (const unsigned char *)"\x0ahq-interop", 11) != 0
            || !SSL_set1_initial_peer_addr(ssl, peer)
            || !SSL_set_default_stream_mode(ssl, SSL_DEFAULT_STREAM_MODE_NONE))
        goto end;
    if (SSL_connect(ssl) != 1)
        goto end;
    printf("connected, default stream type %d\n", SSL_get_stream_type(ssl));

    for (i = 0; i < count; i++) {
        streams[i] = SSL_new_stream(ssl, 0);
        if (streams[i] == NULL)
            goto end;
        snprintf(req, sizeof(req), "GET /%s\r\n", argv[4 + i]);
        if (!SSL_write_ex2(streams[i], req, strlen(req), SSL_WRITE_FLAG_CONCLUDE, &w))
            goto end;
    }
    for (i = 0; i < count; i++) {
        total = 0;
        while (SSL_read_ex(streams[i], buf, sizeof(buf), &n))
            total += n;
        if (SSL_get_error(streams[i], 0) != SSL_ERROR_ZERO_RETURN)
            goto end;
        printf("stream %llu (%s): %zu bytes, read state %d\n",
               (unsigned long long)SSL_get_stream_id(streams[i]), argv[4 + i], total,
               SSL_get_stream_read_state(streams[i]));
    }
    for (i = 0; i < count; i++) {
        SSL_free(streams[i]);
        streams[i] = NULL;
    }
    while (SSL_shutdown(ssl) != 1)
        ;
    printf("shut down\n");
    ret = EXIT_SUCCESS;
end:
    if (ret != EXIT_SUCCESS)
        ERR_print_errors_fp(stderr);
    for (i = 0; i < MAX_STREAMS; i++)
        SSL_free(streams[i]);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    BIO_ADDR_free(peer);
    return ret;
}
