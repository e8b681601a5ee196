/*
 * qssl: OpenSSL-compatible ssl.h. This part declares the methods and contexts; the SSL
 * object functions follow as they are implemented.
 */
#ifndef OPENSSL_SSL_H
# define OPENSSL_SSL_H
# pragma once

# include <stdint.h>
# include <stddef.h>
# include <openssl/crypto.h>
# include <openssl/err.h>
# include <openssl/x509.h>
# include <openssl/tls1.h>

# ifdef __cplusplus
extern "C" {
# endif

typedef struct ssl_method_st SSL_METHOD;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

# define SSL_FILETYPE_ASN1      2
# define SSL_FILETYPE_PEM       1

# define SSL_VERIFY_NONE                 0x00
# define SSL_VERIFY_PEER                 0x01
# define SSL_VERIFY_FAIL_IF_NO_PEER_CERT 0x02
# define SSL_VERIFY_CLIENT_ONCE          0x04
# define SSL_VERIFY_POST_HANDSHAKE       0x08

# define SSL_OP_BIT(n)  ((uint64_t)1 << (uint64_t)n)
# define SSL_OP_IGNORE_UNEXPECTED_EOF       SSL_OP_BIT(7)
# define SSL_OP_NO_TICKET                   SSL_OP_BIT(14)
# define SSL_OP_CIPHER_SERVER_PREFERENCE    SSL_OP_BIT(22)
# define SSL_OP_NO_RENEGOTIATION            SSL_OP_BIT(30)
# define SSL_OP_ALL                         ((uint64_t)0x80000850)

# define SSL_MODE_ENABLE_PARTIAL_WRITE       0x00000001U
# define SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER 0x00000002U
# define SSL_MODE_AUTO_RETRY                 0x00000004U

# define SSL_SESS_CACHE_OFF                  0x0000
# define SSL_SESS_CACHE_CLIENT               0x0001
# define SSL_SESS_CACHE_SERVER               0x0002
# define SSL_SESS_CACHE_BOTH                 (SSL_SESS_CACHE_CLIENT|SSL_SESS_CACHE_SERVER)

# define OPENSSL_NPN_UNSUPPORTED 0
# define OPENSSL_NPN_NEGOTIATED  1
# define OPENSSL_NPN_NO_OVERLAP  2

# define SSL_TLSEXT_ERR_OK               0
# define SSL_TLSEXT_ERR_ALERT_WARNING    1
# define SSL_TLSEXT_ERR_ALERT_FATAL      2
# define SSL_TLSEXT_ERR_NOACK            3

# define SSL_CTRL_SET_SESS_CACHE_SIZE    42
# define SSL_CTRL_SET_SESS_CACHE_MODE    44
# define SSL_CTRL_GET_SESS_CACHE_MODE    45
# define SSL_CTRL_MODE                   33
# define SSL_CTRL_CLEAR_MODE             78
# define SSL_CTRL_SET_MIN_PROTO_VERSION  123
# define SSL_CTRL_SET_MAX_PROTO_VERSION  124
# define SSL_CTRL_GET_MIN_PROTO_VERSION  130
# define SSL_CTRL_GET_MAX_PROTO_VERSION  131

const SSL_METHOD *TLS_method(void);
const SSL_METHOD *TLS_server_method(void);
const SSL_METHOD *TLS_client_method(void);

SSL_CTX *SSL_CTX_new(const SSL_METHOD *meth);
int SSL_CTX_up_ref(SSL_CTX *ctx);
void SSL_CTX_free(SSL_CTX *ctx);
const SSL_METHOD *SSL_CTX_get_ssl_method(const SSL_CTX *ctx);
long SSL_CTX_ctrl(SSL_CTX *ctx, int cmd, long larg, void *parg);

int SSL_CTX_use_certificate_chain_file(SSL_CTX *ctx, const char *file);
int SSL_CTX_use_certificate_file(SSL_CTX *ctx, const char *file, int type);
int SSL_CTX_use_PrivateKey_file(SSL_CTX *ctx, const char *file, int type);
int SSL_CTX_check_private_key(const SSL_CTX *ctx);
int SSL_CTX_load_verify_locations(SSL_CTX *ctx, const char *CAfile, const char *CApath);
int SSL_CTX_load_verify_file(SSL_CTX *ctx, const char *CAfile);
int SSL_CTX_load_verify_dir(SSL_CTX *ctx, const char *CApath);
int SSL_CTX_set_default_verify_paths(SSL_CTX *ctx);

typedef int (*SSL_verify_cb)(int preverify_ok, X509_STORE_CTX *x509_ctx);
void SSL_CTX_set_verify(SSL_CTX *ctx, int mode, SSL_verify_cb callback);
int SSL_CTX_get_verify_mode(const SSL_CTX *ctx);

int SSL_CTX_set_alpn_protos(SSL_CTX *ctx, const unsigned char *protos, unsigned int protos_len);
int SSL_select_next_proto(unsigned char **out, unsigned char *outlen,
                          const unsigned char *server, unsigned int server_len,
                          const unsigned char *client, unsigned int client_len);
int SSL_CTX_set_ciphersuites(SSL_CTX *ctx, const char *str);
int SSL_CTX_set_cipher_list(SSL_CTX *ctx, const char *str);
uint64_t SSL_CTX_set_options(SSL_CTX *ctx, uint64_t op);
uint64_t SSL_CTX_clear_options(SSL_CTX *ctx, uint64_t op);
uint64_t SSL_CTX_get_options(const SSL_CTX *ctx);

# define SSL_CTX_set_mode(ctx,op) SSL_CTX_ctrl((ctx),SSL_CTRL_MODE,(op),NULL)
# define SSL_CTX_clear_mode(ctx,op) SSL_CTX_ctrl((ctx),SSL_CTRL_CLEAR_MODE,(op),NULL)
# define SSL_CTX_get_mode(ctx) SSL_CTX_ctrl((ctx),SSL_CTRL_MODE,0,NULL)
# define SSL_CTX_set_session_cache_mode(ctx,m) \
        SSL_CTX_ctrl(ctx,SSL_CTRL_SET_SESS_CACHE_MODE,m,NULL)
# define SSL_CTX_get_session_cache_mode(ctx) \
        SSL_CTX_ctrl(ctx,SSL_CTRL_GET_SESS_CACHE_MODE,0,NULL)
# define SSL_CTX_sess_set_cache_size(ctx,t) \
        SSL_CTX_ctrl(ctx,SSL_CTRL_SET_SESS_CACHE_SIZE,t,NULL)
# define SSL_CTX_set_min_proto_version(ctx, version) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, version, NULL)
# define SSL_CTX_set_max_proto_version(ctx, version) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, version, NULL)
# define SSL_CTX_get_min_proto_version(ctx) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MIN_PROTO_VERSION, 0, NULL)
# define SSL_CTX_get_max_proto_version(ctx) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MAX_PROTO_VERSION, 0, NULL)

# ifdef __cplusplus
}
# endif

# include <openssl/quic.h>

#endif
