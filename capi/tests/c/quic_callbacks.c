/*
 * The SSL * that callbacks get on a QUIC listener's connections and on a client, as
 * OpenSSL 3.5 hands them out: a server's servername, ALPN and key-log callbacks run during
 * the handshake, before the connection is accepted, with the connection's own object, which
 * SSL_accept_connection then returns (with what the callbacks stored in it), the
 * new-pending-connection callback first of all (and its refusal discards the connection);
 * the client's verify and key-log callbacks get the client connection. Prints what it sees;
 * the output is deterministic.
 *
 * With "refuse" it goes on to a listener whose new-pending-connection callback refuses
 * (OpenSSL 3.5.5 deadlocks there: it frees the refused object under its own lock).
 *
 * Usage: quic_callbacks <cert.pem> <key.pem> [refuse]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define CHECK(cond) do { if (!(cond)) { printf("FAIL line %d: %s\n", __LINE__, #cond); \
    ERR_print_errors_fp(stdout); exit(1); } } while (0)

static SSL *client, *listener;
static SSL *in_servername, *in_alpn, *in_verify, *in_new;
static int new_calls, refuse, new_before_alpn = -1;
static int servername_server = -1, alpn_server = -1, alpn_listener = -1;
static int keylog_server = 0, keylog_server_other = 0, keylog_client = 0, keylog_client_other = 0;
static char alpn_name[64] = "none";
static int idx;
static char marker[] = "set in the ALPN callback";

static int new_pending_cb(SSL_CTX *ctx, SSL *ssl, void *arg)
{
    (void)ctx;
    new_calls++;
    in_new = ssl;
    new_before_alpn = in_alpn == NULL && in_servername == NULL;
    return arg == &refuse && refuse ? 0 : 1;
}

static int servername_cb(SSL *ssl, int *alert, void *arg)
{
    (void)alert;
    (void)arg;
    in_servername = ssl;
    servername_server = ssl == NULL ? -1 : SSL_is_server(ssl);
    return SSL_TLSEXT_ERR_OK;
}

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char ours[] = "\x04test";
    const char *name;

    (void)arg;
    in_alpn = ssl;
    if (ssl != NULL) {
        alpn_server = SSL_is_server(ssl);
        alpn_listener = SSL_get0_listener(ssl) == listener;
        name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        snprintf(alpn_name, sizeof(alpn_name), "%s", name == NULL ? "null" : name);
        SSL_set_ex_data(ssl, idx, marker);
    }
    return SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof(ours) - 1, in,
                                 inlen) == OPENSSL_NPN_NEGOTIATED
        ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
}

static void server_keylog(const SSL *ssl, const char *line)
{
    (void)line;
    if (ssl != NULL && ssl == in_alpn)
        keylog_server++;
    else
        keylog_server_other++;
}

static void client_keylog(const SSL *ssl, const char *line)
{
    (void)line;
    if (ssl == client)
        keylog_client++;
    else
        keylog_client_other++;
}

static int verify_cb(int ok, X509_STORE_CTX *store)
{
    in_verify = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    return ok;
}

static void refused(SSL_CTX *sctx, SSL_CTX *cctx);

static void pump(SSL *conn)
{
    SSL_handle_events(client);
    SSL_handle_events(listener);
    if (conn != NULL)
        SSL_handle_events(conn);
}

int main(int argc, char *argv[])
{
    SSL_CTX *sctx, *cctx;
    BIO *cbio, *sbio;
    SSL *conn = NULL;
    int ret, rounds = 0;

    if (argc != 3 && (argc != 4 || strcmp(argv[3], "refuse") != 0))
        return 2;
    idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    sctx = SSL_CTX_new(OSSL_QUIC_server_method());
    cctx = SSL_CTX_new(OSSL_QUIC_client_method());
    CHECK(sctx != NULL && cctx != NULL);
    CHECK(SSL_CTX_use_certificate_chain_file(sctx, argv[1]) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_alpn_select_cb(sctx, select_alpn, NULL);
    CHECK(SSL_CTX_set_tlsext_servername_callback(sctx, servername_cb) == 1);
    SSL_CTX_set_keylog_callback(sctx, server_keylog);
    SSL_CTX_set_new_pending_conn_cb(sctx, new_pending_cb, &refuse);
    SSL_CTX_set_keylog_callback(cctx, client_keylog);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_cb);
    CHECK(SSL_CTX_load_verify_locations(cctx, argv[1], NULL) == 1);

    CHECK(BIO_new_bio_dgram_pair(&cbio, 0, &sbio, 0) == 1);
    CHECK((listener = SSL_new_listener(sctx, SSL_LISTENER_FLAG_NO_VALIDATE)) != NULL);
    SSL_set_bio(listener, sbio, sbio);
    CHECK(SSL_set_blocking_mode(listener, 0) == 1);
    CHECK((client = SSL_new(cctx)) != NULL);
    SSL_set_bio(client, cbio, cbio);
    CHECK(SSL_set_blocking_mode(client, 0) == 1);
    CHECK(SSL_set1_host(client, "localhost") == 1);
    CHECK(SSL_set_tlsext_host_name(client, "localhost") == 1);
    CHECK(SSL_set_alpn_protos(client, (const unsigned char *)"\x04test", 5) == 0);

    /* Drive the client alone until the server side has run its callbacks: the connection
     * is not accepted yet. */
    while (in_alpn == NULL) {
        (void)SSL_connect(client);
        CHECK(++rounds < 100000);
        pump(NULL);
    }
    printf("before accept: servername cb got an object %d, server %d; alpn cb same object %d, "
           "server %d, listener %d, name %s\n", in_servername != NULL,
           servername_server, in_alpn == in_servername, alpn_server, alpn_listener,
           alpn_name);
    rounds = 0;
    while ((ret = SSL_connect(client)) != 1 || conn == NULL) {
        if (conn == NULL)
            conn = SSL_accept_connection(listener, 0);
        CHECK(++rounds < 100000);
        pump(conn);
    }
    printf("accepted the callbacks' object: %d; ex_data kept: %d; listener %d\n",
           conn == in_alpn, SSL_get_ex_data(conn, idx) == marker,
           SSL_get0_listener(conn) == listener);
    printf("new pending callback: first %d, the same object %d, calls %d\n", new_before_alpn,
           in_new == conn, new_calls);
    printf("client verify callback got the client: %d\n", in_verify == client);
    printf("key log: server lines with the connection %d, others %d; client lines with the "
           "client %d, others %d\n", keylog_server > 0, keylog_server_other,
           keylog_client > 0, keylog_client_other);
    SSL_free(conn);
    SSL_free(client);
    SSL_free(listener);
    if (argc == 4)
        refused(sctx, cctx);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    printf("errors left: %d\n", ERR_peek_error() != 0);
    return 0;
}

/* A listener whose new-pending-connection callback refuses: nothing is accepted and the
     * client hears nothing. */
static void refused(SSL_CTX *sctx, SSL_CTX *cctx)
{
    BIO *cbio, *sbio;
    int rounds;

    refuse = 1;
    new_calls = 0;
    CHECK(BIO_new_bio_dgram_pair(&cbio, 0, &sbio, 0) == 1);
    CHECK((listener = SSL_new_listener(sctx, SSL_LISTENER_FLAG_NO_VALIDATE)) != NULL);
    SSL_set_bio(listener, sbio, sbio);
    CHECK(SSL_set_blocking_mode(listener, 0) == 1);
    CHECK((client = SSL_new(cctx)) != NULL);
    SSL_set_bio(client, cbio, cbio);
    CHECK(SSL_set_blocking_mode(client, 0) == 1);
    CHECK(SSL_set1_host(client, "localhost") == 1);
    CHECK(SSL_set_alpn_protos(client, (const unsigned char *)"\x04test", 5) == 0);
    for (rounds = 0; rounds < 200; rounds++) {
        CHECK(SSL_connect(client) != 1);
        CHECK(SSL_accept_connection(listener, SSL_ACCEPT_CONNECTION_NO_BLOCK) == NULL);
        pump(NULL);
    }
    printf("refused: callback called %d, queue %zu, client still connecting %d\n",
           new_calls > 0, SSL_get_accept_connection_queue_len(listener),
           SSL_get_error(client, SSL_connect(client)) == SSL_ERROR_WANT_READ);
    SSL_free(client);
    SSL_free(listener);
}
