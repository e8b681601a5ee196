/*
 * A TLS client and server over a socket pair, in two processes, through the plain OpenSSL
 * API: handshake, data both ways, ALPN, verification results, two-step shutdown, then a
 * second connection on the same socket resuming the first one's session (kept by the
 * application from SSL_get1_session; the new-session callback is told too). Uses only what
 * OpenSSL 3.0 also has; the output must be the same on both.
 *
 * Usage: tls <cert.pem> <key.pem> <version: 2 or 3>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static int version;

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    /* The chosen name points into this list: it must outlive the callback. */
    static const unsigned char ours[] = "\x02h2";
    (void)ssl;
    if (SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof(ours) - 1, in, inlen)
            == OPENSSL_NPN_NEGOTIATED) {
        (*(int *)arg)++;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static int server(int fd, const char *cert, const char *key)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    const unsigned char alpn[] = "\x02h2";
    char buf[64];
    SSL *ssl;
    int n, ret, selections = 0;

    SSL_CTX_use_certificate_chain_file(ctx, cert);
    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM);
    SSL_CTX_set_max_proto_version(ctx, version);
    /* A server's own ALPN list does nothing (OpenSSL servers select with the callback). */
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1);
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, &selections);
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    n = SSL_read(ssl, buf, sizeof(buf));
    SSL_write(ssl, buf, n);
    ret = SSL_read(ssl, buf, sizeof(buf));
    printf("server: read after close_notify %d error %d\n", ret, SSL_get_error(ssl, ret));
    printf("server: shutdown %d\n", SSL_shutdown(ssl));
    printf("server: alpn callback calls %d\n", selections);
    SSL_free(ssl);

    /* The second connection, on the same socket. */
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    printf("server: second connection resumed %d\n", SSL_session_reused(ssl));
    n = SSL_read(ssl, buf, sizeof(buf));
    SSL_write(ssl, buf, n);
    ret = SSL_read(ssl, buf, sizeof(buf));
    printf("server: second shutdown %d\n", SSL_shutdown(ssl));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 0;
}

static int new_sessions;

static int count_session(SSL *ssl, SSL_SESSION *session)
{
    (void)ssl;
    (void)session;
    new_sessions++;
    return 0; /* not kept: the library frees it */
}

static int client(int fd, const char *cert)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    const unsigned char alpn[] = "\x08http/1.1\x02h2";
    const unsigned char *selected = NULL, *again = NULL;
    unsigned int selected_len = 0, again_len = 0;
    char buf[64];
    size_t n = 0;
    SSL *ssl;

    SSL_SESSION *session;
    int ret;

    SSL_CTX_load_verify_locations(ctx, cert, NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, count_session);
    ssl = SSL_new(ctx);
    SSL_set_alpn_protos(ssl, alpn, sizeof(alpn) - 1);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    SSL_set_fd(ssl, fd);
    printf("client: connect %d\n", SSL_connect(ssl));
    printf("client: version %s, cipher %s\n", SSL_get_version(ssl), SSL_get_cipher(ssl));
    printf("client: verify %ld\n", SSL_get_verify_result(ssl));
    SSL_get0_alpn_selected(ssl, &selected, &selected_len);
    SSL_get0_alpn_selected(ssl, &again, &again_len);
    printf("client: alpn %.*s, same pointer again %d\n", (int)selected_len, selected,
           selected == again && selected_len == again_len);
    ret = SSL_write_ex(ssl, "", 0, &n);
    printf("client: empty write %d, written %zu\n", ret, n);
    printf("client: write %d\n", SSL_write_ex(ssl, "ping", 4, &n) == 1 && n == 4);
    printf("client: read %d\n", SSL_read_ex(ssl, buf, sizeof(buf), &n));
    printf("client: got %.*s\n", (int)n, buf);
    printf("client: shutdown %d\n", SSL_shutdown(ssl));
    printf("client: shutdown again %d\n", SSL_shutdown(ssl));
    printf("client: resumed %d, new-session callback told %s\n", SSL_session_reused(ssl),
           new_sessions > 0 ? "yes" : "no");
    session = SSL_get1_session(ssl);
    SSL_free(ssl);

    /* The second connection offers the first one's session. */
    ssl = SSL_new(ctx);
    printf("client: set_session %d\n", SSL_set_session(ssl, session));
    SSL_SESSION_free(session);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    SSL_set_fd(ssl, fd);
    ret = SSL_connect(ssl);
    printf("client: second connect %d, resumed %d\n", ret, SSL_session_reused(ssl));
    printf("client: second round trip %d\n",
           SSL_write_ex(ssl, "pong", 4, &n) == 1 && SSL_read_ex(ssl, buf, sizeof(buf), &n) == 1
           && n == 4);
    ret = SSL_shutdown(ssl);
    printf("client: second shutdown %d then %d\n", ret, SSL_shutdown(ssl));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    int fds[2], status = 0;
    pid_t pid;

    if (argc != 4 || socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        return 2;
    version = argv[3][0] == '2' ? TLS1_2_VERSION : TLS1_3_VERSION;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        exit(server(fds[1], argv[1], argv[2]));
    }
    close(fds[1]);
    /* The client's lines stay buffered until exit, after the server's have been written. */
    if (client(fds[0], argv[1]) != 0)
        return 1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
