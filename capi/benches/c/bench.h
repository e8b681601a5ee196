/*
 * What the benchmark programs share: a monotonic clock, dying with the error queue printed,
 * a server's ALPN choice, and reading a stream or connection to its end. A program defines
 * PROGRAM, its name for messages, before including this.
 */
#ifndef QSSL_BENCH_H
# define QSSL_BENCH_H

# include <stdio.h>
# include <stdlib.h>
# include <string.h>
# include <time.h>

# include <openssl/err.h>
# include <openssl/ssl.h>

/* Nanoseconds on the monotonic clock. */
static inline long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Reports what failed, with the error queue, and exits. */
static inline void die(const char *what)
{
    fprintf(stderr, PROGRAM ": %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* The server's ALPN callback: the protocol of `arg` (one length-prefixed name, as
 * SSL_set_alpn_protos takes it) if the client offers it, else a fatal alert. */
static inline int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                              const unsigned char *in, unsigned int inlen, void *arg)
{
    const unsigned char *ours = arg;

    (void)ssl;
    return SSL_select_next_proto((unsigned char **)out, outlen, ours,
                                 (unsigned int)strlen((const char *)ours), in, inlen)
            == OPENSSL_NPN_NEGOTIATED
        ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* Reads to the end (a QUIC stream's FIN, TLS's close_notify); returns the byte count. The
 * first cap bytes land in buf in order; later ones overwrite it (only counted). */
static inline size_t read_all(SSL *ssl, char *buf, size_t cap)
{
    size_t n, total = 0;

    for (;;) {
        char *dst = total < cap ? buf + total : buf;
        size_t room = total < cap ? cap - total : cap;

        if (SSL_read_ex(ssl, dst, room, &n)) {
            total += n;
            continue;
        }
        if (SSL_get_error(ssl, 0) == SSL_ERROR_ZERO_RETURN)
            return total;
        die("read");
    }
}

#endif
