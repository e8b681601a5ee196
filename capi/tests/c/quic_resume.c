/*
 * QUIC session resumption from C: a first connection's session (from SSL_get1_session and
 * the new-session callback) offered by a second connection with SSL_set_session, in one
 * process over a datagram pair with one listener.
 *
 * Usage: quic_resume <cert.pem> <key.pem>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s\n", __LINE__, #c); \
    ERR_print_errors_fp(stdout); exit(1); } } while (0)

static SSL *listener;
static int sessions_told;

static int keep_none(SSL *ssl, SSL_SESSION *session)
{
    (void)ssl;
    (void)session;
    sessions_told++;
    return 0;
}

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char ours[] = "\x04test";
    (void)ssl;
    (void)arg;
    return SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof(ours) - 1, in,
                                 inlen) == OPENSSL_NPN_NEGOTIATED
        ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* A connected client over `bio` offering `session`, and the server side of it. */
static SSL *connect_one(SSL_CTX *cctx, BIO *bio, SSL_SESSION *session, SSL **server)
{
    SSL *client = SSL_new(cctx);
    int rounds = 0;

    CHECK(client != NULL);
    BIO_up_ref(bio);
    SSL_set_bio(client, bio, bio);
    CHECK(SSL_set_blocking_mode(client, 0) == 1);
    CHECK(SSL_set1_host(client, "localhost") == 1);
    CHECK(SSL_set_alpn_protos(client, (const unsigned char *)"\x04test", 5) == 0);
    CHECK(SSL_set_session(client, session) == 1);
    *server = NULL;
    while (SSL_connect(client) != 1 || *server == NULL) {
        CHECK(++rounds < 100000);
        if (*server == NULL)
            *server = SSL_accept_connection(listener, 0);
        SSL_handle_events(listener);
        if (*server != NULL)
            SSL_handle_events(*server);
    }
    return client;
}

int main(int argc, char *argv[])
{
    SSL_CTX *sctx, *cctx;
    BIO *cbio, *sbio;
    SSL *client, *server;
    SSL_SESSION *session, *early;
    int rounds = 0;

    if (argc != 3)
        return 2;
    sctx = SSL_CTX_new(OSSL_QUIC_server_method());
    cctx = SSL_CTX_new(OSSL_QUIC_client_method());
    CHECK(SSL_CTX_use_certificate_chain_file(sctx, argv[1]) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_alpn_select_cb(sctx, select_alpn, NULL);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_CTX_load_verify_locations(cctx, argv[1], NULL) == 1);
    SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT
                                   | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(cctx, keep_none);

    CHECK(BIO_new_bio_dgram_pair(&cbio, 0, &sbio, 0) == 1);
    listener = SSL_new_listener(sctx, SSL_LISTENER_FLAG_NO_VALIDATE);
    SSL_set_bio(listener, sbio, sbio);
    CHECK(SSL_set_blocking_mode(listener, 0) == 1 && SSL_listen(listener) == 1);

    /*
     * First connection: a full handshake; the server's tickets make a session. In TLS 1.3
     * tickets come after the handshake, and each one replaces the connection's session with
     * a new object (an SSL_SESSION taken before stays unresumable): wait for the new-session
     * callback, then take the connection's session.
     */
    client = connect_one(cctx, cbio, NULL, &server);
    printf("first: resumed %d/%d\n", SSL_session_reused(client), SSL_session_reused(server));
    early = SSL_get1_session(client); /* before any ticket */
    while (sessions_told == 0) {
        CHECK(++rounds < 100000);
        SSL_handle_events(client);
        SSL_handle_events(server);
    }
    session = SSL_get1_session(client);
    CHECK(session != NULL);
    printf("session resumable %d, callback told %s\n", SSL_SESSION_is_resumable(session),
           sessions_told > 0 ? "yes" : "no");
    /* SSL_get0_session is the same object without a reference. */
    printf("get0 is get1 %d, server session %s\n", SSL_get0_session(client) == session,
           SSL_get0_session(server) == NULL ? "none" : "some");
    /* OpenSSL never changes a session it handed out; qssl's fill in as tickets arrive. */
    printf("session taken before the ticket: resumable %d\n", SSL_SESSION_is_resumable(early));
    SSL_SESSION_free(early);
    /*
     * A rapid shutdown sends CONNECTION_CLOSE without waiting: OpenSSL answers 0 until the
     * closing period has passed, qssl 1 at once.
     */
    printf("rapid shutdown: %d\n", SSL_shutdown_ex(client, SSL_SHUTDOWN_FLAG_RAPID, NULL, 0));
    SSL_free(client);
    SSL_free(server);

    /* Second connection offers it. */
    client = connect_one(cctx, cbio, session, &server);
    SSL_SESSION_free(session);
    printf("second: resumed %d/%d, verify %s\n", SSL_session_reused(client),
           SSL_session_reused(server), X509_verify_cert_error_string(SSL_get_verify_result(client)));
    SSL_free(client);
    SSL_free(server);
    SSL_free(listener);
    BIO_free(cbio);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    printf("errors left %lu\n", ERR_get_error());
    return 0;
}
