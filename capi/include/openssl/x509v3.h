/* qssl: OpenSSL-compatible x509v3.h: checking a certificate's host names and addresses; purposes. */
#ifndef OPENSSL_X509V3_H
# define OPENSSL_X509V3_H
# pragma once

# include <stddef.h>
# include <openssl/x509.h>

# ifdef __cplusplus
extern "C" {
# endif

# define X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT    0x1
# define X509_CHECK_FLAG_NO_WILDCARDS            0x2
# define X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS    0x4
# define X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS   0x8
# define X509_CHECK_FLAG_SINGLE_LABEL_SUBDOMAINS 0x10
# define X509_CHECK_FLAG_NEVER_CHECK_SUBJECT     0x20

# define X509_PURPOSE_SSL_CLIENT 1
# define X509_PURPOSE_SSL_SERVER 2
# define X509_PURPOSE_ANY        7

int X509_check_host(X509 *x, const char *chk, size_t chklen, unsigned int flags,
                    char **peername);
int X509_check_email(X509 *x, const char *chk, size_t chklen, unsigned int flags);
int X509_check_ip(X509 *x, const unsigned char *chk, size_t chklen, unsigned int flags);
int X509_check_ip_asc(X509 *x, const char *ipasc, unsigned int flags);

# ifdef __cplusplus
}
# endif

#endif
