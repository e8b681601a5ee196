/*
 * qssl: OpenSSL-compatible pem.h: the passphrase callback type. PEM reading and writing of
 * SSL sessions is declared in ssl.h (as in OpenSSL) and not supported: sessions stay in
 * memory.
 */
#ifndef OPENSSL_PEM_H
# define OPENSSL_PEM_H
# pragma once

# include <openssl/bio.h>

# ifdef __cplusplus
extern "C" {
# endif

typedef int pem_password_cb (char *buf, int size, int rwflag, void *userdata);

# ifdef __cplusplus
}
# endif

#endif
