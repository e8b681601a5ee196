/*
 * The libssl calls of servers and clients (nginx, HAProxy, curl) that reach past what rustls
 * offers, next to those that answer as OpenSSL does: session fields, early data (neither
 * sent nor accepted), renegotiation, asynchronous jobs, kernel TLS, and the calls qssl
 * refuses with ERR_R_UNSUPPORTED (message callbacks, NPN, custom extensions, ClientHello
 * and certificate callbacks, post-handshake authentication, ticket key callbacks, Finished
 * messages, OCSP status requests, per-object groups and certificates). One line per call:
 * its result and the first error it queued. The lines where qssl refuses what OpenSSL
 * does are the differences the README lists.
 *
 * Usage: ssl_limits <cert.pem> <key.pem>
 */
/* SSL_SESSION_get_time and SSL_SESSION_set_time are deprecated since OpenSSL 3.4. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

/* The first error on the queue as its reason string (or "none"); the queue is emptied. */
static const char *first_error(void)
{
    unsigned long e = ERR_peek_error();
    const char *reason = e == 0 ? "none" : ERR_reason_error_string(e);

    ERR_clear_error();
    return reason != NULL ? reason : "unknown";
}

/* Prints a call's result and the error it queued (each call on a line of its own). */
#define SHOW(what, call)                                          \
    do {                                                          \
        long shown_ = (long)(call);                               \
        printf("%s = %ld (%s)\n", what, shown_, first_error());   \
    } while (0)

/* Prints that a void call queued an error or not. */
#define DONE(what, call)                                          \
    do {                                                          \
        call;                                                     \
        printf("%s (%s)\n", what, first_error());                 \
    } while (0)

static void msg_cb(int write_p, int version, int type, const void *buf, size_t len, SSL *ssl,
                   void *arg)
{
    (void)write_p, (void)version, (void)type, (void)buf, (void)len, (void)ssl, (void)arg;
}

static int npn_select(SSL *s, unsigned char **out, unsigned char *outlen,
                      const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)s, (void)out, (void)outlen, (void)in, (void)inlen, (void)arg;
    return SSL_TLSEXT_ERR_NOACK;
}

static int npn_advertise(SSL *s, const unsigned char **out, unsigned int *outlen, void *arg)
{
    (void)s, (void)out, (void)outlen, (void)arg;
    return SSL_TLSEXT_ERR_NOACK;
}

static int ext_add(SSL *s, unsigned int type, unsigned int context, const unsigned char **out,
                   size_t *outlen, X509 *x, size_t chainidx, int *al, void *arg)
{
    (void)s, (void)type, (void)context, (void)out, (void)outlen, (void)x, (void)chainidx;
    (void)al, (void)arg;
    return 0;
}

static int client_hello(SSL *s, int *al, void *arg)
{
    (void)s, (void)al, (void)arg;
    return SSL_CLIENT_HELLO_SUCCESS;
}

static int cert_cb(SSL *s, void *arg)
{
    (void)s, (void)arg;
    return 1;
}

static int ticket_cb(SSL *s, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *c,
                     EVP_MAC_CTX *m, int enc)
{
    (void)s, (void)name, (void)iv, (void)c, (void)m, (void)enc;
    return 0;
}

static SSL_SESSION *get_session(SSL *s, const unsigned char *id, int len, int *copy)
{
    (void)s, (void)id, (void)len, (void)copy;
    return NULL;
}

static void remove_session(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx, (void)sess;
}

static int verify_cb(int ok, X509_STORE_CTX *store)
{
    (void)store;
    return ok;
}

static int passwd_cb(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return 0;
}

static SSL_CTX *cctx_of(SSL *ssl)
{
    return SSL_get_SSL_CTX(ssl);
}

int main(int argc, char *argv[])
{
    SSL_CTX *cctx, *sctx;
    SSL *client, *server;
    BIO *c = NULL, *s = NULL;
    SSL_SESSION *sess;
    unsigned char buf[64];
    const unsigned char *data = NULL;
    unsigned int len = 99;
    size_t n = 99, m = 99;
    int i, ret = 0, done = 0, fds[4];
    X509 *cert;
    BIO *in;
    char passwd[] = "secret";

    if (argc != 3)
        return 2;
    cctx = SSL_CTX_new(TLS_client_method());
    sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate_chain_file(sctx, argv[1]);
    SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, verify_cb);
    printf("verify callback kept %d\n", SSL_CTX_get_verify_callback(cctx) == verify_cb);
    SSL_CTX_set_default_passwd_cb(cctx, passwd_cb);
    SSL_CTX_set_default_passwd_cb_userdata(cctx, passwd);
    printf("password callback kept %d, user data kept %d\n",
           SSL_CTX_get_default_passwd_cb(cctx) == passwd_cb,
           SSL_CTX_get_default_passwd_cb_userdata(cctx) == passwd);

    /* Early data: none accepted, none sent. */
    SHOW("ctx max early data 0", SSL_CTX_set_max_early_data(sctx, 0));
    SHOW("ctx get max early data", SSL_CTX_get_max_early_data(sctx));
    SHOW("ctx max early data 16384", SSL_CTX_set_max_early_data(sctx, 16384));
    SSL_CTX_set_max_early_data(sctx, 0);
    ERR_clear_error();
    client = SSL_new(cctx);
    server = SSL_new(sctx);
    SHOW("object max early data 16384", SSL_set_max_early_data(server, 16384));
    SSL_set_max_early_data(server, 0);
    ERR_clear_error();
    SHOW("object get max early data", SSL_get_max_early_data(server));
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    BIO_new_bio_pair(&c, 0, &s, 0);
    SSL_set_bio(client, c, c);
    SSL_set_bio(server, s, s);
    SHOW("client write early data", SSL_write_early_data(client, "x", 1, &n));
    SHOW("written", n);
    SHOW("client read early data", SSL_read_early_data(client, buf, sizeof(buf), &n));
    for (i = 0; i < 6 && !done; i++) {
        SSL_do_handshake(client);
        ret = SSL_read_early_data(server, buf, sizeof(buf), &n);
        done = ret != SSL_READ_EARLY_DATA_ERROR;
        if (!done && SSL_get_error(server, ret) != SSL_ERROR_WANT_READ)
            break;
    }
    printf("server read early data %d, read %zu, errors %s\n", ret, n, first_error());
    SSL_do_handshake(client);
    SHOW("handshake done", SSL_is_init_finished(client) && SSL_is_init_finished(server));
    SHOW("read early data again", SSL_read_early_data(server, buf, sizeof(buf), &n));
    SHOW("early data status", SSL_get_early_data_status(client));
    SHOW("server write", SSL_write(server, "x", 1));
    SHOW("client read", SSL_read(client, buf, sizeof(buf)));

    /* The client's session. */
    sess = SSL_get1_session(client);
    SHOW("session timeout", SSL_SESSION_get_timeout(sess));
    SHOW("set timeout", SSL_SESSION_set_timeout(sess, 60));
    SHOW("timeout", SSL_SESSION_get_timeout(sess));
    SHOW("set time", SSL_SESSION_set_time(sess, 1700000000));
    SHOW("time", SSL_SESSION_get_time(sess));
    SHOW("set1 id", SSL_SESSION_set1_id(sess, (const unsigned char *)"0123456789", 10));
    data = SSL_SESSION_get_id(sess, &len);
    printf("id %u: %.*s\n", len, (int)len, data);
    SHOW("set1 id too long", SSL_SESSION_set1_id(sess, buf, 33));
    SHOW("set1 id context", SSL_SESSION_set1_id_context(sess, (const unsigned char *)"ctx", 3));
    SHOW("set1 id context too long", SSL_SESSION_set1_id_context(sess, buf, 33));
    SHOW("max early data", SSL_SESSION_get_max_early_data(sess));
    SHOW("remove from the context's cache", SSL_CTX_remove_session(cctx, sess));
    SHOW("master key", SSL_SESSION_get_master_key(sess, buf, sizeof(buf)));

    /* Renegotiation, asynchronous jobs, kernel TLS. */
    SHOW("renegotiate pending", SSL_renegotiate_pending(client));
    SHOW("renegotiate", SSL_renegotiate(client));
    SHOW("waiting for async", SSL_waiting_for_async(client));
    SHOW("all async fds", SSL_get_all_async_fds(client, fds, &n));
    SHOW("async fd count", n);
    SHOW("changed async fds", SSL_get_changed_async_fds(client, fds, &n, fds + 2, &m));
    SHOW("added", n);
    SHOW("removed", m);
    SHOW("sendfile", SSL_sendfile(client, 0, 0, 1, 0));

    /* NPN: nothing negotiated. */
    data = buf;
    len = 99;
    SSL_get0_next_proto_negotiated(client, &data, &len);
    printf("npn negotiated %s, %u\n", data == NULL ? "null" : "?", len);
    SHOW("has client custom ext", SSL_CTX_has_client_custom_ext(cctx, 1000));

    /* What rustls cannot do. */
    DONE("context msg callback", SSL_CTX_set_msg_callback(cctx, msg_cb));
    DONE("object msg callback", SSL_set_msg_callback(client, msg_cb));
    DONE("msg callback cleared", SSL_CTX_set_msg_callback(cctx, NULL));
    DONE("npn select callback", SSL_CTX_set_next_proto_select_cb(cctx, npn_select, NULL));
    DONE("npn advertised callback",
         SSL_CTX_set_next_protos_advertised_cb(sctx, npn_advertise, NULL));
    SHOW("custom ext", SSL_CTX_add_custom_ext(cctx, 1000, SSL_EXT_CLIENT_HELLO, ext_add, NULL,
                                              NULL, NULL, NULL));
    DONE("client hello callback", SSL_CTX_set_client_hello_cb(sctx, client_hello, NULL));
    DONE("cert callback", SSL_CTX_set_cert_cb(sctx, cert_cb, NULL));
    DONE("post-handshake auth on", SSL_CTX_set_post_handshake_auth(cctx, 1));
    DONE("post-handshake auth off", SSL_CTX_set_post_handshake_auth(cctx, 0));
    SHOW("ticket key callback", SSL_CTX_set_tlsext_ticket_key_evp_cb(sctx, ticket_cb));
    DONE("session get callback", SSL_CTX_sess_set_get_cb(sctx, get_session));
    DONE("session remove callback", SSL_CTX_sess_set_remove_cb(sctx, remove_session));
    SHOW("own finished", SSL_get_finished(client, buf, sizeof(buf)));
    SHOW("peer finished", SSL_get_peer_finished(client, buf, sizeof(buf)));
    SHOW("peer signature type", SSL_get_peer_signature_type_nid(client, &i));
    SHOW("status request", SSL_CTX_set_tlsext_status_type(cctx, TLSEXT_STATUSTYPE_ocsp));
    SHOW("object groups", SSL_set1_groups_list(client, "P-256"));
    in = BIO_new_file(argv[1], "r");
    cert = PEM_read_bio_X509(in, NULL, NULL, NULL);
    SHOW("object certificate", SSL_use_certificate(server, cert));
    DONE("object CA list", SSL_set_client_CA_list(server, SSL_load_client_CA_file(argv[1])));
    {
        SSL_CONF_CTX *cctx = SSL_CONF_CTX_new();

        SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_FILE);
        SSL_CONF_CTX_set_ssl_ctx(cctx, cctx_of(client));
        SHOW("conf signature algorithms",
             SSL_CONF_cmd(cctx, "SignatureAlgorithms", "ECDSA+SHA256"));
        SSL_CONF_CTX_free(cctx);
    }
    X509_free(cert);
    BIO_free(in);

    SSL_SESSION_free(sess);
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    printf("errors left: %s\n", first_error());
    return 0;
}
