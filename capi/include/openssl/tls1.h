/* qssl: OpenSSL-compatible tls1.h: protocol versions, the SNI name type and alert numbers. */
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

#endif
