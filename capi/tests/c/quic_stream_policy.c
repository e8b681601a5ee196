/*
 * The incoming-stream policy of a server connection left at its defaults (policy AUTO,
 * default stream mode AUTO_BIDI), over BIO_new_bio_dgram_pair in one process: a stream the
 * client opens before the server touches any stream is queued; once the server has accepted
 * one (which rules out a default stream), AUTO rejects the next (STOP_SENDING and
 * RESET_STREAM with code 0); after SSL_set_incoming_stream_policy(ACCEPT) they are queued
 * again, and REJECT uses its own code. Prints what it sees; the output is deterministic.
 *
 * Usage: quic_stream_policy <cert.pem> <key.pem>
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "pairs.h"

static SSL *client, *listener, *conn;

static void pump(void)
{
    handle_pair_events(client, listener, conn);
}

/* A client stream carrying `data` with its FIN. */
static SSL *send_stream(const char *data)
{
    SSL *s = SSL_new_stream(client, 0);
    size_t n;

    CHECK(s != NULL);
    CHECK(SSL_write_ex2(s, data, strlen(data), SSL_WRITE_FLAG_CONCLUDE, &n) == 1);
    return s;
}

/* Pumps until the server has a stream to accept or the client's stream `s` was reset by
 * the server; prints which, and returns the accepted stream (or NULL). */
static SSL *outcome(const char *name, SSL *s)
{
    SSL *a = NULL;
    uint64_t code = 99;
    int rounds = 0;

    for (;;) {
        pump();
        /* Under a policy that rejects streams, OpenSSL's SSL_accept_stream fails, with
         * ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED on the queue; the last is kept to print. */
        ERR_clear_error();
        a = SSL_accept_stream(conn, SSL_ACCEPT_STREAM_NO_BLOCK);
        if (a != NULL || SSL_get_stream_read_state(s) == SSL_STREAM_STATE_RESET_REMOTE)
            break;
        CHECK(++rounds < 100000);
    }
    if (a != NULL) {
        printf("%s: accepted, stream %llu\n", name, (unsigned long long)SSL_get_stream_id(a));
        return a;
    }
    /* (Its STOP_SENDING may find the stream's data and FIN acknowledged already.) */
    CHECK(SSL_get_stream_read_error_code(s, &code) == 1);
    printf("%s: rejected, read state %d code %llu, queue %zu, accept refused %d\n", name,
           SSL_get_stream_read_state(s), (unsigned long long)code,
           SSL_get_accept_stream_queue_len(conn), ERR_peek_error() != 0);
    ERR_clear_error();
    return NULL;
}

int main(int argc, char *argv[])
{
    SSL_CTX *sctx, *cctx;
    SSL *s1, *s2, *s3, *s4, *s5, *a1, *a3;

    if (argc != 3)
        return 2;
    make_quic_ctxs(argv[1], argv[2], &sctx, &cctx);
    make_quic_pair(sctx, cctx, &client, &listener);
    CHECK(SSL_set_default_stream_mode(client, SSL_DEFAULT_STREAM_MODE_NONE) == 1);
    conn = connect_quic_pair(client, listener);
    /* The server connection keeps its defaults. */
    s1 = send_stream("one");
    a1 = outcome("first stream, nothing touched yet", s1);
    CHECK(a1 != NULL);
    s2 = send_stream("two");
    CHECK(outcome("second stream, one accepted before", s2) == NULL);
    CHECK(SSL_set_incoming_stream_policy(conn, SSL_INCOMING_STREAM_POLICY_ACCEPT, 0) == 1);
    s3 = send_stream("three");
    a3 = outcome("third stream, policy ACCEPT", s3);
    CHECK(a3 != NULL);
    CHECK(SSL_set_incoming_stream_policy(conn, SSL_INCOMING_STREAM_POLICY_REJECT, 7) == 1);
    s4 = send_stream("four");
    CHECK(outcome("fourth stream, policy REJECT with code 7", s4) == NULL);
    CHECK(SSL_set_incoming_stream_policy(conn, SSL_INCOMING_STREAM_POLICY_AUTO, 0) == 1);
    s5 = send_stream("five");
    CHECK(outcome("fifth stream, policy AUTO again", s5) == NULL);
    printf("errors left: %lu\n", ERR_peek_error());
    SSL_free(s1);
    SSL_free(s2);
    SSL_free(s3);
    SSL_free(s4);
    SSL_free(s5);
    SSL_free(a1);
    SSL_free(a3);
    SSL_free(conn);
    SSL_free(client);
    SSL_free(listener);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return 0;
}
