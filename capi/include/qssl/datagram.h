/*
 * qssl's unreliable datagrams (RFC 9221 DATAGRAM frames) on QUIC connections.
 *
 * OpenSSL has no such calls: these are qssl's own, with a QSSL_ prefix no OpenSSL name will
 * ever take, exported by libssl.so.3 under the symbol version QSSL_1.0.0. They follow
 * OpenSSL's conventions: 1 for success, 0 for failure with the reason on the error queue and
 * SSL_get_error() telling a retry (SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE) from an error.
 *
 * Both sides must offer DATAGRAM frames for a side to send them. A datagram goes in one
 * packet or not at all, is never sent again, and may arrive out of order or not at all.
 */
#ifndef QSSL_DATAGRAM_H
# define QSSL_DATAGRAM_H
# pragma once

# include <stddef.h>
# include <stdint.h>
# include <openssl/ssl.h>

# ifdef __cplusplus
extern "C" {
# endif

/* What became of a connection's datagrams. */
typedef struct qssl_datagram_stats_st {
    uint64_t sent;          /* put in packets */
    uint64_t acked;         /* of those, in packets the peer acknowledged */
    uint64_t lost;          /* of those, in packets declared lost (never sent again) */
    uint64_t send_dropped;  /* queued, dropped unsent (too large for the path, or closed) */
    uint64_t received;      /* received */
    uint64_t recv_dropped;  /* received, dropped unread: the receive queue was full */
} QSSL_DATAGRAM_STATS;

/*
 * Offer DATAGRAM frames of up to max bytes (type and length fields included; 0: none, the
 * default) on the connections made from ctx, on one connection before it starts, or on the
 * connections a listener accepts from now on.
 */
int QSSL_CTX_set_max_datagram_frame_size(SSL_CTX *ctx, uint64_t max);
int QSSL_set_max_datagram_frame_size(SSL *ssl, uint64_t max);

/*
 * Queue len bytes as one datagram on ssl's connection, starting the connection and waiting
 * for its handshake (blocking mode) as SSL_write() does. Fails with ERR_R_UNSUPPORTED when
 * the peer did not offer DATAGRAM frames, SSL_R_DATA_LENGTH_TOO_LONG above
 * QSSL_get_datagram_max_size(), and SSL_ERROR_WANT_WRITE while the send queue is full.
 */
int QSSL_write_datagram(SSL *ssl, const void *buf, size_t len);

/*
 * Read the oldest datagram received into buf, its length in *readbytes. SSL_ERROR_WANT_READ
 * when none is there (blocking mode waits); SSL_R_BAD_LENGTH when len is too short (the
 * datagram stays queued: QSSL_get_datagram_pending() tells its length).
 */
int QSSL_read_datagram(SSL *ssl, void *buf, size_t len, size_t *readbytes);

/* The largest datagram QSSL_write_datagram() takes now; 0 when none can be sent. */
size_t QSSL_get_datagram_max_size(const SSL *ssl);

/* 1 with the next datagram's length in *len (datagrams may be empty), 0 when none waits. */
int QSSL_get_datagram_pending(const SSL *ssl, size_t *len);

/* Fill *stats; stats_len is sizeof(QSSL_DATAGRAM_STATS). */
int QSSL_get_datagram_stats(const SSL *ssl, QSSL_DATAGRAM_STATS *stats, size_t stats_len);

# ifdef __cplusplus
}
# endif

#endif
