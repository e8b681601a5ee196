/* qssl: OpenSSL-compatible x509_vfy.h: verify result codes and their strings. */
#ifndef OPENSSL_X509_VFY_H
# define OPENSSL_X509_VFY_H
# pragma once

# include <openssl/safestack.h>

# ifdef __cplusplus
extern "C" {
# endif

typedef struct x509_st X509;
typedef struct x509_store_ctx_st X509_STORE_CTX;
DEFINE_STACK_OF(X509)

# define X509_V_OK                                       0
# define X509_V_ERR_UNSPECIFIED                          1
# define X509_V_ERR_UNABLE_TO_GET_CRL                    3
# define X509_V_ERR_CERT_SIGNATURE_FAILURE               7
# define X509_V_ERR_CERT_NOT_YET_VALID                   9
# define X509_V_ERR_CERT_HAS_EXPIRED                     10
# define X509_V_ERR_CRL_HAS_EXPIRED                      12
# define X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT          18
# define X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN            19
# define X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY    20
# define X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE      21
# define X509_V_ERR_CERT_CHAIN_TOO_LONG                  22
# define X509_V_ERR_CERT_REVOKED                         23
# define X509_V_ERR_INVALID_PURPOSE                      26
# define X509_V_ERR_CERT_REJECTED                        28
# define X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION         34
# define X509_V_ERR_APPLICATION_VERIFICATION             50
# define X509_V_ERR_HOSTNAME_MISMATCH                    62
# define X509_V_ERR_IP_ADDRESS_MISMATCH                  64

const char *X509_verify_cert_error_string(long n);

/* What a verify callback is told at each step of the chain walk. */
void *X509_STORE_CTX_get_ex_data(const X509_STORE_CTX *ctx, int idx);
int X509_STORE_CTX_get_error(const X509_STORE_CTX *ctx);
void X509_STORE_CTX_set_error(X509_STORE_CTX *ctx, int s);
int X509_STORE_CTX_get_error_depth(const X509_STORE_CTX *ctx);
X509 *X509_STORE_CTX_get_current_cert(const X509_STORE_CTX *ctx);
X509 *X509_STORE_CTX_get0_cert(const X509_STORE_CTX *ctx);
STACK_OF(X509) *X509_STORE_CTX_get0_chain(const X509_STORE_CTX *ctx);
STACK_OF(X509) *X509_STORE_CTX_get1_chain(const X509_STORE_CTX *ctx);

# ifdef __cplusplus
}
# endif

#endif
