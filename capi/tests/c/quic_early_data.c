/*
 * Early data (0-RTT) on QUIC objects with OpenSSL's early-data calls, beyond OpenSSL 3.5's
 * QUIC: a client resuming a session writes with SSL_write_early_data before its handshake,
 * and a listener whose context allows early data reads it before its own handshake
 * completes; a listener of another context (which does not know the session) rejects it and
 * the request arrives all the same; the calls out of place fail as documented. A client and
 * listeners in one process over BIO_new_bio_dgram_pair, non-blocking. Prints what it sees;
 * the output is deterministic.
 *
 * Usage: quic_early_data <cert.pem> <key.pem>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>

#include "pairs.h"

/* Drives the client, the listener and the connection until the client's handshake is done. */
static void finish_handshake(SSL *client, SSL *listener, SSL *conn)
{
    int ret, rounds = 0;

    while ((ret = SSL_connect(client)) != 1) {
        CHECK(SSL_get_error(client, ret) == SSL_ERROR_WANT_READ);
        CHECK(++rounds < 100000);
        SSL_handle_events(listener);
        SSL_handle_events(conn);
    }
}

/* Reads what conn's default stream holds until its end, driving the client too. */
static size_t read_all(SSL *conn, SSL *client, char *buf, size_t cap)
{
    size_t got = 0, n;
    int rounds = 0;

    while (got < cap) {
        if (SSL_read_ex(conn, buf + got, cap - got, &n)) {
            got += n;
            continue;
        }
        if (SSL_get_error(conn, 0) == SSL_ERROR_ZERO_RETURN)
            break;
        CHECK(SSL_get_error(conn, 0) == SSL_ERROR_WANT_READ);
        CHECK(++rounds < 100000);
        SSL_handle_events(client);
        SSL_handle_events(conn);
    }
    return got;
}

/* A first, full connection to a listener of sctx: the session the client leaves with, once
 * a ticket allowing early data has arrived. */
static SSL_SESSION *first_visit(SSL_CTX *sctx, SSL_CTX *cctx)
{
    SSL *client, *listener, *conn;
    SSL_SESSION *session = NULL;
    int rounds = 0;

    make_quic_pair(sctx, cctx, &client, &listener);
    conn = connect_quic_pair(client, listener);
    printf("first visit: early data status %d\n", SSL_get_early_data_status(client));
    while (session == NULL || SSL_SESSION_get_max_early_data(session) == 0) {
        SSL_SESSION_free(session);
        CHECK(++rounds < 100000);
        SSL_handle_events(conn);
        SSL_handle_events(client);
        session = SSL_get1_session(client);
    }
    printf("session max early data %u\n", SSL_SESSION_get_max_early_data(session));
    SSL_free(conn);
    SSL_free(client);
    SSL_free(listener);
    return session;
}

/* A client of cctx resuming session with early data to a listener of sctx: writes early,
 * then the request's end; prints what both sides see. */
static void visit_with_early_data(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *session)
{
    SSL *client, *listener, *conn = NULL;
    size_t written = 0;
    char buf[64];
    size_t n;
    int ret, rounds = 0;

    make_quic_pair(sctx, cctx, &client, &listener);
    CHECK(SSL_set_session(client, session) == 1);
    ret = SSL_write_early_data(client, "early ", 6, &written);
    printf("write early: %d, written %zu, init finished %d\n", ret, written,
           SSL_is_init_finished(client));
    /* The listener gets the client's first flight: the connection is there at once. */
    while (conn == NULL) {
        CHECK(++rounds < 100000);
        SSL_handle_events(listener);
        conn = SSL_accept_connection(listener, 0);
    }
    if (SSL_get_early_data_status(conn) == SSL_EARLY_DATA_ACCEPTED) {
        /* The early data is readable before the server's handshake completes. */
        n = 0;
        CHECK(SSL_read_ex(conn, buf, sizeof(buf), &n) == 1);
        printf("server read %zu early bytes before its handshake completed: %d\n", n,
               !SSL_is_init_finished(conn));
    } else {
        printf("server did not accept the early data\n");
        n = 0;
    }
    CHECK(SSL_write_ex2(client, "request", 7, SSL_WRITE_FLAG_CONCLUDE, &written) == 1);
    finish_handshake(client, listener, conn);
    n += read_all(conn, client, buf + n, sizeof(buf) - n);
    printf("server got \"%.*s\"; resumed %d; status client %d, server %d\n", (int)n, buf,
           SSL_session_reused(client), SSL_get_early_data_status(client),
           SSL_get_early_data_status(conn));
    ret = SSL_write_early_data(client, "late", 4, &written);
    printf("early data once the handshake is over: %d, reason %d\n", ret, take_reason() != 0);
    SSL_free(conn);
    SSL_free(client);
    SSL_free(listener);
}

int main(int argc, char **argv)
{
    SSL_CTX *sctx, *cctx, *other, *unused;
    SSL_SESSION *session;
    SSL *client, *listener;
    size_t written = 0;
    int ret;

    CHECK(argc == 3);
    make_quic_ctxs(argv[1], argv[2], &sctx, &cctx);
    printf("ctx max early data default %u\n", SSL_CTX_get_max_early_data(sctx));
    ret = SSL_CTX_set_max_early_data(sctx, 16384);
    printf("set max early data: %d, now %u\n", ret, SSL_CTX_get_max_early_data(sctx));

    /* Without a session that allows it, early data is out of place. */
    make_quic_pair(sctx, cctx, &client, &listener);
    ret = SSL_write_early_data(client, "x", 1, &written);
    printf("early data without a session: %d, reason %d, before %d\n", ret,
           ERR_GET_REASON(ERR_peek_error()) == ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED,
           SSL_in_before(client));
    ERR_clear_error();
    ret = SSL_set_max_early_data(client, 16384);
    printf("per-object limit on a QUIC object: %d, reason %d\n", ret, take_reason() != 0);
    SSL_free(client);
    SSL_free(listener);

    session = first_visit(sctx, cctx);
    visit_with_early_data(sctx, cctx, session);
    SSL_SESSION_free(session);

    /* A server context that never saw the session: the early data is rejected. */
    session = first_visit(sctx, cctx);
    make_quic_ctxs(argv[1], argv[2], &other, &unused);
    visit_with_early_data(other, cctx, session);
    SSL_SESSION_free(session);
    SSL_CTX_free(unused);
    SSL_CTX_free(other);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 0;
}
