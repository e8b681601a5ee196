/*
 * What the guide-style QUIC programs share: a connected non-blocking UDP socket, and the
 * wait of a non-blocking program (select() on SSL_get_fd with SSL_get_event_timeout).
 */
#ifndef QSSL_TEST_QUIC_IO_H
# define QSSL_TEST_QUIC_IO_H

# include <sys/select.h>
# include <sys/socket.h>

# include <openssl/bio.h>
# include <openssl/ssl.h>

/* Makes a connected, non-blocking UDP socket to host:port and records the peer's address;
 * -1 on failure. */
static inline int create_socket(const char *host, const char *port, BIO_ADDR **peer)
{
    BIO_ADDRINFO *res;
    const BIO_ADDRINFO *ai;
    int sock = -1;

    if (!BIO_lookup_ex(host, port, BIO_LOOKUP_CLIENT, AF_UNSPEC, SOCK_DGRAM, 0, &res))
        return -1;
    for (ai = res; ai != NULL; ai = BIO_ADDRINFO_next(ai)) {
        sock = BIO_socket(BIO_ADDRINFO_family(ai), SOCK_DGRAM, 0, 0);
        if (sock == -1)
            continue;
        if (!BIO_connect(sock, BIO_ADDRINFO_address(ai), 0) || !BIO_socket_nbio(sock, 1)) {
            BIO_closesocket(sock);
            sock = -1;
            continue;
        }
        *peer = BIO_ADDR_dup(BIO_ADDRINFO_address(ai));
        break;
    }
    BIO_ADDRINFO_free(res);
    return sock;
}

/*
 * Waits until the object can make progress (non-blocking mode), or 100 ms at most when the
 * library names no deadline: OpenSSL 3.5 sometimes reports none (infinite, read desired)
 * while a non-blocking SSL_shutdown still waits to finish after the peer has gone, and
 * returns 1 from a later call without any datagram arriving.
 */
static inline void wait_for_activity(SSL *ssl)
{
    fd_set rfds, wfds;
    struct timeval tv;
    int fd = SSL_get_fd(ssl), infinite;

    FD_ZERO(&rfds);
    FD_ZERO(&wfds);
    if (SSL_net_write_desired(ssl))
        FD_SET(fd, &wfds);
    if (SSL_net_read_desired(ssl))
        FD_SET(fd, &rfds);
    if (!SSL_get_event_timeout(ssl, &tv, &infinite) || infinite) {
        tv.tv_sec = 0;
        tv.tv_usec = 100000;
    }
    select(fd + 1, &rfds, &wfds, NULL, &tv);
}

#endif
