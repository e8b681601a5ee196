/* qssl: OpenSSL-compatible x509.h: certificates, their names, and verify results. */
#ifndef OPENSSL_X509_H
# define OPENSSL_X509_H
# pragma once

# include <openssl/evp.h>
# include <openssl/x509_vfy.h>
# include <openssl/obj_mac.h>

# ifdef __cplusplus
extern "C" {
# endif

typedef struct X509_name_st X509_NAME;
DEFINE_STACK_OF(X509_NAME)

int X509_up_ref(X509 *x);
void X509_free(X509 *a);
X509_NAME *X509_get_subject_name(const X509 *a);
X509_NAME *X509_get_issuer_name(const X509 *a);
char *X509_NAME_oneline(const X509_NAME *a, char *buf, int size);
int X509_NAME_get_text_by_NID(const X509_NAME *name, int nid, char *buf, int len);
void X509_NAME_free(X509_NAME *a);
X509_NAME *X509_NAME_dup(const X509_NAME *a);
int i2d_X509(const X509 *a, unsigned char **out);
X509 *d2i_X509(X509 **a, const unsigned char **in, long len);

# ifdef __cplusplus
}
# endif

#endif
