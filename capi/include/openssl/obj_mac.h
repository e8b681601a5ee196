/* qssl: OpenSSL-compatible obj_mac.h: the NIDs of the name attributes qssl knows. */
#ifndef OPENSSL_OBJ_MAC_H
# define OPENSSL_OBJ_MAC_H
# pragma once

# define NID_undef                  0
# define NID_commonName             13
# define NID_countryName            14
# define NID_localityName           15
# define NID_stateOrProvinceName    16
# define NID_organizationName       17
# define NID_organizationalUnitName 18
# define NID_pkcs9_emailAddress     48
# define NID_givenName              99
# define NID_surname                100
# define NID_initials               101
# define NID_serialNumber           105
# define NID_title                  106
# define NID_description            107
# define NID_name                   173
# define NID_dnQualifier            174
# define NID_domainComponent        391
# define NID_userId                 458
# define NID_pseudonym              510
# define NID_streetAddress          660
# define NID_postalCode             661
# define NID_businessCategory       860

/* Key exchange groups. */
# define NID_X9_62_prime256v1       415
# define NID_secp384r1              715
# define NID_secp521r1              716
# define NID_X25519                 1034
# define NID_X448                   1035
# define NID_ffdhe2048              1126
# define NID_ffdhe3072              1127
# define NID_ffdhe4096              1128
# define NID_ffdhe6144              1129
# define NID_ffdhe8192              1130

/* Cipher suites' parts (SSL_CIPHER_get_*_nid). */
# define NID_aes_128_gcm            895
# define NID_aes_256_gcm            901
# define NID_chacha20_poly1305      1018
# define NID_kx_ecdhe               1038
# define NID_kx_any                 1063
# define NID_auth_rsa               1046
# define NID_auth_ecdsa             1047
# define NID_auth_any               1064

#endif
