/*
 * qssl: OpenSSL-compatible tls1.h: protocol versions, the SNI name type, alert numbers and the
 * certificate status macros (OCSP status requests fail with ERR_R_UNSUPPORTED).
 */
#ifndef OPENSSL_TLS1_H
# define OPENSSL_TLS1_H
# pragma once

# define TLS1_VERSION                    0x0301
# define TLS1_1_VERSION                  0x0302
# define TLS1_2_VERSION                  0x0303
# define TLS1_3_VERSION                  0x0304
# define TLS_MAX_VERSION                 TLS1_3_VERSION
/* prov_ssl.h's in OpenSSL, which ssl.h includes. */
# define OSSL_QUIC1_VERSION              0x0000001
# define TLS1_AD_UNRECOGNIZED_NAME       112
# define TLSEXT_NAMETYPE_host_name       0
# define TLSEXT_STATUSTYPE_ocsp          1
# define TLSEXT_nid_unknown              0x1000000

# define SSL_set_tlsext_status_type(ssl, type) \
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE, type, NULL)
# define SSL_get_tlsext_status_type(ssl) \
        SSL_ctrl(ssl, SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE, 0, NULL)
# define SSL_CTX_set_tlsext_status_type(ssl, type) \
        SSL_CTX_ctrl(ssl, SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE, type, NULL)
# define SSL_CTX_get_tlsext_status_type(ssl) \
        SSL_CTX_ctrl(ssl, SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE, 0, NULL)

#endif
