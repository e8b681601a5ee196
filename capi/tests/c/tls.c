/*
 * A TLS client and server over a socket pair, in two processes, through the plain OpenSSL
 * API: handshake, data both ways, ALPN, verification results, two-step shutdown, then a
 * second connection on the same socket resuming the first one's session (kept by the
 * application from SSL_get1_session; the new-session callback is told too). Callbacks get
 * their own SSL (seen through ex_data), the verify callback an X509_STORE_CTX with the peer's
 * certificate; certificates are read and written as PEM and DER. The server's context has
 * no certificate: its servername callback switches to one that has (SSL_set_SSL_CTX). The
 * output must be the same on qssl and on OpenSSL 3.5.
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
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static int version;
static const char server_mark[] = "server object", client_mark[] = "client object";

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    /* The chosen name points into this list: it must outlive the callback. */
    static const unsigned char ours[] = "\x02h2";
    if (SSL_get_app_data(ssl) != server_mark)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    if (SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof(ours) - 1, in, inlen)
            == OPENSSL_NPN_NEGOTIATED) {
        (*(int *)arg)++;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static int servername_calls, servername_ok = 1;

/* The server's own context has no certificate: this switches to the one that has. */
static int on_servername(SSL *ssl, int *alert, void *certified)
{
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

    (void)alert;
    servername_calls++;
    if (name == NULL || strcmp(name, "localhost") != 0 || SSL_get_app_data(ssl) != server_mark
            || SSL_get_servername_type(ssl) != TLSEXT_NAMETYPE_host_name
            || SSL_set_SSL_CTX(ssl, certified) != certified
            || SSL_get_SSL_CTX(ssl) != certified)
        servername_ok = 0;
    return SSL_TLSEXT_ERR_OK;
}

static int server(int fd, const char *cert, const char *key)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *certified = SSL_CTX_new(TLS_server_method());
    const unsigned char alpn[] = "\x02h2";
    char buf[64];
    SSL *ssl;
    int n, ret, selections = 0;

    SSL_CTX_use_certificate_chain_file(certified, cert);
    SSL_CTX_use_PrivateKey_file(certified, key, SSL_FILETYPE_PEM);
    SSL_CTX_set_max_proto_version(certified, version);
    SSL_CTX_set_alpn_select_cb(certified, select_alpn, &selections);
    SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
    SSL_CTX_set_tlsext_servername_arg(ctx, certified);
    SSL_CTX_set_max_proto_version(ctx, version);
    /* A server's own ALPN list does nothing (OpenSSL servers select with the callback). */
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1);
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, &selections);
    ssl = SSL_new(ctx);
    SSL_set_app_data(ssl, server_mark);
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
    printf("server: is server %d\n", SSL_is_server(ssl));
    printf("server: alpn callback calls %d\n", selections);
    printf("server: servername %s, callback called %d, saw its name and object %d\n",
           SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name), servername_calls > 0,
           servername_ok);
    SSL_free(ssl);

    /* The second connection, on the same socket. */
    ssl = SSL_new(ctx);
    SSL_set_app_data(ssl, server_mark);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    printf("server: second connection resumed %d, peer certificate %s\n",
           SSL_session_reused(ssl), SSL_get0_peer_certificate(ssl) ? "yes" : "none");
    n = SSL_read(ssl, buf, sizeof(buf));
    SSL_write(ssl, buf, n);
    ret = SSL_read(ssl, buf, sizeof(buf));
    printf("server: second shutdown %d\n", SSL_shutdown(ssl));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    SSL_CTX_free(certified);
    return 0;
}

static int new_sessions, sessions_on_own_object = 1;
static int mark_index, marks_freed, objects_freed;

static int count_session(SSL *ssl, SSL_SESSION *session)
{
    (void)session;
    new_sessions++;
    if (ssl == NULL || SSL_get_ex_data(ssl, mark_index) != client_mark)
        sessions_on_own_object = 0;
    return 0; /* not kept: the library frees it */
}

static void free_mark(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                      void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    if (argl == 7 && strcmp(argp, "mark") == 0) {
        objects_freed++;
        marks_freed += ptr == client_mark;
    }
}

static int verify_calls;

/* OpenSSL calls this once per depth; qssl once, at depth 0: print only depth 0's first. */
static int check_peer(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    char name[256];

    if (X509_STORE_CTX_get_error_depth(store) != 0 || verify_calls++ > 0)
        return ok;
    X509_NAME_oneline(X509_get_subject_name(X509_STORE_CTX_get_current_cert(store)), name,
                      sizeof(name));
    printf("client: verify callback ok %d, error %d, subject %s, own object %d\n", ok,
           X509_STORE_CTX_get_error(store), name,
           ssl != NULL && SSL_get_ex_data(ssl, mark_index) == client_mark);
    return ok;
}

/* The peer's certificate against the one in the file, through DER and PEM. */
static void check_certificate(SSL *ssl, const char *cert)
{
    X509 *peer = SSL_get1_peer_certificate(ssl), *file_cert = NULL, *back;
    BIO *in = BIO_new_file(cert, "r"), *out = BIO_new(BIO_s_mem());
    unsigned char *der = NULL, *file_der = NULL, *p;
    const unsigned char *q;
    char *owned, cn[64], line[80];
    int len, file_len, cn_len, same_text;
    long text_len;
    char *text, file_text[8192];
    size_t file_text_len;
    FILE *f;

    owned = X509_NAME_oneline(X509_get_issuer_name(peer), NULL, 0);
    cn_len = X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn,
                                       sizeof(cn));
    printf("client: peer issuer %s, CN %s (%d), get0 stable %d\n", owned, cn, cn_len,
           SSL_get0_peer_certificate(ssl) == SSL_get0_peer_certificate(ssl));
    OPENSSL_free(owned);
    printf("client: no such attribute %d, short buffer %s\n",
           X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_countryName, cn,
                                     sizeof(cn)),
           X509_NAME_oneline(X509_get_subject_name(peer), cn, 8));

    PEM_read_bio_X509(in, &file_cert, NULL, NULL);
    printf("client: second PEM read %s", PEM_read_bio_X509(in, NULL, NULL, NULL) ? "cert" : "null");
    printf(", reason is no start line %d\n",
           ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE);
    ERR_clear_error();
    len = i2d_X509(peer, &der);
    file_len = i2d_X509(file_cert, NULL);
    file_der = malloc(file_len);
    p = file_der;
    i2d_X509(file_cert, &p);
    printf("client: DER lengths equal %d, bytes equal %d, pointer moved %d\n", len == file_len,
           memcmp(der, file_der, len) == 0, p == file_der + file_len);
    q = der;
    back = d2i_X509(NULL, &q, len);
    printf("client: DER read back %d, moved %d", back != NULL, q == der + len);
    q = der;
    printf(", truncated DER %s\n", d2i_X509(NULL, &q, len / 2) ? "parsed" : "refused");
    ERR_clear_error();

    PEM_write_bio_X509(out, peer);
    text_len = BIO_get_mem_data(out, &text);
    f = fopen(cert, "r");
    file_text_len = fread(file_text, 1, sizeof(file_text), f);
    fclose(f);
    same_text = (size_t)text_len == file_text_len && memcmp(text, file_text, file_text_len) == 0;
    printf("client: PEM written equals the file %d, ", same_text);
    printf("first line %d ", BIO_gets(out, line, sizeof(line)));
    printf("%s", line);

    X509_free(back);
    X509_free(file_cert);
    X509_free(peer);
    OPENSSL_free(der);
    free(file_der);
    BIO_free(in);
    BIO_free(out);
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
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, check_peer);
    mark_index = SSL_get_ex_new_index(7, "mark", NULL, NULL, free_mark);
    printf("client: ex_data index %d, app data unset %d\n", mark_index,
           SSL_CTX_get_app_data(ctx) == NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, count_session);
    ssl = SSL_new(ctx);
    SSL_set_ex_data(ssl, mark_index, (void *)client_mark);
    SSL_set_alpn_protos(ssl, alpn, sizeof(alpn) - 1);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    SSL_set_fd(ssl, fd);
    printf("client: connect %d\n", SSL_connect(ssl));
    printf("client: is server %d\n", SSL_is_server(ssl));
    printf("client: version %s, cipher %s\n", SSL_get_version(ssl), SSL_get_cipher(ssl));
    printf("client: verify %ld\n", SSL_get_verify_result(ssl));
    check_certificate(ssl, cert);
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
    printf("client: resumed %d, new-session callback told %s", SSL_session_reused(ssl),
           new_sessions > 0 ? "yes" : "no");
    printf(", on its own object %d\n", sessions_on_own_object);
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
    printf("client: free callbacks %d, with the mark %d\n", objects_freed, marks_freed);
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
