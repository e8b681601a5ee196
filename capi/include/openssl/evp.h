/*
 * qssl: OpenSSL-compatible evp.h: private keys (EVP_PKEY), as PEM_read_bio_PrivateKey reads
 * them and SSL_CTX_use_PrivateKey takes them; their type. Nothing else of the EVP API.
 */
#ifndef OPENSSL_EVP_H
# define OPENSSL_EVP_H
# pragma once

# ifdef __cplusplus
extern "C" {
# endif

typedef struct evp_pkey_st EVP_PKEY;
/* Named in callback types only (SSL_CTX_set_tlsext_ticket_key_evp_cb). */
typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_mac_ctx_st EVP_MAC_CTX;

# define EVP_PKEY_RSA       6
# define EVP_PKEY_EC        408
# define EVP_PKEY_ED25519   1087

int EVP_PKEY_up_ref(EVP_PKEY *pkey);
void EVP_PKEY_free(EVP_PKEY *pkey);
int EVP_PKEY_get_id(const EVP_PKEY *pkey);
int EVP_PKEY_get_base_id(const EVP_PKEY *pkey);
# define EVP_PKEY_id EVP_PKEY_get_id
# define EVP_PKEY_base_id EVP_PKEY_get_base_id

# ifdef __cplusplus
}
# endif

#endif
