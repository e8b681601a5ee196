/*
 * A QUIC client and listener in one process over BIO_new_bio_dgram_pair, non-blocking,
 * driven by SSL_handle_events and SSL_poll: streams opened by both sides in both kinds, their
 * IDs, types, states and error codes, a reset, generic values, ownership (a stream keeps its
 * connection alive) and close information on both sides. Prints what it sees; the output is
 * deterministic.
 *
 * Usage: quic_pair <cert.pem> <key.pem>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>

static SSL *client, *listener, *conn;

#define CHECK(cond) do { if (!(cond)) { printf("FAIL line %d: %s\n", __LINE__, #cond); \
    ERR_print_errors_fp(stdout); exit(1); } } while (0)

static void pump(void)
{
    SSL_handle_events(client);
    SSL_handle_events(listener);
    if (conn != NULL)
        SSL_handle_events(conn);
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

/* Reads a stream to its end (or failure), pumping; returns the SSL_get_error code. */
static int read_all(SSL *s, char *buf, size_t cap, size_t *len)
{
    size_t n;
    int err, rounds = 0;

    *len = 0;
    for (;;) {
        if (SSL_read_ex(s, buf + *len, cap - *len, &n)) {
            *len += n;
            continue;
        }
        err = SSL_get_error(s, 0);
        if (err != SSL_ERROR_WANT_READ || ++rounds > 100000)
            return err;
        pump();
    }
}

/* Waits with SSL_poll until `s` has one of `events`; returns the events found. */
static uint64_t wait_for(SSL *s, uint64_t events)
{
    SSL_POLL_ITEM item;
    struct timeval zero = {0, 0};
    size_t found;
    int rounds = 0;

    for (;;) {
        item.desc = SSL_as_poll_descriptor(s);
        item.events = events;
        item.revents = 0;
        CHECK(SSL_poll(&item, 1, sizeof(item), &zero, 0, &found));
        if (found == 1)
            return item.revents;
        CHECK(++rounds < 100000);
        pump();
    }
}

int main(int argc, char *argv[])
{
    SSL_CTX *sctx, *cctx;
    BIO *cbio, *sbio;
    SSL *s1, *s2, *a1, *a2, *u3, *c3;
    BIO_POLL_DESCRIPTOR desc;
    SSL_CONN_CLOSE_INFO info;
    SSL_SHUTDOWN_EX_ARGS args = {99, "done"};
    SSL_STREAM_RESET_ARGS reset = {42};
    char buf[256];
    size_t n, len;
    uint64_t v, code;
    int ret, rounds = 0;

    if (argc != 3)
        return 2;
    sctx = SSL_CTX_new(OSSL_QUIC_server_method());
    cctx = SSL_CTX_new(OSSL_QUIC_client_method());
    CHECK(sctx != NULL && cctx != NULL);
    CHECK(SSL_CTX_use_certificate_chain_file(sctx, argv[1]) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_alpn_select_cb(sctx, select_alpn, NULL);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_CTX_load_verify_locations(cctx, argv[1], NULL) == 1);

    CHECK(BIO_new_bio_dgram_pair(&cbio, 0, &sbio, 0) == 1);
    listener = SSL_new_listener(sctx, SSL_LISTENER_FLAG_NO_VALIDATE);
    CHECK(listener != NULL);
    SSL_set_bio(listener, sbio, sbio);
    CHECK(SSL_get_rbio(listener) == sbio && SSL_get_wbio(listener) == sbio);
    CHECK(SSL_set_blocking_mode(listener, 0) == 1);
    CHECK(SSL_listen(listener) == 1);
    client = SSL_new(cctx);
    CHECK(client != NULL);
    SSL_set_bio(client, cbio, cbio);
    CHECK(SSL_set_blocking_mode(client, 0) == 1);
    CHECK(SSL_set1_host(client, "localhost") == 1);
    CHECK(SSL_set_alpn_protos(client, (const unsigned char *)"\x04test", 5) == 0);
    CHECK(SSL_set_default_stream_mode(client, SSL_DEFAULT_STREAM_MODE_NONE) == 1);
    /* A datagram pair cannot be polled: OpenSSL answers 0 and leaves desc as it was. */
    desc.type = 99;
    printf("pair poll descriptor: %d, type %u, fd %d\n", SSL_get_rpoll_descriptor(client, &desc),
           desc.type, SSL_get_fd(client));

    while ((ret = SSL_connect(client)) != 1) {
        CHECK(SSL_get_error(client, ret) == SSL_ERROR_WANT_READ);
        if (conn == NULL)
            conn = SSL_accept_connection(listener, 0);
        CHECK(++rounds < 100000);
        pump();
    }
    while (conn == NULL) {
        pump();
        conn = SSL_accept_connection(listener, 0);
    }
    printf("connected: %s; listener %d/%d, accepted from it %d, queue %zu\n",
           SSL_get_version(client), SSL_is_listener(listener), SSL_is_listener(conn),
           SSL_get0_listener(conn) == listener, SSL_get_accept_connection_queue_len(listener));
    CHECK(SSL_set_incoming_stream_policy(conn, SSL_INCOMING_STREAM_POLICY_ACCEPT, 0) == 1);
    CHECK(SSL_set_default_stream_mode(conn, SSL_DEFAULT_STREAM_MODE_NONE) == 1);
    CHECK(SSL_get_quic_stream_bidi_local_avail(client, &v) == 1);
    printf("client may open bidi streams: %d\n", v > 0);

    /* Client streams: one of each kind, each sent with its FIN. */
    s1 = SSL_new_stream(client, 0);
    s2 = SSL_new_stream(client, SSL_STREAM_FLAG_UNI);
    CHECK(s1 != NULL && s2 != NULL);
    printf("client streams: %llu type %d local %d, %llu type %d local %d; conn of s1 %d\n",
           (unsigned long long)SSL_get_stream_id(s1), SSL_get_stream_type(s1),
           SSL_is_stream_local(s1), (unsigned long long)SSL_get_stream_id(s2),
           SSL_get_stream_type(s2), SSL_is_stream_local(s2), SSL_get0_connection(s1) == client);
    printf("uni stream read state %d (wrong direction), connection stream type %d\n",
           SSL_get_stream_read_state(s2), SSL_get_stream_type(client));
    printf("network BIO shared: stream %d, accepted connection %d\n",
           SSL_get_rbio(s1) == cbio && SSL_get_wbio(s1) == cbio, SSL_get_rbio(conn) == sbio);
    CHECK(SSL_write_ex2(s1, "one", 3, SSL_WRITE_FLAG_CONCLUDE, &n) == 1 && n == 3);
    CHECK(SSL_write_ex2(s2, "two", 3, SSL_WRITE_FLAG_CONCLUDE, &n) == 1);
    printf("s1 write state %d after conclude\n", SSL_get_stream_write_state(s1));

    /* The server sees both. */
    wait_for(conn, SSL_POLL_EVENT_ISB);
    a1 = SSL_accept_stream(conn, 0);
    wait_for(conn, SSL_POLL_EVENT_ISU);
    a2 = SSL_accept_stream(conn, 0);
    CHECK(a1 != NULL && a2 != NULL);
    printf("server accepted %llu type %d local %d, %llu type %d local %d\n",
           (unsigned long long)SSL_get_stream_id(a1), SSL_get_stream_type(a1),
           SSL_is_stream_local(a1), (unsigned long long)SSL_get_stream_id(a2),
           SSL_get_stream_type(a2), SSL_is_stream_local(a2));
    printf("is server: client %d, its stream %d, listener %d, accepted %d, its stream %d\n",
           SSL_is_server(client), SSL_is_server(s1), SSL_is_server(listener),
           SSL_is_server(conn), SSL_is_server(a1));
    ret = read_all(a1, buf, sizeof(buf), &len);
    printf("a1: %.*s, end %d, read state %d, read code %d\n", (int)len, buf, ret,
           SSL_get_stream_read_state(a1), SSL_get_stream_read_error_code(a1, &code));
    ret = read_all(a2, buf, sizeof(buf), &len);
    printf("a2: %.*s, end %d, write state %d\n", (int)len, buf, ret,
           SSL_get_stream_write_state(a2));

    /* The reply on the bidirectional stream. */
    CHECK(SSL_write_ex2(a1, "ONE", 3, SSL_WRITE_FLAG_CONCLUDE, &n) == 1);
    ret = read_all(s1, buf, sizeof(buf), &len);
    printf("s1: %.*s, end %d, read state %d\n", (int)len, buf, ret,
           SSL_get_stream_read_state(s1));

    /* A server stream reset before any data: the client sees the reset and its code. */
    u3 = SSL_new_stream(conn, SSL_STREAM_FLAG_UNI);
    CHECK(u3 != NULL);
    CHECK(SSL_stream_reset(u3, &reset, sizeof(reset)) == 1);
    code = 0;
    n = (size_t)SSL_get_stream_write_error_code(u3, &code);
    printf("u3 %llu write state %d, write code %d/%llu\n",
           (unsigned long long)SSL_get_stream_id(u3), SSL_get_stream_write_state(u3), (int)n,
           (unsigned long long)code);
    wait_for(client, SSL_POLL_EVENT_ISU);
    c3 = SSL_accept_stream(client, SSL_ACCEPT_STREAM_NO_BLOCK);
    CHECK(c3 != NULL);
    ret = read_all(c3, buf, sizeof(buf), &len);
    code = 0;
    n = (size_t)SSL_get_stream_read_error_code(c3, &code);
    printf("c3 %llu: end %d, read state %d, read code %d/%llu\n",
           (unsigned long long)SSL_get_stream_id(c3), ret, SSL_get_stream_read_state(c3),
           (int)n, (unsigned long long)code);
    ERR_clear_error();

    /* Close info is empty before the close. */
    printf("close info before: %d\n", SSL_get_conn_close_info(client, &info, sizeof(info)));
    printf("shutdown flags before: %d/%d\n", SSL_get_shutdown(client), SSL_get_shutdown(conn));

    /* The client closes with a code and reason; the server learns both. */
    rounds = 0;
    while ((ret = SSL_shutdown_ex(client, 0, &args, sizeof(args))) != 1) {
        CHECK(ret == 0 && ++rounds < 100000);
        pump();
    }
    wait_for(conn, SSL_POLL_EVENT_EC);
    CHECK(SSL_get_conn_close_info(conn, &info, sizeof(info)) == 1);
    printf("server close info: code %llu reason %s (%zu) flags %u\n",
           (unsigned long long)info.error_code, info.reason, info.reason_len, info.flags);
    CHECK(SSL_get_conn_close_info(client, &info, sizeof(info)) == 1);
    printf("client close info: code %llu flags %u\n", (unsigned long long)info.error_code,
           info.flags);
    printf("a1 read state after close %d\n", SSL_get_stream_read_state(a1));
    printf("shutdown flags: client %d, server %d, stream %d\n", SSL_get_shutdown(client),
           SSL_get_shutdown(conn), SSL_get_shutdown(a1));
    ERR_clear_error();

    /* A stream keeps its connection alive: free the connection first. */
    SSL_free(client);
    printf("s1 still usable: id %llu, connection stream type %d\n",
           (unsigned long long)SSL_get_stream_id(s1), SSL_get_stream_type(SSL_get0_connection(s1)));
    SSL_free(s1);
    SSL_free(s2);
    SSL_free(c3);
    SSL_free(a1);
    SSL_free(a2);
    SSL_free(u3);
    SSL_free(conn);
    SSL_free(listener);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    printf("errors left: %lu\n", ERR_get_error());
    return 0;
}
