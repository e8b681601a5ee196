/*
 * qssl's QUIC connection calls beyond OpenSSL's (keep-alives, versions), with a QSSL_ prefix no OpenSSL name will
 * ever take, exported by libssl.so.3 under the symbol version QSSL_1.0.0. 1 for success, 0
 * for failure with the reason on the error queue.
 */
#ifndef QSSL_QUIC_H
# define QSSL_QUIC_H
# pragma once

# include <stddef.h>
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

/* QUIC versions: 1 (RFC 9000) and 2 (RFC 9369). */
# define QSSL_QUIC_VERSION_1 0x00000001U
# define QSSL_QUIC_VERSION_2 0x6b3343cfU

/*
 * The QUIC versions connections made from ctx speak, by preference (count of them, no
 * repeats; by default 1 then 2): a client starts in the first and chooses among them after
 * Version Negotiation; a listener takes clients of these (others get Version Negotiation)
 * and switches a client to the first version it offers among them (compatible version
 * negotiation, RFC 9368).
 */
int QSSL_CTX_set_quic_versions(SSL_CTX *ctx, const uint32_t *versions, size_t count);

/*
 * Client connections made from ctx start in their first version and ask the server to
 * switch them to version (compatible version negotiation), to which their TLS keys are
 * committed: a server that does not switch ends the handshake with VERSION_NEGOTIATION_ERROR.
 * 0: no upgrade (the default). SSL_get_version() names the version in use ("QUICv2").
 */
int QSSL_CTX_set_quic_upgrade(SSL_CTX *ctx, uint32_t version);

# ifdef __cplusplus
}
# endif

#endif
