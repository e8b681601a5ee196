/*
 * qssl: OpenSSL-compatible ssl.h: methods, contexts, TLS and QUIC objects, network BIOs,
 * and the QUIC object model (listeners, streams, events, polling, shutdown, values).
 */
#ifndef OPENSSL_SSL_H
# define OPENSSL_SSL_H
# pragma once

# include <stdint.h>
# include <stddef.h>
# include <sys/types.h>
# include <sys/time.h>
# include <openssl/crypto.h>
# include <openssl/bio.h>
# include <openssl/pem.h>
# include <openssl/core.h>
# include <openssl/lhash.h>
# include <openssl/err.h>
# include <openssl/sslerr.h>
# include <openssl/evp.h>
# include <openssl/x509.h>
# include <openssl/tls1.h>

# ifdef __cplusplus
extern "C" {
# endif

/* Library initialisation: nothing to set up in qssl, so these only answer 1. */
# define OPENSSL_INIT_NO_LOAD_SSL_STRINGS    0x00100000L
# define OPENSSL_INIT_LOAD_SSL_STRINGS       0x00200000L
# define OPENSSL_INIT_SSL_DEFAULT \
        (OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS)
int OPENSSL_init_ssl(uint64_t opts, const OPENSSL_INIT_SETTINGS *settings);
# define SSL_library_init() OPENSSL_init_ssl(0, NULL)
# define SSL_load_error_strings() \
        OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL)
# define OpenSSL_add_ssl_algorithms() SSL_library_init()
# define SSLeay_add_ssl_algorithms() SSL_library_init()

typedef struct ssl_method_st SSL_METHOD;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct ssl_session_st SSL_SESSION;
typedef struct ssl_cipher_st SSL_CIPHER;

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
# define SSL_OP_SERVER_PREFERENCE           SSL_OP_CIPHER_SERVER_PREFERENCE
# define SSL_OP_NO_COMPRESSION              SSL_OP_BIT(17)
# define SSL_OP_ENABLE_MIDDLEBOX_COMPAT     SSL_OP_BIT(20)
# define SSL_OP_NO_RENEGOTIATION            SSL_OP_BIT(30)
# define SSL_OP_ALL                         ((uint64_t)0x80000850)

# define SSL_MODE_ENABLE_PARTIAL_WRITE       0x00000001U
# define SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER 0x00000002U
# define SSL_MODE_AUTO_RETRY                 0x00000004U

# define SSL_SESS_CACHE_OFF                  0x0000
# define SSL_SESS_CACHE_CLIENT               0x0001
# define SSL_SESS_CACHE_SERVER               0x0002
# define SSL_SESS_CACHE_BOTH                 (SSL_SESS_CACHE_CLIENT|SSL_SESS_CACHE_SERVER)
# define SSL_SESS_CACHE_NO_AUTO_CLEAR        0x0080
# define SSL_SESS_CACHE_NO_INTERNAL_LOOKUP   0x0100
# define SSL_SESS_CACHE_NO_INTERNAL_STORE    0x0200
# define SSL_SESS_CACHE_NO_INTERNAL \
        (SSL_SESS_CACHE_NO_INTERNAL_LOOKUP|SSL_SESS_CACHE_NO_INTERNAL_STORE)
# define SSL_SESS_CACHE_UPDATE_TIME          0x0400

# define OPENSSL_NPN_UNSUPPORTED 0
# define OPENSSL_NPN_NEGOTIATED  1
# define OPENSSL_NPN_NO_OVERLAP  2

/* A received alert n is reported as reason SSL_AD_REASON_OFFSET + n. */
# define SSL_AD_REASON_OFFSET            1000
# define SSL_AD_UNRECOGNIZED_NAME        TLS1_AD_UNRECOGNIZED_NAME
# define SSL_TLSEXT_ERR_OK               0
# define SSL_TLSEXT_ERR_ALERT_WARNING    1
# define SSL_TLSEXT_ERR_ALERT_FATAL      2
# define SSL_TLSEXT_ERR_NOACK            3

# define SSL_CTRL_SET_SESS_CACHE_SIZE    42
# define SSL_CTRL_GET_SESS_CACHE_SIZE    43
# define SSL_CTRL_SET_SESS_CACHE_MODE    44
# define SSL_CTRL_GET_SESS_CACHE_MODE    45
# define SSL_CTRL_MODE                   33
# define SSL_CTRL_CLEAR_MODE             78
# define SSL_CTRL_EXTRA_CHAIN_CERT       14
# define SSL_CTRL_GET_READ_AHEAD         40
# define SSL_CTRL_SET_READ_AHEAD         41
# define SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE 65
# define SSL_CTRL_GET_EXTRA_CHAIN_CERTS  82
# define SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS 83
# define SSL_CTRL_CHAIN                  88
# define SSL_CTRL_CHAIN_CERT             89
# define SSL_CTRL_SET_GROUPS             91
# define SSL_CTRL_SET_GROUPS_LIST        92
# define SSL_CTRL_GET_CHAIN_CERTS        115
# define SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE 127
# define SSL_CTRL_GET_NEGOTIATED_GROUP   134
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
long SSL_CTX_callback_ctrl(SSL_CTX *ctx, int cmd, void (*fp) (void));

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
void SSL_CTX_set_verify_depth(SSL_CTX *ctx, int depth);
int SSL_CTX_get_verify_depth(const SSL_CTX *ctx);
X509_VERIFY_PARAM *SSL_CTX_get0_param(SSL_CTX *ctx);
X509_STORE *SSL_CTX_get_cert_store(const SSL_CTX *ctx);
void SSL_CTX_set_cert_store(SSL_CTX *ctx, X509_STORE *store);
void SSL_CTX_set1_cert_store(SSL_CTX *ctx, X509_STORE *store);
X509_VERIFY_PARAM *SSL_get0_param(SSL *ssl);
void SSL_set_verify(SSL *s, int mode, SSL_verify_cb callback);
void SSL_set_verify_depth(SSL *s, int depth);
int SSL_get_verify_mode(const SSL *s);
int SSL_get_verify_depth(const SSL *s);

int SSL_CTX_set_alpn_protos(SSL_CTX *ctx, const unsigned char *protos, unsigned int protos_len);
typedef int (*SSL_CTX_alpn_select_cb_func)(SSL *ssl, const unsigned char **out,
                                           unsigned char *outlen, const unsigned char *in,
                                           unsigned int inlen, void *arg);
void SSL_CTX_set_alpn_select_cb(SSL_CTX *ctx, SSL_CTX_alpn_select_cb_func cb, void *arg);
int SSL_select_next_proto(unsigned char **out, unsigned char *outlen,
                          const unsigned char *server, unsigned int server_len,
                          const unsigned char *client, unsigned int client_len);
int SSL_CTX_set_ciphersuites(SSL_CTX *ctx, const char *str);
int SSL_CTX_set_cipher_list(SSL_CTX *ctx, const char *str);
int SSL_set_ciphersuites(SSL *s, const char *str);
int SSL_set_cipher_list(SSL *s, const char *str);
uint64_t SSL_CTX_set_options(SSL_CTX *ctx, uint64_t op);
uint64_t SSL_CTX_clear_options(SSL_CTX *ctx, uint64_t op);
uint64_t SSL_CTX_get_options(const SSL_CTX *ctx);
long SSL_CTX_set_timeout(SSL_CTX *ctx, long t);
long SSL_CTX_get_timeout(const SSL_CTX *ctx);
# define SSL_MAX_SID_CTX_LENGTH 32
int SSL_CTX_set_session_id_context(SSL_CTX *ctx, const unsigned char *sid_ctx,
                                   unsigned int sid_ctx_len);

# define SSL_ERROR_NONE                  0
# define SSL_ERROR_SSL                   1
# define SSL_ERROR_WANT_READ             2
# define SSL_ERROR_WANT_WRITE            3
# define SSL_ERROR_WANT_X509_LOOKUP      4
# define SSL_ERROR_SYSCALL               5
# define SSL_ERROR_ZERO_RETURN           6
# define SSL_ERROR_WANT_CONNECT          7
# define SSL_ERROR_WANT_ACCEPT           8

# define SSL_CTRL_SET_TLSEXT_SERVERNAME_CB  53
# define SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG 54
# define SSL_CTRL_SET_TLSEXT_HOSTNAME    55

SSL *SSL_new(SSL_CTX *ctx);
int SSL_up_ref(SSL *s);
void SSL_free(SSL *ssl);
int SSL_set_fd(SSL *s, int fd);
void SSL_set_connect_state(SSL *s);
void SSL_set_accept_state(SSL *s);
int SSL_connect(SSL *ssl);
int SSL_accept(SSL *ssl);
int SSL_do_handshake(SSL *s);
int SSL_read(SSL *ssl, void *buf, int num);
int SSL_read_ex(SSL *ssl, void *buf, size_t num, size_t *readbytes);
int SSL_peek(SSL *ssl, void *buf, int num);
int SSL_peek_ex(SSL *ssl, void *buf, size_t num, size_t *readbytes);
int SSL_write(SSL *ssl, const void *buf, int num);
int SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written);
int SSL_shutdown(SSL *s);
int SSL_get_error(const SSL *s, int ret_code);
long SSL_ctrl(SSL *ssl, int cmd, long larg, void *parg);
long SSL_callback_ctrl(SSL *s, int cmd, void (*fp) (void));
int SSL_in_before(const SSL *s);
const SSL_CIPHER *SSL_get_current_cipher(const SSL *s);
const char *SSL_CIPHER_get_name(const SSL_CIPHER *c);
# define SSL_get_cipher(s) SSL_CIPHER_get_name(SSL_get_current_cipher(s))
# define SSL_get_cipher_name(s) SSL_CIPHER_get_name(SSL_get_current_cipher(s))
typedef void (*SSL_CTX_keylog_cb_func)(const SSL *ssl, const char *line);
void SSL_CTX_set_keylog_callback(SSL_CTX *ctx, SSL_CTX_keylog_cb_func cb);
int SSL_set1_host(SSL *s, const char *hostname);
int SSL_add1_host(SSL *s, const char *hostname);
int SSL_is_server(const SSL *s);
void SSL_set_hostflags(SSL *s, unsigned int flags);
int SSL_set_alpn_protos(SSL *ssl, const unsigned char *protos, unsigned int protos_len);
void SSL_get0_alpn_selected(const SSL *ssl, const unsigned char **data, unsigned int *len);
/* OpenSSL 4.0 */
void SSL_CTX_get0_alpn_protos(SSL_CTX *ctx, const unsigned char **protos,
                              unsigned int *protos_len);
void SSL_get0_alpn_protos(SSL *ssl, const unsigned char **protos, unsigned int *protos_len);
long SSL_get_verify_result(const SSL *ssl);
X509 *SSL_get0_peer_certificate(const SSL *s);
X509 *SSL_get1_peer_certificate(const SSL *s);
# define SSL_get_peer_certificate SSL_get1_peer_certificate
STACK_OF(X509) *SSL_get_peer_cert_chain(const SSL *s);
STACK_OF(X509) *SSL_get0_verified_chain(const SSL *s);

/* Application data on SSL objects and contexts; index 0 is the "app data". */
int SSL_set_ex_data(SSL *ssl, int idx, void *data);
void *SSL_get_ex_data(const SSL *ssl, int idx);
int SSL_CTX_set_ex_data(SSL_CTX *ssl, int idx, void *data);
void *SSL_CTX_get_ex_data(const SSL_CTX *ssl, int idx);
int SSL_get_ex_data_X509_STORE_CTX_idx(void);
# define SSL_get_ex_new_index(l, p, newf, dupf, freef) \
        CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, l, p, newf, dupf, freef)
# define SSL_CTX_get_ex_new_index(l, p, newf, dupf, freef) \
        CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, l, p, newf, dupf, freef)
# define SSL_set_app_data(s, arg) (SSL_set_ex_data(s, 0, (char *)(arg)))
# define SSL_get_app_data(s) (SSL_get_ex_data(s, 0))
# define SSL_CTX_set_app_data(ctx, arg) (SSL_CTX_set_ex_data(ctx, 0, (char *)(arg)))
# define SSL_CTX_get_app_data(ctx) (SSL_CTX_get_ex_data(ctx, 0))
const char *SSL_get_version(const SSL *s);
int SSL_version(const SSL *ssl);
int SSL_pending(const SSL *s);
int SSL_has_pending(const SSL *s);
int SSL_is_init_finished(const SSL *s);

SSL_SESSION *SSL_get1_session(SSL *ssl);
SSL_SESSION *SSL_get_session(const SSL *ssl);
# define SSL_get0_session SSL_get_session
int SSL_set_session(SSL *to, SSL_SESSION *session);
int SSL_session_reused(const SSL *s);
int SSL_SESSION_up_ref(SSL_SESSION *ses);
void SSL_SESSION_free(SSL_SESSION *ses);
int SSL_SESSION_is_resumable(const SSL_SESSION *s);
long SSL_SESSION_get_time(const SSL_SESSION *s);
void SSL_CTX_sess_set_new_cb(SSL_CTX *ctx, int (*new_session_cb) (SSL *, SSL_SESSION *));
SSL_SESSION *PEM_read_bio_SSL_SESSION(BIO *out, SSL_SESSION **x, pem_password_cb *cb, void *u);
int PEM_write_bio_SSL_SESSION(BIO *out, const SSL_SESSION *x);
int i2d_SSL_SESSION(const SSL_SESSION *in, unsigned char **pp);
SSL_SESSION *d2i_SSL_SESSION(SSL_SESSION **a, const unsigned char **pp, long length);

void SSL_set_bio(SSL *s, BIO *rbio, BIO *wbio);
const BIO_METHOD *BIO_f_ssl(void);
BIO *BIO_new_ssl(SSL_CTX *ctx, int client);
BIO *BIO_new_ssl_connect(SSL_CTX *ctx);
void SSL_set0_rbio(SSL *s, BIO *rbio);
void SSL_set0_wbio(SSL *s, BIO *wbio);
BIO *SSL_get_rbio(const SSL *s);
BIO *SSL_get_wbio(const SSL *s);
int SSL_get_fd(const SSL *s);
int SSL_get_rfd(const SSL *s);
int SSL_get_wfd(const SSL *s);
SSL_CTX *SSL_get_SSL_CTX(const SSL *ssl);
SSL_CTX *SSL_set_SSL_CTX(SSL *ssl, SSL_CTX *ctx);
const char *SSL_get_servername(const SSL *s, const int type);
int SSL_get_servername_type(const SSL *s);
# define SSL_CTX_set_tlsext_servername_callback(ctx, cb) \
        SSL_CTX_callback_ctrl(ctx, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB, (void (*)(void))cb)
# define SSL_CTX_set_tlsext_servername_arg(ctx, arg) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG, 0, arg)

/* QUIC support */
# define SSL_STREAM_TYPE_NONE        0
# define SSL_STREAM_TYPE_READ        (1U << 0)
# define SSL_STREAM_TYPE_WRITE       (1U << 1)
# define SSL_STREAM_TYPE_BIDI        (SSL_STREAM_TYPE_READ | SSL_STREAM_TYPE_WRITE)

# define SSL_STREAM_STATE_NONE           0
# define SSL_STREAM_STATE_OK             1
# define SSL_STREAM_STATE_WRONG_DIR      2
# define SSL_STREAM_STATE_FINISHED       3
# define SSL_STREAM_STATE_RESET_LOCAL    4
# define SSL_STREAM_STATE_RESET_REMOTE   5
# define SSL_STREAM_STATE_CONN_CLOSED    6

# define SSL_STREAM_FLAG_UNI         (1U << 0)
# define SSL_STREAM_FLAG_NO_BLOCK    (1U << 1)
# define SSL_STREAM_FLAG_ADVANCE     (1U << 2)

# define SSL_ACCEPT_STREAM_NO_BLOCK      (1U << 0)
# define SSL_ACCEPT_CONNECTION_NO_BLOCK  (1UL << 0)
# define SSL_LISTENER_FLAG_NO_VALIDATE   (1UL << 1)

# define SSL_INCOMING_STREAM_POLICY_AUTO     0
# define SSL_INCOMING_STREAM_POLICY_ACCEPT   1
# define SSL_INCOMING_STREAM_POLICY_REJECT   2

# define SSL_DEFAULT_STREAM_MODE_NONE        0
# define SSL_DEFAULT_STREAM_MODE_AUTO_BIDI   1
# define SSL_DEFAULT_STREAM_MODE_AUTO_UNI    2

# define SSL_WRITE_FLAG_CONCLUDE     (1U << 0)

# define SSL_SHUTDOWN_FLAG_RAPID             (1U << 0)
# define SSL_SHUTDOWN_FLAG_NO_STREAM_FLUSH   (1U << 1)
# define SSL_SHUTDOWN_FLAG_NO_BLOCK          (1U << 2)
# define SSL_SHUTDOWN_FLAG_WAIT_PEER         (1U << 3)

# define SSL_CONN_CLOSE_FLAG_LOCAL       (1U << 0)
# define SSL_CONN_CLOSE_FLAG_TRANSPORT   (1U << 1)

# define SSL_DOMAIN_FLAG_SINGLE_THREAD   (1U << 0)
# define SSL_DOMAIN_FLAG_MULTI_THREAD    (1U << 1)
# define SSL_DOMAIN_FLAG_THREAD_ASSISTED (1U << 2)
# define SSL_DOMAIN_FLAG_BLOCKING        (1U << 3)
# define SSL_DOMAIN_FLAG_LEGACY_BLOCKING (1U << 4)

typedef struct ssl_shutdown_ex_args_st {
    uint64_t quic_error_code;
    const char *quic_reason;
} SSL_SHUTDOWN_EX_ARGS;

typedef struct ssl_stream_reset_args_st {
    uint64_t quic_error_code;
} SSL_STREAM_RESET_ARGS;

typedef struct ssl_conn_close_info_st {
    uint64_t error_code, frame_type;
    const char *reason;
    size_t reason_len;
    uint32_t flags;
} SSL_CONN_CLOSE_INFO;

int SSL_handle_events(SSL *s);
int SSL_get_event_timeout(SSL *s, struct timeval *tv, int *is_infinite);
int SSL_get_rpoll_descriptor(SSL *s, BIO_POLL_DESCRIPTOR *desc);
int SSL_get_wpoll_descriptor(SSL *s, BIO_POLL_DESCRIPTOR *desc);
int SSL_net_read_desired(SSL *s);
int SSL_net_write_desired(SSL *s);
int SSL_set_blocking_mode(SSL *s, int blocking);
int SSL_get_blocking_mode(SSL *s);
int SSL_set1_initial_peer_addr(SSL *s, const BIO_ADDR *peer_addr);
/* OpenSSL 4.0 */
int SSL_get_peer_addr(SSL *ssl, BIO_ADDR *peer_addr);
SSL *SSL_get0_connection(SSL *s);
int SSL_is_connection(SSL *s);
int SSL_is_listener(SSL *ssl);
SSL *SSL_get0_listener(SSL *s);
SSL *SSL_new_listener(SSL_CTX *ctx, uint64_t flags);
SSL *SSL_new_listener_from(SSL *ssl, uint64_t flags);
SSL *SSL_new_from_listener(SSL *ssl, uint64_t flags);
SSL *SSL_accept_connection(SSL *ssl, uint64_t flags);
size_t SSL_get_accept_connection_queue_len(SSL *ssl);
int SSL_listen(SSL *ssl);
/* OpenSSL 4.0 */
int SSL_listen_ex(SSL *listener, SSL *new_conn);
int SSL_is_domain(SSL *s);
SSL *SSL_get0_domain(SSL *s);
SSL *SSL_new_domain(SSL_CTX *ctx, uint64_t flags);
int SSL_CTX_set_domain_flags(SSL_CTX *ctx, uint64_t domain_flags);
int SSL_CTX_get_domain_flags(const SSL_CTX *ctx, uint64_t *domain_flags);
int SSL_get_domain_flags(const SSL *ssl, uint64_t *domain_flags);
typedef int (*SSL_new_pending_conn_cb_fn)(SSL_CTX *ctx, SSL *new_ssl, void *arg);
void SSL_CTX_set_new_pending_conn_cb(SSL_CTX *c, SSL_new_pending_conn_cb_fn cb, void *arg);
int SSL_set_quic_tls_cbs(SSL *s, const OSSL_DISPATCH *qtdis, void *arg);
int SSL_set_quic_tls_transport_params(SSL *s, const unsigned char *params, size_t params_len);
int SSL_set_quic_tls_early_data_enabled(SSL *s, int enabled);
int SSL_get_stream_type(SSL *s);
uint64_t SSL_get_stream_id(SSL *s);
int SSL_is_stream_local(SSL *s);
int SSL_set_default_stream_mode(SSL *s, uint32_t mode);
SSL *SSL_new_stream(SSL *s, uint64_t flags);
int SSL_set_incoming_stream_policy(SSL *s, int policy, uint64_t aec);
SSL *SSL_accept_stream(SSL *s, uint64_t flags);
size_t SSL_get_accept_stream_queue_len(SSL *s);
int SSL_stream_conclude(SSL *s, uint64_t flags);
int SSL_stream_reset(SSL *s, const SSL_STREAM_RESET_ARGS *args, size_t args_len);
int SSL_get_stream_read_state(SSL *ssl);
int SSL_get_stream_write_state(SSL *ssl);
int SSL_get_stream_read_error_code(SSL *ssl, uint64_t *app_error_code);
int SSL_get_stream_write_error_code(SSL *ssl, uint64_t *app_error_code);
int SSL_write_ex2(SSL *s, const void *buf, size_t num, uint64_t flags, size_t *written);
int SSL_shutdown_ex(SSL *ssl, uint64_t flags, const SSL_SHUTDOWN_EX_ARGS *args,
                    size_t args_len);
int SSL_get_conn_close_info(SSL *ssl, SSL_CONN_CLOSE_INFO *info, size_t info_len);
int SSL_is_quic(const SSL *s);
/* OpenSSL 4.0 */
int SSL_CTX_is_quic(const SSL_CTX *c);
int SSL_CTX_is_server(const SSL_CTX *c);
# ifndef OPENSSL_NO_QUIC
int SSL_inject_net_dgram(SSL *s, const unsigned char *buf, size_t buf_len,
                         const BIO_ADDR *peer, const BIO_ADDR *local);
# endif

# define SSL_POLL_EVENT_NONE     0
# define SSL_POLL_EVENT_F        (1U << 0)
# define SSL_POLL_EVENT_EL       (1U << 1)
# define SSL_POLL_EVENT_EC       (1U << 2)
# define SSL_POLL_EVENT_ECD      (1U << 3)
# define SSL_POLL_EVENT_ER       (1U << 4)
# define SSL_POLL_EVENT_EW       (1U << 5)
# define SSL_POLL_EVENT_R        (1U << 6)
# define SSL_POLL_EVENT_W        (1U << 7)
# define SSL_POLL_EVENT_IC       (1U << 8)
# define SSL_POLL_EVENT_ISB      (1U << 9)
# define SSL_POLL_EVENT_ISU      (1U << 10)
# define SSL_POLL_EVENT_OSB      (1U << 11)
# define SSL_POLL_EVENT_OSU      (1U << 12)
# define SSL_POLL_EVENT_RW       (SSL_POLL_EVENT_R | SSL_POLL_EVENT_W)
# define SSL_POLL_EVENT_RE       (SSL_POLL_EVENT_R | SSL_POLL_EVENT_ER)
# define SSL_POLL_EVENT_WE       (SSL_POLL_EVENT_W | SSL_POLL_EVENT_EW)
# define SSL_POLL_EVENT_RWE      (SSL_POLL_EVENT_RE | SSL_POLL_EVENT_WE)
# define SSL_POLL_EVENT_E        (SSL_POLL_EVENT_EL | SSL_POLL_EVENT_EC \
                                  | SSL_POLL_EVENT_ER | SSL_POLL_EVENT_EW)
# define SSL_POLL_EVENT_IS       (SSL_POLL_EVENT_ISB | SSL_POLL_EVENT_ISU)
# define SSL_POLL_EVENT_ISE      (SSL_POLL_EVENT_IS | SSL_POLL_EVENT_EC)
# define SSL_POLL_EVENT_I        (SSL_POLL_EVENT_IS | SSL_POLL_EVENT_IC)
# define SSL_POLL_EVENT_OS       (SSL_POLL_EVENT_OSB | SSL_POLL_EVENT_OSU)
# define SSL_POLL_EVENT_OSE      (SSL_POLL_EVENT_OS | SSL_POLL_EVENT_EC)

typedef struct ssl_poll_item_st {
    BIO_POLL_DESCRIPTOR desc;
    uint64_t events, revents;
} SSL_POLL_ITEM;

# define SSL_POLL_FLAG_NO_HANDLE_EVENTS  (1U << 0)

int SSL_poll(SSL_POLL_ITEM *items, size_t num_items, size_t stride,
             const struct timeval *timeout, uint64_t flags, size_t *result_count);

static inline BIO_POLL_DESCRIPTOR SSL_as_poll_descriptor(SSL *s)
{
    BIO_POLL_DESCRIPTOR d;

    d.type      = BIO_POLL_DESCRIPTOR_TYPE_SSL;
    d.value.ssl = s;

    return d;
}

# define SSL_VALUE_CLASS_GENERIC                 0
# define SSL_VALUE_CLASS_FEATURE_REQUEST         1
# define SSL_VALUE_CLASS_FEATURE_PEER_REQUEST    2
# define SSL_VALUE_CLASS_FEATURE_NEGOTIATED      3

# define SSL_VALUE_NONE                          0
# define SSL_VALUE_QUIC_STREAM_BIDI_LOCAL_AVAIL  1
# define SSL_VALUE_QUIC_STREAM_BIDI_REMOTE_AVAIL 2
# define SSL_VALUE_QUIC_STREAM_UNI_LOCAL_AVAIL   3
# define SSL_VALUE_QUIC_STREAM_UNI_REMOTE_AVAIL  4
# define SSL_VALUE_QUIC_IDLE_TIMEOUT             5
# define SSL_VALUE_EVENT_HANDLING_MODE           6
# define SSL_VALUE_STREAM_WRITE_BUF_SIZE         7
# define SSL_VALUE_STREAM_WRITE_BUF_USED         8
# define SSL_VALUE_STREAM_WRITE_BUF_AVAIL        9

# define SSL_VALUE_EVENT_HANDLING_MODE_INHERIT   0
# define SSL_VALUE_EVENT_HANDLING_MODE_IMPLICIT  1
# define SSL_VALUE_EVENT_HANDLING_MODE_EXPLICIT  2

int SSL_get_value_uint(SSL *s, uint32_t class_, uint32_t id, uint64_t *v);
int SSL_set_value_uint(SSL *s, uint32_t class_, uint32_t id, uint64_t v);

# define SSL_get_generic_value_uint(ssl, id, v) \
    SSL_get_value_uint((ssl), SSL_VALUE_CLASS_GENERIC, (id), (v))
# define SSL_set_generic_value_uint(ssl, id, v) \
    SSL_set_value_uint((ssl), SSL_VALUE_CLASS_GENERIC, (id), (v))
# define SSL_get_feature_request_uint(ssl, id, v) \
    SSL_get_value_uint((ssl), SSL_VALUE_CLASS_FEATURE_REQUEST, (id), (v))
# define SSL_set_feature_request_uint(ssl, id, v) \
    SSL_set_value_uint((ssl), SSL_VALUE_CLASS_FEATURE_REQUEST, (id), (v))
# define SSL_get_feature_peer_request_uint(ssl, id, v) \
    SSL_get_value_uint((ssl), SSL_VALUE_CLASS_FEATURE_PEER_REQUEST, (id), (v))
# define SSL_get_feature_negotiated_uint(ssl, id, v) \
    SSL_get_value_uint((ssl), SSL_VALUE_CLASS_FEATURE_NEGOTIATED, (id), (v))
# define SSL_get_quic_stream_bidi_local_avail(ssl, value) \
    SSL_get_generic_value_uint((ssl), SSL_VALUE_QUIC_STREAM_BIDI_LOCAL_AVAIL, (value))
# define SSL_get_quic_stream_bidi_remote_avail(ssl, value) \
    SSL_get_generic_value_uint((ssl), SSL_VALUE_QUIC_STREAM_BIDI_REMOTE_AVAIL, (value))
# define SSL_get_quic_stream_uni_local_avail(ssl, value) \
    SSL_get_generic_value_uint((ssl), SSL_VALUE_QUIC_STREAM_UNI_LOCAL_AVAIL, (value))
# define SSL_get_quic_stream_uni_remote_avail(ssl, value) \
    SSL_get_generic_value_uint((ssl), SSL_VALUE_QUIC_STREAM_UNI_REMOTE_AVAIL, (value))
# define SSL_get_event_handling_mode(ssl, value) \
    SSL_get_generic_value_uint((ssl), SSL_VALUE_EVENT_HANDLING_MODE, (value))
# define SSL_set_event_handling_mode(ssl, value) \
    SSL_set_generic_value_uint((ssl), SSL_VALUE_EVENT_HANDLING_MODE, (value))
# define SSL_get_stream_write_buf_size(ssl, value) \
    SSL_get_generic_value_uint((ssl), SSL_VALUE_STREAM_WRITE_BUF_SIZE, (value))
# define SSL_get_stream_write_buf_used(ssl, value) \
    SSL_get_generic_value_uint((ssl), SSL_VALUE_STREAM_WRITE_BUF_USED, (value))
# define SSL_get_stream_write_buf_avail(ssl, value) \
    SSL_get_generic_value_uint((ssl), SSL_VALUE_STREAM_WRITE_BUF_AVAIL, (value))

# define SSL_set_mode(ssl,op) SSL_ctrl((ssl),SSL_CTRL_MODE,(op),NULL)
# define SSL_clear_mode(ssl,op) SSL_ctrl((ssl),SSL_CTRL_CLEAR_MODE,(op),NULL)
# define SSL_get_mode(ssl) SSL_ctrl((ssl),SSL_CTRL_MODE,0,NULL)
# define SSL_set_tlsext_host_name(s,name) \
        SSL_ctrl(s,SSL_CTRL_SET_TLSEXT_HOSTNAME,TLSEXT_NAMETYPE_host_name,(void *)name)

# define SSL_CTX_set_mode(ctx,op) SSL_CTX_ctrl((ctx),SSL_CTRL_MODE,(op),NULL)
# define SSL_CTX_clear_mode(ctx,op) SSL_CTX_ctrl((ctx),SSL_CTRL_CLEAR_MODE,(op),NULL)
# define SSL_CTX_get_mode(ctx) SSL_CTX_ctrl((ctx),SSL_CTRL_MODE,0,NULL)
# define SSL_CTX_set_session_cache_mode(ctx,m) \
        SSL_CTX_ctrl(ctx,SSL_CTRL_SET_SESS_CACHE_MODE,m,NULL)
# define SSL_CTX_get_session_cache_mode(ctx) \
        SSL_CTX_ctrl(ctx,SSL_CTRL_GET_SESS_CACHE_MODE,0,NULL)
# define SSL_SESSION_CACHE_MAX_SIZE_DEFAULT (1024 * 20)
# define SSL_CTX_sess_set_cache_size(ctx,t) \
        SSL_CTX_ctrl(ctx,SSL_CTRL_SET_SESS_CACHE_SIZE,t,NULL)
# define SSL_CTX_sess_get_cache_size(ctx) \
        SSL_CTX_ctrl(ctx,SSL_CTRL_GET_SESS_CACHE_SIZE,0,NULL)
# define SSL_CTX_set_min_proto_version(ctx, version) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, version, NULL)
# define SSL_CTX_set_max_proto_version(ctx, version) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, version, NULL)
# define SSL_CTX_get_min_proto_version(ctx) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MIN_PROTO_VERSION, 0, NULL)
# define SSL_CTX_get_max_proto_version(ctx) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MAX_PROTO_VERSION, 0, NULL)

/* Options, shutdown flags, quiet shutdown and read-ahead (which has no effect in qssl). */
uint64_t SSL_get_options(const SSL *s);
uint64_t SSL_set_options(SSL *s, uint64_t op);
uint64_t SSL_clear_options(SSL *s, uint64_t op);
# define SSL_SENT_SHUTDOWN       1
# define SSL_RECEIVED_SHUTDOWN   2
void SSL_set_shutdown(SSL *ssl, int mode);
int SSL_get_shutdown(const SSL *ssl);
void SSL_CTX_set_quiet_shutdown(SSL_CTX *ctx, int mode);
int SSL_CTX_get_quiet_shutdown(const SSL_CTX *ctx);
void SSL_set_quiet_shutdown(SSL *ssl, int mode);
int SSL_get_quiet_shutdown(const SSL *ssl);
void SSL_set_read_ahead(SSL *s, int yes);
int SSL_get_read_ahead(const SSL *s);
# define SSL_CTX_get_read_ahead(ctx) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_GET_READ_AHEAD, 0, NULL)
# define SSL_CTX_set_read_ahead(ctx, m) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_READ_AHEAD, m, NULL)
int SSL_clear(SSL *s);
int SSL_in_init(const SSL *s);

/* Handshake states (what qssl can tell of them) and the info callback. */
typedef enum {
    TLS_ST_BEFORE,
    TLS_ST_OK,
    DTLS_ST_CR_HELLO_VERIFY_REQUEST,
    TLS_ST_CR_SRVR_HELLO,
    TLS_ST_CR_CERT,
    TLS_ST_CR_COMP_CERT,
    TLS_ST_CR_CERT_STATUS,
    TLS_ST_CR_KEY_EXCH,
    TLS_ST_CR_CERT_REQ,
    TLS_ST_CR_SRVR_DONE,
    TLS_ST_CR_SESSION_TICKET,
    TLS_ST_CR_CHANGE,
    TLS_ST_CR_FINISHED,
    TLS_ST_CW_CLNT_HELLO,
    TLS_ST_CW_CERT,
    TLS_ST_CW_COMP_CERT,
    TLS_ST_CW_KEY_EXCH,
    TLS_ST_CW_CERT_VRFY,
    TLS_ST_CW_CHANGE,
    TLS_ST_CW_NEXT_PROTO,
    TLS_ST_CW_FINISHED,
    TLS_ST_SW_HELLO_REQ,
    TLS_ST_SR_CLNT_HELLO,
    DTLS_ST_SW_HELLO_VERIFY_REQUEST,
    TLS_ST_SW_SRVR_HELLO,
    TLS_ST_SW_CERT,
    TLS_ST_SW_COMP_CERT,
    TLS_ST_SW_KEY_EXCH,
    TLS_ST_SW_CERT_REQ,
    TLS_ST_SW_SRVR_DONE,
    TLS_ST_SR_CERT,
    TLS_ST_SR_COMP_CERT,
    TLS_ST_SR_KEY_EXCH,
    TLS_ST_SR_CERT_VRFY,
    TLS_ST_SR_NEXT_PROTO,
    TLS_ST_SR_CHANGE,
    TLS_ST_SR_FINISHED,
    TLS_ST_SW_SESSION_TICKET,
    TLS_ST_SW_CERT_STATUS,
    TLS_ST_SW_CHANGE,
    TLS_ST_SW_FINISHED,
    TLS_ST_SW_ENCRYPTED_EXTENSIONS,
    TLS_ST_CR_ENCRYPTED_EXTENSIONS,
    TLS_ST_CR_CERT_VRFY,
    TLS_ST_SW_CERT_VRFY,
    TLS_ST_CR_HELLO_REQ,
    TLS_ST_SW_KEY_UPDATE,
    TLS_ST_CW_KEY_UPDATE,
    TLS_ST_SR_KEY_UPDATE,
    TLS_ST_CR_KEY_UPDATE,
    TLS_ST_EARLY_DATA,
    TLS_ST_PENDING_EARLY_DATA_END,
    TLS_ST_CW_END_OF_EARLY_DATA,
    TLS_ST_SR_END_OF_EARLY_DATA
} OSSL_HANDSHAKE_STATE;

# define SSL_ST_CONNECT                  0x1000
# define SSL_ST_ACCEPT                   0x2000
# define SSL_ST_MASK                     0x0FFF
# define SSL_CB_LOOP                     0x01
# define SSL_CB_EXIT                     0x02
# define SSL_CB_READ                     0x04
# define SSL_CB_WRITE                    0x08
# define SSL_CB_ALERT                    0x4000
# define SSL_CB_READ_ALERT               (SSL_CB_ALERT|SSL_CB_READ)
# define SSL_CB_WRITE_ALERT              (SSL_CB_ALERT|SSL_CB_WRITE)
# define SSL_CB_ACCEPT_LOOP              (SSL_ST_ACCEPT|SSL_CB_LOOP)
# define SSL_CB_ACCEPT_EXIT              (SSL_ST_ACCEPT|SSL_CB_EXIT)
# define SSL_CB_CONNECT_LOOP             (SSL_ST_CONNECT|SSL_CB_LOOP)
# define SSL_CB_CONNECT_EXIT             (SSL_ST_CONNECT|SSL_CB_EXIT)
# define SSL_CB_HANDSHAKE_START          0x10
# define SSL_CB_HANDSHAKE_DONE           0x20

OSSL_HANDSHAKE_STATE SSL_get_state(const SSL *ssl);
const char *SSL_state_string(const SSL *s);
const char *SSL_state_string_long(const SSL *s);
void SSL_CTX_set_info_callback(SSL_CTX *ctx, void (*cb) (const SSL *ssl, int type, int val));
void (*SSL_CTX_get_info_callback(SSL_CTX *ctx)) (const SSL *ssl, int type, int val);
void SSL_set_info_callback(SSL *ssl, void (*cb) (const SSL *ssl, int type, int val));
void (*SSL_get_info_callback(const SSL *ssl)) (const SSL *ssl, int type, int val);
const char *SSL_alert_type_string_long(int value);
const char *SSL_alert_type_string(int value);
const char *SSL_alert_desc_string_long(int value);
const char *SSL_alert_desc_string(int value);

/* Cipher suites. */
const SSL_CIPHER *SSL_CIPHER_find(SSL *ssl, const unsigned char *ptr);
uint32_t SSL_CIPHER_get_id(const SSL_CIPHER *c);
uint16_t SSL_CIPHER_get_protocol_id(const SSL_CIPHER *c);
const char *SSL_CIPHER_standard_name(const SSL_CIPHER *c);
int SSL_CIPHER_get_bits(const SSL_CIPHER *c, int *alg_bits);
const char *SSL_CIPHER_get_version(const SSL_CIPHER *c);
char *SSL_CIPHER_description(const SSL_CIPHER *cipher, char *buf, int size);
int SSL_CIPHER_is_aead(const SSL_CIPHER *c);
int SSL_CIPHER_get_cipher_nid(const SSL_CIPHER *c);
int SSL_CIPHER_get_digest_nid(const SSL_CIPHER *c);
int SSL_CIPHER_get_kx_nid(const SSL_CIPHER *c);
int SSL_CIPHER_get_auth_nid(const SSL_CIPHER *c);

/* The hellos' randoms, as they went over the wire. */
size_t SSL_get_client_random(const SSL *ssl, unsigned char *out, size_t outlen);
size_t SSL_get_server_random(const SSL *ssl, unsigned char *out, size_t outlen);

/* Key exchange groups. */
# define SSL_CTX_set1_groups(ctx, glist, glistlen) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_GROUPS, glistlen, (int *)(glist))
# define SSL_CTX_set1_groups_list(ctx, s) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_GROUPS_LIST, 0, (char *)(s))
# define SSL_set1_groups(s, glist, glistlen) \
        SSL_ctrl(s, SSL_CTRL_SET_GROUPS, glistlen, (char *)(glist))
# define SSL_set1_groups_list(s, str) \
        SSL_ctrl(s, SSL_CTRL_SET_GROUPS_LIST, 0, (char *)(str))
# define SSL_get_negotiated_group(s) \
        SSL_ctrl(s, SSL_CTRL_GET_NEGOTIATED_GROUP, 0, NULL)
# define SSL_CTX_set1_curves SSL_CTX_set1_groups
# define SSL_CTX_set1_curves_list SSL_CTX_set1_groups_list
# define SSL_set1_curves SSL_set1_groups
# define SSL_set1_curves_list SSL_set1_groups_list

/* Certificates, keys and chains as objects. */
int SSL_CTX_use_certificate(SSL_CTX *ctx, X509 *x);
int SSL_CTX_use_PrivateKey(SSL_CTX *ctx, EVP_PKEY *pkey);
X509 *SSL_CTX_get0_certificate(const SSL_CTX *ctx);
EVP_PKEY *SSL_CTX_get0_privatekey(const SSL_CTX *ctx);
X509 *SSL_get_certificate(const SSL *ssl);
EVP_PKEY *SSL_get_privatekey(const SSL *ssl);
int SSL_use_certificate(SSL *ssl, X509 *x);
int SSL_use_PrivateKey(SSL *ssl, EVP_PKEY *pkey);
# define SSL_CTX_add_extra_chain_cert(ctx, x509) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_EXTRA_CHAIN_CERT, 0, (char *)(x509))
# define SSL_CTX_get_extra_chain_certs(ctx, px509) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_GET_EXTRA_CHAIN_CERTS, 0, px509)
# define SSL_CTX_get_extra_chain_certs_only(ctx, px509) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_GET_EXTRA_CHAIN_CERTS, 1, px509)
# define SSL_CTX_clear_extra_chain_certs(ctx) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS, 0, NULL)
# define SSL_CTX_set0_chain(ctx, sk) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_CHAIN, 0, (char *)(sk))
# define SSL_CTX_set1_chain(ctx, sk) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_CHAIN, 1, (char *)(sk))
# define SSL_CTX_add0_chain_cert(ctx, x509) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_CHAIN_CERT, 0, (char *)(x509))
# define SSL_CTX_add1_chain_cert(ctx, x509) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_CHAIN_CERT, 1, (char *)(x509))
# define SSL_CTX_get0_chain_certs(ctx, px509) \
        SSL_CTX_ctrl(ctx, SSL_CTRL_GET_CHAIN_CERTS, 0, px509)
# define SSL_CTX_clear_chain_certs(ctx) \
        SSL_CTX_set0_chain(ctx, NULL)

/* Configuration commands (see the README for the commands qssl takes). */
typedef struct ssl_conf_ctx_st SSL_CONF_CTX;
# define SSL_CONF_FLAG_CMDLINE           0x1
# define SSL_CONF_FLAG_FILE              0x2
# define SSL_CONF_FLAG_CLIENT            0x4
# define SSL_CONF_FLAG_SERVER            0x8
# define SSL_CONF_FLAG_SHOW_ERRORS       0x10
# define SSL_CONF_FLAG_CERTIFICATE       0x20
# define SSL_CONF_FLAG_REQUIRE_PRIVATE   0x40
# define SSL_CONF_TYPE_UNKNOWN           0x0
# define SSL_CONF_TYPE_STRING            0x1
# define SSL_CONF_TYPE_FILE              0x2
# define SSL_CONF_TYPE_DIR               0x3
# define SSL_CONF_TYPE_NONE              0x4
# define SSL_CONF_TYPE_STORE             0x5
SSL_CONF_CTX *SSL_CONF_CTX_new(void);
int SSL_CONF_CTX_finish(SSL_CONF_CTX *cctx);
void SSL_CONF_CTX_free(SSL_CONF_CTX *cctx);
unsigned int SSL_CONF_CTX_set_flags(SSL_CONF_CTX *cctx, unsigned int flags);
unsigned int SSL_CONF_CTX_clear_flags(SSL_CONF_CTX *cctx, unsigned int flags);
int SSL_CONF_CTX_set1_prefix(SSL_CONF_CTX *cctx, const char *pre);
void SSL_CONF_CTX_set_ssl(SSL_CONF_CTX *cctx, SSL *ssl);
void SSL_CONF_CTX_set_ssl_ctx(SSL_CONF_CTX *cctx, SSL_CTX *ctx);
int SSL_CONF_cmd(SSL_CONF_CTX *cctx, const char *cmd, const char *value);
int SSL_CONF_cmd_value_type(SSL_CONF_CTX *cctx, const char *cmd);

/* Client CA lists: the names a server sends with its certificate request. */
void SSL_CTX_set_client_CA_list(SSL_CTX *ctx, STACK_OF(X509_NAME) *name_list);
STACK_OF(X509_NAME) *SSL_CTX_get_client_CA_list(const SSL_CTX *s);
int SSL_CTX_add_client_CA(SSL_CTX *ctx, X509 *x);
void SSL_set_client_CA_list(SSL *s, STACK_OF(X509_NAME) *name_list);
STACK_OF(X509_NAME) *SSL_dup_CA_list(const STACK_OF(X509_NAME) *sk);
STACK_OF(X509_NAME) *SSL_load_client_CA_file(const char *file);

/* Sessions. */
const unsigned char *SSL_SESSION_get_id(const SSL_SESSION *s, unsigned int *len);
int SSL_SESSION_set1_id(SSL_SESSION *s, const unsigned char *sid, unsigned int sid_len);
int SSL_SESSION_set1_id_context(SSL_SESSION *s, const unsigned char *sid_ctx,
                                unsigned int sid_ctx_len);
long SSL_SESSION_get_timeout(const SSL_SESSION *s);
long SSL_SESSION_set_timeout(SSL_SESSION *s, long t);
long SSL_SESSION_set_time(SSL_SESSION *s, long t);
uint32_t SSL_SESSION_get_max_early_data(const SSL_SESSION *s);
size_t SSL_SESSION_get_master_key(const SSL_SESSION *sess, unsigned char *out, size_t outlen);
int SSL_CTX_remove_session(SSL_CTX *ctx, SSL_SESSION *session);
void SSL_CTX_sess_set_get_cb(SSL_CTX *ctx,
                             SSL_SESSION *(*get_session_cb) (struct ssl_st *ssl,
                                                             const unsigned char *data,
                                                             int len, int *copy));
void SSL_CTX_sess_set_remove_cb(SSL_CTX *ctx,
                                void (*remove_session_cb) (struct ssl_ctx_st *ctx,
                                                           SSL_SESSION *sess));

/* Early data: qssl's TLS objects neither send nor accept it. */
# define SSL_EARLY_DATA_NOT_SENT     0
# define SSL_EARLY_DATA_REJECTED     1
# define SSL_EARLY_DATA_ACCEPTED     2
# define SSL_READ_EARLY_DATA_ERROR   0
# define SSL_READ_EARLY_DATA_SUCCESS 1
# define SSL_READ_EARLY_DATA_FINISH  2
int SSL_CTX_set_max_early_data(SSL_CTX *ctx, uint32_t max_early_data);
uint32_t SSL_CTX_get_max_early_data(const SSL_CTX *ctx);
int SSL_set_max_early_data(SSL *s, uint32_t max_early_data);
uint32_t SSL_get_max_early_data(const SSL *s);
int SSL_read_early_data(SSL *s, void *buf, size_t num, size_t *readbytes);
int SSL_write_early_data(SSL *s, const void *buf, size_t num, size_t *written);
int SSL_get_early_data_status(const SSL *s);

/* Renegotiation (never done), asynchronous jobs (none), kernel TLS (not used). */
# define SSL_KEY_UPDATE_NONE             -1
# define SSL_KEY_UPDATE_NOT_REQUESTED     0
# define SSL_KEY_UPDATE_REQUESTED         1
int SSL_key_update(SSL *s, int updatetype);
int SSL_get_key_update_type(const SSL *s);
int SSL_renegotiate(SSL *s);
int SSL_renegotiate_abbreviated(SSL *s);
int SSL_renegotiate_pending(const SSL *s);
# ifndef OSSL_ASYNC_FD
#  define OSSL_ASYNC_FD int
# endif
int SSL_waiting_for_async(SSL *s);
int SSL_get_all_async_fds(SSL *s, OSSL_ASYNC_FD *fds, size_t *numfds);
int SSL_get_changed_async_fds(SSL *s, OSSL_ASYNC_FD *addfd, size_t *numaddfds,
                              OSSL_ASYNC_FD *delfd, size_t *numdelfds);
ossl_ssize_t SSL_sendfile(SSL *s, int fd, off_t offset, size_t size, int flags);

/* Callbacks and settings kept for their getters. */
SSL_verify_cb SSL_CTX_get_verify_callback(const SSL_CTX *ctx);
void SSL_CTX_set_default_passwd_cb(SSL_CTX *ctx, pem_password_cb *cb);
void SSL_CTX_set_default_passwd_cb_userdata(SSL_CTX *ctx, void *u);
pem_password_cb *SSL_CTX_get_default_passwd_cb(SSL_CTX *ctx);
void *SSL_CTX_get_default_passwd_cb_userdata(SSL_CTX *ctx);

/*
 * What rustls cannot do: these fail with ERR_R_UNSUPPORTED (a setter refuses a callback;
 * a null one is accepted). See the README.
 */
void SSL_CTX_set_msg_callback(SSL_CTX *ctx,
                              void (*cb) (int write_p, int version, int content_type,
                                          const void *buf, size_t len, SSL *ssl, void *arg));
void SSL_set_msg_callback(SSL *ssl,
                          void (*cb) (int write_p, int version, int content_type,
                                      const void *buf, size_t len, SSL *ssl, void *arg));
typedef int (*SSL_CTX_npn_advertised_cb_func)(SSL *ssl, const unsigned char **out,
                                              unsigned int *outlen, void *arg);
void SSL_CTX_set_next_protos_advertised_cb(SSL_CTX *s, SSL_CTX_npn_advertised_cb_func cb,
                                           void *arg);
typedef int (*SSL_CTX_npn_select_cb_func)(SSL *s, unsigned char **out, unsigned char *outlen,
                                          const unsigned char *in, unsigned int inlen,
                                          void *arg);
void SSL_CTX_set_next_proto_select_cb(SSL_CTX *s, SSL_CTX_npn_select_cb_func cb, void *arg);
void SSL_get0_next_proto_negotiated(const SSL *s, const unsigned char **data, unsigned *len);
typedef int (*custom_ext_add_cb)(SSL *s, unsigned int ext_type, const unsigned char **out,
                                 size_t *outlen, int *al, void *add_arg);
typedef void (*custom_ext_free_cb)(SSL *s, unsigned int ext_type, const unsigned char *out,
                                   void *add_arg);
typedef int (*custom_ext_parse_cb)(SSL *s, unsigned int ext_type, const unsigned char *in,
                                   size_t inlen, int *al, void *parse_arg);
typedef int (*SSL_custom_ext_add_cb_ex)(SSL *s, unsigned int ext_type, unsigned int context,
                                        const unsigned char **out, size_t *outlen, X509 *x,
                                        size_t chainidx, int *al, void *add_arg);
typedef void (*SSL_custom_ext_free_cb_ex)(SSL *s, unsigned int ext_type, unsigned int context,
                                          const unsigned char *out, void *add_arg);
typedef int (*SSL_custom_ext_parse_cb_ex)(SSL *s, unsigned int ext_type, unsigned int context,
                                          const unsigned char *in, size_t inlen, X509 *x,
                                          size_t chainidx, int *al, void *parse_arg);
# define SSL_EXT_CLIENT_HELLO                0x00080
# define SSL_EXT_TLS1_3_SERVER_HELLO         0x00200
int SSL_CTX_has_client_custom_ext(const SSL_CTX *ctx, unsigned int ext_type);
int SSL_CTX_add_client_custom_ext(SSL_CTX *ctx, unsigned int ext_type, custom_ext_add_cb add_cb,
                                  custom_ext_free_cb free_cb, void *add_arg,
                                  custom_ext_parse_cb parse_cb, void *parse_arg);
int SSL_CTX_add_server_custom_ext(SSL_CTX *ctx, unsigned int ext_type, custom_ext_add_cb add_cb,
                                  custom_ext_free_cb free_cb, void *add_arg,
                                  custom_ext_parse_cb parse_cb, void *parse_arg);
int SSL_CTX_add_custom_ext(SSL_CTX *ctx, unsigned int ext_type, unsigned int context,
                           SSL_custom_ext_add_cb_ex add_cb, SSL_custom_ext_free_cb_ex free_cb,
                           void *add_arg, SSL_custom_ext_parse_cb_ex parse_cb,
                           void *parse_arg);
int SSL_CTX_set0_tmp_dh_pkey(SSL_CTX *ctx, EVP_PKEY *dhpkey);
int SSL_CTX_set_tlsext_ticket_key_evp_cb(SSL_CTX *ctx,
                                         int (*fp)(SSL *, unsigned char *, unsigned char *,
                                                   EVP_CIPHER_CTX *, EVP_MAC_CTX *, int));
int SSL_CTX_set_srp_username(SSL_CTX *ctx, char *name);
int SSL_CTX_set_srp_password(SSL_CTX *ctx, char *password);
void SSL_CTX_set_post_handshake_auth(SSL_CTX *ctx, int val);
void SSL_set_post_handshake_auth(SSL *s, int val);
int SSL_verify_client_post_handshake(SSL *s);
# define SSL_CLIENT_HELLO_SUCCESS 1
# define SSL_CLIENT_HELLO_ERROR   0
# define SSL_CLIENT_HELLO_RETRY   (-1)
typedef int (*SSL_client_hello_cb_fn)(SSL *s, int *al, void *arg);
void SSL_CTX_set_client_hello_cb(SSL_CTX *c, SSL_client_hello_cb_fn cb, void *arg);
size_t SSL_client_hello_get0_ciphers(SSL *s, const unsigned char **out);
int SSL_client_hello_get0_ext(SSL *s, unsigned int type, const unsigned char **out,
                              size_t *outlen);
void SSL_CTX_set_cert_cb(SSL_CTX *c, int (*cb) (SSL *ssl, void *arg), void *arg);
size_t SSL_get_finished(const SSL *s, void *buf, size_t count);
size_t SSL_get_peer_finished(const SSL *s, void *buf, size_t count);
int SSL_get_peer_signature_type_nid(const SSL *s, int *pnid);

# ifdef __cplusplus
}
# endif

# include <openssl/quic.h>

#endif
