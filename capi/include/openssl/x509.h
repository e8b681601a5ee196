/* qssl: OpenSSL-compatible x509.h: the types and verify results SSL programs use. */
#ifndef OPENSSL_X509_H
# define OPENSSL_X509_H
# pragma once

# include <openssl/x509_vfy.h>

#endif
