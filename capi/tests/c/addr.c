/*
 * Addresses, lookups and raw sockets from C: BIO_ADDR from raw bytes, its parts and strings,
 * BIO_lookup_ex on numeric names, and a TCP connection made with BIO_socket,
 * BIO_listen and BIO_connect. The output must be the same on qssl and on OpenSSL 3.5.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#define SHOW(expr) printf("%-55s %ld\n", #expr, (long)(expr))

int main(void)
{
    struct in_addr lo = { htonl(INADDR_LOOPBACK) };
    struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT;
    BIO_ADDR *a = BIO_ADDR_new(), *b, *bound = BIO_ADDR_new();
    BIO_ADDRINFO *res = NULL;
    const BIO_ADDRINFO *ai;
    unsigned char raw[16];
    size_t rawlen = 0;
    char *host, *service;
    int listener, client;
    struct sockaddr_in sin;
    socklen_t slen = sizeof(sin);

    SHOW(BIO_ADDR_family(a) == AF_UNSPEC);
    SHOW(BIO_ADDR_rawmake(a, AF_INET, &lo, sizeof(lo), htons(4433)));
    SHOW(BIO_ADDR_family(a) == AF_INET);
    SHOW(ntohs(BIO_ADDR_rawport(a)));
    SHOW(BIO_ADDR_rawaddress(a, raw, &rawlen));
    SHOW(rawlen);
    SHOW(memcmp(raw, &lo, 4) == 0);
    host = BIO_ADDR_hostname_string(a, 1);
    service = BIO_ADDR_service_string(a, 1);
    printf("strings %s %s\n", host, service);
    OPENSSL_free(host);
    OPENSSL_free(service);
    b = BIO_ADDR_new();
    SHOW(BIO_ADDR_rawmake(b, AF_INET6, &lo6, sizeof(lo6), htons(443)));
    SHOW(BIO_ADDR_family(b) == AF_INET6);
    host = BIO_ADDR_hostname_string(b, 1);
    printf("v6 host %s\n", host);
    OPENSSL_free(host);
    BIO_ADDR_clear(b);
    SHOW(BIO_ADDR_family(b) == AF_UNSPEC);
    BIO_ADDR_free(b);

    SHOW(BIO_lookup_ex("127.0.0.1", "4433", BIO_LOOKUP_CLIENT, AF_INET, SOCK_STREAM, 0, &res));
    for (ai = res; ai != NULL; ai = BIO_ADDRINFO_next(ai)) {
        host = BIO_ADDR_hostname_string(BIO_ADDRINFO_address(ai), 1);
        printf("found family %d socktype %d host %s port %d\n", BIO_ADDRINFO_family(ai) == AF_INET,
               BIO_ADDRINFO_socktype(ai) == SOCK_STREAM, host,
               ntohs(BIO_ADDR_rawport(BIO_ADDRINFO_address(ai))));
        OPENSSL_free(host);
    }
    BIO_ADDRINFO_free(res);
    ERR_clear_error();

    listener = BIO_socket(AF_INET, SOCK_STREAM, 0, 0);
    SHOW(listener >= 0);
    SHOW(BIO_ADDR_rawmake(bound, AF_INET, &lo, sizeof(lo), 0));
    SHOW(BIO_listen(listener, bound, BIO_SOCK_REUSEADDR));
    getsockname(listener, (struct sockaddr *)&sin, &slen);
    SHOW(BIO_ADDR_rawmake(bound, AF_INET, &lo, sizeof(lo), sin.sin_port));
    client = BIO_socket(AF_INET, SOCK_STREAM, 0, 0);
    SHOW(BIO_connect(client, bound, BIO_SOCK_NODELAY));
    SHOW(BIO_socket_nbio(client, 1));
    SHOW(BIO_closesocket(client));
    SHOW(BIO_closesocket(listener));
    SHOW(BIO_connect(-1, bound, 0));
    ERR_clear_error();
    BIO_ADDR_free(bound);
    BIO_ADDR_free(a);
    SHOW(ERR_peek_error());
    return 0;
}
