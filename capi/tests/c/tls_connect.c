/*
 * The classic OpenSSL client: BIO_new_ssl_connect, BIO_set_conn_hostname, BIO_do_connect,
 * then BIO_puts and BIO_read through the SSL BIO; against a server on an accept BIO, in two
 * processes. The output must be the same on qssl and on OpenSSL 3.5.
 *
 * Usage: tls_connect <cert.pem> <key.pem>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "fork_client.h"

static int client(const char *port, const char *ca)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = NULL;
    BIO *web;
    char target[64], buf[64];
    int n, total = 0;

    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_load_verify_locations(ctx, ca, NULL);
    web = BIO_new_ssl_connect(ctx);
    printf("client: chain %s -> %s\n", BIO_method_name(web), BIO_method_name(BIO_next(web)));
    BIO_get_ssl(web, &ssl);
    SSL_set_mode(ssl, SSL_MODE_AUTO_RETRY);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    snprintf(target, sizeof(target), "localhost:%s", port);
    n = (int)BIO_set_conn_hostname(web, target);
    printf("client: set hostname %d, reads back %s\n", n, BIO_get_conn_hostname(web));
    if (BIO_do_connect(web) <= 0) {
        printf("client: connect failed\n");
        ERR_print_errors_fp(stderr);
        return 1;
    }
    printf("client: %s, verify %ld\n", SSL_get_version(ssl), SSL_get_verify_result(ssl));
    printf("client: puts %d\n", BIO_puts(web, "hello through BIOs"));
    while (total < 18 && (n = BIO_read(web, buf + total, (int)sizeof(buf) - total)) > 0)
        total += n;
    printf("client: read back %.*s\n", total, buf);
    fflush(stdout);
    BIO_free_all(web);
    SSL_CTX_free(ctx);
    return 0;
}

int main(int argc, char *argv[])
{
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *acceptor, *conn;
    char buf[64];
    size_t n;
    int status, port_fd;
    pid_t pid;

    if (argc != 3)
        return 2;
    pid = fork_client(client, argv[1], &port_fd);
    if (pid == -1)
        return 2;
    ctx = SSL_CTX_new(TLS_server_method());
    if (SSL_CTX_use_certificate_chain_file(ctx, argv[1]) <= 0
            || SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) <= 0)
        return 1;
    acceptor = BIO_new_accept("127.0.0.1:0");
    if (BIO_do_accept(acceptor) <= 0)
        return 1;
    if (!send_port(port_fd, acceptor))
        return 1;
    if (BIO_do_accept(acceptor) <= 0)
        return 1;
    conn = BIO_pop(acceptor);
    ssl = SSL_new(ctx);
    SSL_set_bio(ssl, conn, conn);
    if (SSL_accept(ssl) != 1)
        return 1;
    while (SSL_read_ex(ssl, buf, sizeof(buf), &n))
        SSL_write_ex(ssl, buf, n, &n);
    SSL_free(ssl);
    BIO_free_all(acceptor);
    SSL_CTX_free(ctx);
    waitpid(pid, &status, 0);
    printf("server: client exit %d\n", WEXITSTATUS(status));
    return WEXITSTATUS(status);
}
