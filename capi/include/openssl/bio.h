/*
 * qssl: OpenSSL-compatible bio.h. So far: addresses, lookups and the raw socket helpers;
 * the BIO objects follow as they are implemented.
 */
#ifndef OPENSSL_BIO_H
# define OPENSSL_BIO_H
# pragma once

# include <stddef.h>
# include <stdint.h>
# include <openssl/crypto.h>

# ifdef __cplusplus
extern "C" {
# endif

typedef union bio_addr_st BIO_ADDR;
typedef struct bio_addrinfo_st BIO_ADDRINFO;

# define BIO_NOCLOSE            0x00
# define BIO_CLOSE              0x01

# define BIO_SOCK_REUSEADDR     0x01
# define BIO_SOCK_V6_ONLY       0x02
# define BIO_SOCK_KEEPALIVE     0x04
# define BIO_SOCK_NONBLOCK      0x08
# define BIO_SOCK_NODELAY       0x10
# define BIO_SOCK_TFO           0x20

# define BIO_FAMILY_IPV4        4
# define BIO_FAMILY_IPV6        6
# define BIO_FAMILY_IPANY       256

enum BIO_lookup_type {
    BIO_LOOKUP_CLIENT, BIO_LOOKUP_SERVER
};

BIO_ADDR *BIO_ADDR_new(void);
int BIO_ADDR_copy(BIO_ADDR *dst, const BIO_ADDR *src);
BIO_ADDR *BIO_ADDR_dup(const BIO_ADDR *ap);
int BIO_ADDR_rawmake(BIO_ADDR *ap, int family, const void *where, size_t wherelen,
                     unsigned short port);
void BIO_ADDR_free(BIO_ADDR *ap);
void BIO_ADDR_clear(BIO_ADDR *ap);
int BIO_ADDR_family(const BIO_ADDR *ap);
int BIO_ADDR_rawaddress(const BIO_ADDR *ap, void *p, size_t *l);
unsigned short BIO_ADDR_rawport(const BIO_ADDR *ap);
char *BIO_ADDR_hostname_string(const BIO_ADDR *ap, int numeric);
char *BIO_ADDR_service_string(const BIO_ADDR *ap, int numeric);

const BIO_ADDRINFO *BIO_ADDRINFO_next(const BIO_ADDRINFO *bai);
int BIO_ADDRINFO_family(const BIO_ADDRINFO *bai);
int BIO_ADDRINFO_socktype(const BIO_ADDRINFO *bai);
int BIO_ADDRINFO_protocol(const BIO_ADDRINFO *bai);
const BIO_ADDR *BIO_ADDRINFO_address(const BIO_ADDRINFO *bai);
void BIO_ADDRINFO_free(BIO_ADDRINFO *bai);

int BIO_lookup(const char *host, const char *service, enum BIO_lookup_type lookup_type,
               int family, int socktype, BIO_ADDRINFO **res);
int BIO_lookup_ex(const char *host, const char *service, int lookup_type, int family,
                  int socktype, int protocol, BIO_ADDRINFO **res);

int BIO_socket(int domain, int socktype, int protocol, int options);
int BIO_connect(int sock, const BIO_ADDR *addr, int options);
int BIO_bind(int sock, const BIO_ADDR *addr, int options);
int BIO_listen(int sock, const BIO_ADDR *addr, int options);
int BIO_closesocket(int sock);
int BIO_socket_nbio(int fd, int mode);

# ifdef __cplusplus
}
# endif

#endif
