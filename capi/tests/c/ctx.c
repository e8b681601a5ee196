/*
 * Contexts from C: methods, certificates and keys from files, trust roots, verify modes,
 * ALPN, version bounds through the ctrl macros, cipher settings, options, reference counts,
 * verify strings and SSL_select_next_proto. Prints what it sees: the output must be the same
 * on qssl and on OpenSSL 3.5.
 *
 * Usage: ctx <cert.pem> <key.pem> <other-key.pem>
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define SHOW(expr) printf("%-60s %ld\n", #expr, (long)(expr))

int main(int argc, char **argv)
{
    const unsigned char good_alpn[] = "\x02h2\x08http/1.1";
    const unsigned char bad_alpn[] = "\x05h2";
    const unsigned char server[] = "\x08http/1.1\x02h2";
    const unsigned char client[] = "\x02h2\x03foo";
    unsigned char *out = NULL;
    unsigned char outlen = 0;
    SSL_CTX *ctx, *other;
    unsigned long e;

    if (argc != 4)
        return 2;
    SHOW(SSL_CTX_new(NULL) == NULL);
    ERR_clear_error();

    ctx = SSL_CTX_new(TLS_server_method());
    SHOW(ctx != NULL);
    SHOW(SSL_CTX_get_ssl_method(ctx) == TLS_server_method());
    SHOW(SSL_CTX_use_certificate_chain_file(ctx, argv[1]));
    SHOW(SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM));
    SHOW(SSL_CTX_check_private_key(ctx));
    SHOW(SSL_CTX_use_certificate_chain_file(ctx, "/nonexistent/cert.pem"));
    e = ERR_peek_error();
    SHOW(ERR_GET_LIB(e));
    SHOW(ERR_GET_REASON(e));
    ERR_clear_error();

    other = SSL_CTX_new(TLS_server_method());
    SHOW(SSL_CTX_use_certificate_chain_file(other, argv[1]));
    SHOW(SSL_CTX_use_PrivateKey_file(other, argv[3], SSL_FILETYPE_PEM));
    SHOW(SSL_CTX_check_private_key(other));
    ERR_clear_error();
    SSL_CTX_free(other);

    SHOW(SSL_CTX_load_verify_locations(ctx, argv[1], NULL));
    SHOW(SSL_CTX_load_verify_locations(ctx, "/nonexistent/ca.pem", NULL));
    ERR_clear_error();
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SHOW(SSL_CTX_get_verify_mode(ctx));

    SHOW(SSL_CTX_set_alpn_protos(ctx, good_alpn, sizeof(good_alpn) - 1));
    SHOW(SSL_CTX_set_alpn_protos(ctx, bad_alpn, sizeof(bad_alpn) - 1));
    ERR_clear_error();

    SHOW(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION));
    SHOW(SSL_CTX_get_min_proto_version(ctx));
    SHOW(SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION));
    SHOW(SSL_CTX_get_max_proto_version(ctx));
    SHOW(SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF));
    SHOW(SSL_CTX_get_session_cache_mode(ctx));
    SHOW((SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET) & SSL_OP_NO_TICKET) != 0);
    SHOW((SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET) & SSL_OP_NO_TICKET) != 0);
    SHOW(SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY) & SSL_MODE_AUTO_RETRY);

    SHOW(SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"));
    SHOW(SSL_CTX_set_cipher_list(ctx, "NOT-A-CIPHER"));
    ERR_clear_error();
    SHOW(SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"));

    printf("verify 0: %s\n", X509_verify_cert_error_string(X509_V_OK));
    printf("verify 18: %s\n", X509_verify_cert_error_string(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT));
    printf("verify 20: %s\n", X509_verify_cert_error_string(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));
    printf("verify 62: %s\n", X509_verify_cert_error_string(X509_V_ERR_HOSTNAME_MISMATCH));

    SHOW(SSL_select_next_proto(&out, &outlen, server, sizeof(server) - 1, client, sizeof(client) - 1));
    printf("selected %.*s\n", outlen, out);

    SHOW(SSL_CTX_up_ref(ctx));
    SSL_CTX_free(ctx);
    SSL_CTX_free(ctx);
    SSL_CTX_free(NULL);
    SHOW(ERR_peek_error());
    return 0;
}
