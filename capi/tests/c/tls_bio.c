/*
 * A TLS server and client in the style of OpenSSL's guide, in two processes over TCP on
 * loopback: the server listens through an accept BIO (BIO_new_accept, BIO_set_bind_mode,
 * BIO_do_accept, BIO_pop) with session settings on its context; the client looks the server
 * up, connects a socket and wraps it in BIO_new(BIO_s_socket()) + BIO_set_fd. The output
 * must be the same on qssl and on OpenSSL 3.5.
 *
 * Usage: tls_bio <cert.pem> <key.pem>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
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
    BIO *bio;
    BIO_ADDRINFO *res;
    const BIO_ADDRINFO *ai;
    const char req[] = "GET / HTTP/1.0\r\n\r\n";
    char buf[128];
    size_t n, total = 0;
    int sock = -1, ok = 0;

    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (!SSL_CTX_load_verify_locations(ctx, ca, NULL)
            || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
        goto end;
    if (!BIO_lookup_ex("localhost", port, BIO_LOOKUP_CLIENT, AF_INET, SOCK_STREAM, 0, &res))
        goto end;
    for (ai = res; ai != NULL; ai = BIO_ADDRINFO_next(ai)) {
        sock = BIO_socket(BIO_ADDRINFO_family(ai), SOCK_STREAM, 0, 0);
        if (sock == -1)
            continue;
        if (BIO_connect(sock, BIO_ADDRINFO_address(ai), BIO_SOCK_NODELAY))
            break;
        BIO_closesocket(sock);
        sock = -1;
    }
    BIO_ADDRINFO_free(res);
    if (sock == -1)
        goto end;
    bio = BIO_new(BIO_s_socket());
    if (bio == NULL) {
        BIO_closesocket(sock);
        goto end;
    }
    BIO_set_fd(bio, sock, BIO_CLOSE);
    ssl = SSL_new(ctx);
    SSL_set_bio(ssl, bio, bio);
    if (!SSL_set_tlsext_host_name(ssl, "localhost") || !SSL_set1_host(ssl, "localhost"))
        goto end;
    if (SSL_connect(ssl) != 1)
        goto end;
    printf("client: %s, verify %s, rbio is wbio %d, fd matches %d\n", SSL_get_version(ssl),
           X509_verify_cert_error_string(SSL_get_verify_result(ssl)),
           SSL_get_rbio(ssl) == SSL_get_wbio(ssl), SSL_get_fd(ssl) == sock);
    if (!SSL_write_ex(ssl, req, strlen(req), &n))
        goto end;
    while (total < strlen(req) && SSL_read_ex(ssl, buf + total, sizeof(buf) - total, &n))
        total += n;
    printf("client: echo %s\n", total == strlen(req) && memcmp(buf, req, total) == 0
           ? "matches" : "differs");
    printf("client: shutdown %d\n", SSL_shutdown(ssl));
    ok = 1;
end:
    if (!ok) {
        printf("client: failed\n");
        ERR_print_errors_fp(stderr);
    }
    fflush(stdout);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return ok ? 0 : 1;
}

int main(int argc, char *argv[])
{
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *acceptor, *conn;
    char buf[128];
    size_t n, total = 0;
    int status, port_fd;
    pid_t pid;

    if (argc != 3)
        return 2;
    pid = fork_client(client, argv[1], &port_fd);
    if (pid == -1)
        return 2;

    ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION
                        | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate_chain_file(ctx, argv[1]) <= 0
            || SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) <= 0)
        return 1;
    status = SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"guide", 5);
    printf("server: sid_ctx %d, too long %d\n", status,
           SSL_CTX_set_session_id_context(ctx, (const unsigned char *)
                                          "0123456789012345678901234567890123", 34));
    ERR_clear_error();
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, 1024);
    {
        long old = SSL_CTX_set_timeout(ctx, 3600);

        printf("server: default timeout %ld, then %ld\n", old, SSL_CTX_get_timeout(ctx));
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);

    acceptor = BIO_new_accept("127.0.0.1:0");
    BIO_set_bind_mode(acceptor, BIO_BIND_REUSEADDR);
    if (BIO_do_accept(acceptor) <= 0)
        return 1;
    fflush(stdout);
    if (!send_port(port_fd, acceptor))
        return 1;

    if (BIO_do_accept(acceptor) <= 0)
        return 1;
    conn = BIO_pop(acceptor);
    printf("server: popped a socket BIO %d, acceptor chain now empty %d\n",
           conn != NULL, BIO_next(acceptor) == NULL);
    ssl = SSL_new(ctx);
    SSL_set_bio(ssl, conn, conn);
    if (SSL_accept(ssl) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    while (SSL_read_ex(ssl, buf, sizeof(buf), &n)) {
        SSL_write_ex(ssl, buf, n, &n);
        total += n;
    }
    printf("server: echoed %zu bytes, last error %d\n", total, SSL_get_error(ssl, 0));
    SSL_free(ssl);
    BIO_free_all(acceptor);
    SSL_CTX_free(ctx);
    waitpid(pid, &status, 0);
    printf("server: client exit %d\n", WEXITSTATUS(status));
    return WEXITSTATUS(status);
}
