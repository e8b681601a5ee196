/*
 * qssl: OpenSSL-compatible pem.h: the passphrase callback type, certificates and private keys
 * in PEM (not encrypted ones), and the PEM reasons. PEM reading and writing of SSL sessions is declared in ssl.h (as in OpenSSL)
 * and not supported: sessions stay in memory.
 */
#ifndef OPENSSL_PEM_H
# define OPENSSL_PEM_H
# pragma once

# include <openssl/bio.h>
# include <openssl/evp.h>
# include <openssl/x509.h>

# ifdef __cplusplus
extern "C" {
# endif

typedef int pem_password_cb (char *buf, int size, int rwflag, void *userdata);

# define PEM_R_BAD_BASE64_DECODE 100
# define PEM_R_BAD_END_LINE      102
# define PEM_R_NO_START_LINE     108

X509 *PEM_read_bio_X509(BIO *out, X509 **x, pem_password_cb *cb, void *u);
int PEM_write_bio_X509(BIO *out, const X509 *x);
EVP_PKEY *PEM_read_bio_PrivateKey(BIO *out, EVP_PKEY **x, pem_password_cb *cb, void *u);

# ifdef __cplusplus
}
# endif

#endif
