/*
 * A QUIC client set up the way OpenSSL's HTTP/3 demo does it: BIO_new_ssl_connect on a QUIC
 * context (a UDP connect BIO under an SSL BIO), the target given with
 * BIO_set_conn_hostname, then the SSL object driven directly: SSL_connect (which connects
 * the socket), a request ended with SSL_write_ex2(SSL_WRITE_FLAG_CONCLUDE), the reply read
 * to its end, shutdown, BIO_free_all.
 *
 * Usage: quic_connect <host:port> <ca.pem> <message>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

int main(int argc, char *argv[])
{
    SSL_CTX *ctx;
    SSL *ssl = NULL;
    BIO *bio;
    char buf[256];
    size_t n, total = 0;
    int ret;

    if (argc != 4)
        return 2;
    ctx = SSL_CTX_new(OSSL_QUIC_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (!SSL_CTX_load_verify_locations(ctx, argv[2], NULL))
        return 1;
    bio = BIO_new_ssl_connect(ctx);
    if (bio == NULL || BIO_get_ssl(bio, &ssl) <= 0 || ssl == NULL)
        return 1;
    printf("sock type is datagram %d, quic %d\n",
           (int)BIO_get_sock_type(BIO_next(bio)) == SOCK_DGRAM, SSL_is_quic(ssl));
    if (BIO_set_conn_hostname(bio, argv[1]) <= 0 || !SSL_set_tlsext_host_name(ssl, "localhost")
            || !SSL_set1_host(ssl, "localhost")
            || SSL_set_alpn_protos(ssl, (const unsigned char *)"\x08http/1.0", 9) != 0)
        return 1;
    printf("in before %d, ", SSL_in_before(ssl));
    ret = SSL_connect(ssl);
    printf("connect %d, in before %d\n", ret, SSL_in_before(ssl));
    if (ret != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    if (!SSL_write_ex2(ssl, argv[3], strlen(argv[3]), SSL_WRITE_FLAG_CONCLUDE, &n))
        return 1;
    while (SSL_read_ex(ssl, buf + total, sizeof(buf) - total, &n))
        total += n;
    printf("reply %.*s, end %d\n", (int)total, buf, SSL_get_error(ssl, 0));
    while ((ret = SSL_shutdown(ssl)) != 1)
        if (ret < 0)
            return 1;
    BIO_free_all(bio);
    SSL_CTX_free(ctx);
    printf("errors left %lu\n", ERR_get_error());
    return 0;
}
