/*
 * qssl's poll groups: registration-based waiting on many QUIC objects.
 *
 * OpenSSL has no such calls: these are qssl's own, with a QSSL_ prefix no OpenSSL name will
 * ever take, exported by libssl.so.3 under the symbol version QSSL_1.0.0. They follow
 * OpenSSL's conventions: 1 for success, 0 for failure with the reason on the error queue.
 *
 * SSL_poll() takes every item on every call, so a server with 10,000 connections pays for
 * 10,000 items each time it waits. A poll group is told about each object once (listener,
 * connection or stream, with the SSL_POLL_EVENT_* events it is wanted for and a token of the
 * program's choosing); a wait returns the tokens and events of only the objects that are
 * ready, and what it costs follows the ready objects and those the network moved on, not the
 * registered ones. Events are level-triggered, as SSL_poll()'s: an object stays reported
 * while it is ready.
 *
 *     QSSL_POLL_GROUP *g = QSSL_POLL_GROUP_new();
 *     QSSL_POLL_GROUP_add(g, listener, SSL_POLL_EVENT_IC, 0);
 *     for (;;) {
 *         QSSL_POLL_EVENT ev[64];
 *         size_t n, i;
 *         if (!QSSL_POLL_GROUP_wait(g, ev, 64, NULL, &n))
 *             break;
 *         for (i = 0; i < n; i++)
 *             ... ev[i].token says which object, ev[i].revents which events ...
 *     }
 *
 * capi/tests/c/quic_group_server.c in qssl's sources is a whole server written this way.
 */
#ifndef QSSL_POLL_GROUP_H
# define QSSL_POLL_GROUP_H
# pragma once

# include <stddef.h>
# include <stdint.h>
# include <sys/time.h>
# include <openssl/ssl.h>

# ifdef __cplusplus
extern "C" {
# endif

typedef struct qssl_poll_group_st QSSL_POLL_GROUP;

/* One ready object: the token it was registered with and its events (never 0). */
typedef struct qssl_poll_event_st {
    uint64_t token;
    uint64_t revents;
} QSSL_POLL_EVENT;

/* An empty group; NULL if the system has no room for one. */
QSSL_POLL_GROUP *QSSL_POLL_GROUP_new(void);

/* Frees the group; its objects stay as they are. */
void QSSL_POLL_GROUP_free(QSSL_POLL_GROUP *g);

/*
 * Register a QUIC object (listener, connection or stream) for events (SSL_POLL_EVENT_*)
 * under token. The group takes no reference: freeing the object takes it out of the group.
 * An object already in the group is refused (ERR_R_PASSED_INVALID_ARGUMENT), as is a TLS
 * object.
 */
int QSSL_POLL_GROUP_add(QSSL_POLL_GROUP *g, SSL *ssl, uint64_t events, uint64_t token);

/* Change a registered object's events and token. */
int QSSL_POLL_GROUP_modify(QSSL_POLL_GROUP *g, SSL *ssl, uint64_t events, uint64_t token);

/* Take an object out of the group. */
int QSSL_POLL_GROUP_remove(QSSL_POLL_GROUP *g, SSL *ssl);

/*
 * Wait until a registered object is ready or timeout passes (NULL: no limit; zero: only
 * look), handling the network events of the group's objects as SSL_poll() does; write up to
 * max ready objects to events and their count to *nready (0 when the timeout passed). Ready
 * objects beyond max come first on the next wait. One thread waits at a time.
 */
int QSSL_POLL_GROUP_wait(QSSL_POLL_GROUP *g, QSSL_POLL_EVENT *events, size_t max,
                         const struct timeval *timeout, size_t *nready);

/*
 * For a program with its own poll()/epoll loop: a descriptor that polls readable whenever
 * QSSL_POLL_GROUP_wait() might return something (-1 for a NULL group). Wait on it for at most
 * QSSL_POLL_GROUP_get_timeout() (the group's timers), then call QSSL_POLL_GROUP_wait() with
 * a zero timeout.
 */
int QSSL_POLL_GROUP_get_fd(QSSL_POLL_GROUP *g);

/* How long until a timer of the group's connections is due, or infinite. */
int QSSL_POLL_GROUP_get_timeout(QSSL_POLL_GROUP *g, struct timeval *tv, int *is_infinite);

# ifdef __cplusplus
}
# endif

#endif
