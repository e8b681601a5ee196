/*
 * qssl's QUIC connection calls beyond OpenSSL's, with a QSSL_ prefix no OpenSSL name will
 * ever take, exported by libssl.so.3 under the symbol version QSSL_1.0.0. 1 for success, 0
 * for failure with the reason on the error queue.
 */
#ifndef QSSL_QUIC_H
# define QSSL_QUIC_H
# pragma once

# include <stdint.h>
# include <openssl/ssl.h>

# ifdef __cplusplus
extern "C" {
# endif

/*
 * Keep-alives: send a PING after ms milliseconds without an ack-eliciting packet (0: never,
 * the default), so an idle connection neither reaches its idle timeout nor loses its NAT
 * binding while it is driven (by the application's calls, a blocking call waiting on it, or
 * the assist thread). On the connections made from ctx; on one connection from now on; or
 * on the connections a listener accepts from now on.
 */
int QSSL_CTX_set_keep_alive(SSL_CTX *ctx, uint64_t ms);
int QSSL_set_keep_alive(SSL *ssl, uint64_t ms);

# ifdef __cplusplus
}
# endif

#endif
