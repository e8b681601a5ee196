/* qssl: OpenSSL-compatible tls1.h: protocol versions and the SNI name type. */
#ifndef OPENSSL_TLS1_H
# define OPENSSL_TLS1_H
# pragma once

# define TLS1_VERSION                    0x0301
# define TLS1_1_VERSION                  0x0302
# define TLS1_2_VERSION                  0x0303
# define TLS1_3_VERSION                  0x0304
# define TLS_MAX_VERSION                 TLS1_3_VERSION
# define TLSEXT_NAMETYPE_host_name       0

#endif
