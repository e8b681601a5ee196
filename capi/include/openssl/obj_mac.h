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

#endif
