/*
 * qssl: OpenSSL-compatible bio.h: BIO objects (datagram, datagram pair and socket BIOs),
 * the ctrl numbers behind OpenSSL's BIO macros, poll descriptors, addresses, lookups and the
 * raw socket helpers.
 */
#ifndef OPENSSL_BIO_H
# define OPENSSL_BIO_H
# pragma once

# include <stdarg.h>
# include <stddef.h>
# include <stdint.h>
# include <openssl/crypto.h>
# include <openssl/bioerr.h>

# ifdef __cplusplus
extern "C" {
# endif

typedef struct bio_st BIO;
typedef struct bio_method_st BIO_METHOD;
typedef union bio_addr_st BIO_ADDR;
typedef struct bio_addrinfo_st BIO_ADDRINFO;

# define BIO_TYPE_NONE          0
# define BIO_TYPE_MEM           (1|0x0400)
# define BIO_TYPE_FILE          (2|0x0400)
# define BIO_TYPE_DESCRIPTOR    0x0100
# define BIO_TYPE_FILTER        0x0200
# define BIO_TYPE_SOURCE_SINK   0x0400
# define BIO_TYPE_SOCKET        ( 5|BIO_TYPE_SOURCE_SINK|BIO_TYPE_DESCRIPTOR)
# define BIO_TYPE_DGRAM         (21|BIO_TYPE_SOURCE_SINK|BIO_TYPE_DESCRIPTOR)
# define BIO_TYPE_BIO           (19|BIO_TYPE_SOURCE_SINK)
# define BIO_TYPE_DGRAM_PAIR    (26|BIO_TYPE_SOURCE_SINK)
# define BIO_TYPE_DGRAM_MEM     (27|BIO_TYPE_SOURCE_SINK)
# define BIO_TYPE_ACCEPT        (13|BIO_TYPE_SOURCE_SINK|BIO_TYPE_DESCRIPTOR)
# define BIO_TYPE_CONNECT       (12|BIO_TYPE_SOURCE_SINK|BIO_TYPE_DESCRIPTOR)
# define BIO_TYPE_SSL           ( 7|BIO_TYPE_FILTER)

# define BIO_CTRL_RESET          1
# define BIO_CTRL_EOF            2
# define BIO_CTRL_INFO           3
# define BIO_CTRL_GET_CLOSE      8
# define BIO_CTRL_SET_CLOSE      9
# define BIO_CTRL_PENDING       10
# define BIO_CTRL_FLUSH         11
# define BIO_CTRL_WPENDING      13

# define BIO_CTRL_DGRAM_CONNECT           31
# define BIO_CTRL_DGRAM_SET_CONNECTED     32
# define BIO_CTRL_DGRAM_QUERY_MTU         40
# define BIO_CTRL_DGRAM_GET_MTU           41
# define BIO_CTRL_DGRAM_SET_MTU           42
# define BIO_CTRL_DGRAM_SET_PEER          44
# define BIO_CTRL_DGRAM_GET_PEER          46
# define BIO_CTRL_DGRAM_GET_LOCAL_ADDR_CAP     82
# define BIO_CTRL_DGRAM_GET_LOCAL_ADDR_ENABLE  83
# define BIO_CTRL_DGRAM_SET_LOCAL_ADDR_ENABLE  84
# define BIO_CTRL_DGRAM_GET_EFFECTIVE_CAPS     85
# define BIO_CTRL_DGRAM_GET_CAPS               86
# define BIO_CTRL_DGRAM_SET_CAPS               87
# define BIO_CTRL_DGRAM_GET_NO_TRUNC           88
# define BIO_CTRL_DGRAM_SET_NO_TRUNC           89
# define BIO_CTRL_DGRAM_SET0_LOCAL_ADDR        94
# define BIO_CTRL_GET_RPOLL_DESCRIPTOR         91
# define BIO_CTRL_GET_WPOLL_DESCRIPTOR         92

# define BIO_DGRAM_CAP_NONE                 0U
# define BIO_DGRAM_CAP_HANDLES_SRC_ADDR     (1U << 0)
# define BIO_DGRAM_CAP_HANDLES_DST_ADDR     (1U << 1)
# define BIO_DGRAM_CAP_PROVIDES_SRC_ADDR    (1U << 2)
# define BIO_DGRAM_CAP_PROVIDES_DST_ADDR    (1U << 3)

# define BIO_FLAGS_READ          0x01
# define BIO_FLAGS_WRITE         0x02
# define BIO_FLAGS_IO_SPECIAL    0x04
# define BIO_FLAGS_RWS (BIO_FLAGS_READ|BIO_FLAGS_WRITE|BIO_FLAGS_IO_SPECIAL)
# define BIO_FLAGS_SHOULD_RETRY  0x08

# define BIO_C_SET_CONNECT                 100
# define BIO_C_DO_STATE_MACHINE            101
# define BIO_C_SET_NBIO                    102
# define BIO_C_SET_FD                      104
# define BIO_C_SET_FILENAME                108
# define BIO_C_FILE_SEEK                   128
# define BIO_C_FILE_TELL                   133
# define BIO_C_GET_FD                      105
# define BIO_C_SET_SSL                     109
# define BIO_C_GET_SSL                     110
# define BIO_C_GET_CONNECT                 123
# define BIO_C_SET_SOCK_TYPE               157
# define BIO_C_GET_SOCK_TYPE               158
# define BIO_C_SET_ACCEPT                  118
# define BIO_C_SET_BIND_MODE               131
# define BIO_C_GET_BIND_MODE               132
# define BIO_C_SET_WRITE_BUF_SIZE          136
# define BIO_C_GET_WRITE_BUF_SIZE          137
# define BIO_C_MAKE_BIO_PAIR               138
# define BIO_C_DESTROY_BIO_PAIR            139
# define BIO_C_GET_WRITE_GUARANTEE         140
# define BIO_C_GET_READ_REQUEST            141
# define BIO_C_SHUTDOWN_WR                 142
# define BIO_C_RESET_READ_REQUEST          147

/* Stream BIO pairs (BIO_s_bio). */
# define BIO_set_write_buf_size(b,size) (int)BIO_ctrl(b,BIO_C_SET_WRITE_BUF_SIZE,size,NULL)
# define BIO_get_write_buf_size(b,size) (size_t)BIO_ctrl(b,BIO_C_GET_WRITE_BUF_SIZE,size,NULL)
# define BIO_make_bio_pair(b1,b2)   (int)BIO_ctrl(b1,BIO_C_MAKE_BIO_PAIR,0,b2)
# define BIO_destroy_bio_pair(b)    (int)BIO_ctrl(b,BIO_C_DESTROY_BIO_PAIR,0,NULL)
# define BIO_shutdown_wr(b) (int)BIO_ctrl(b, BIO_C_SHUTDOWN_WR, 0, NULL)
# define BIO_get_write_guarantee(b) (int)BIO_ctrl(b,BIO_C_GET_WRITE_GUARANTEE,0,NULL)
# define BIO_get_read_request(b)    (int)BIO_ctrl(b,BIO_C_GET_READ_REQUEST,0,NULL)
size_t BIO_ctrl_get_write_guarantee(BIO *b);
size_t BIO_ctrl_get_read_request(BIO *b);
int BIO_ctrl_reset_read_request(BIO *b);

# define BIO_BIND_NORMAL                 0
# define BIO_BIND_REUSEADDR              BIO_SOCK_REUSEADDR
# define BIO_BIND_REUSEADDR_IF_UNUSED    BIO_SOCK_REUSEADDR

# define BIO_POLL_DESCRIPTOR_TYPE_NONE       0
# define BIO_POLL_DESCRIPTOR_TYPE_SOCK_FD    1
# define BIO_POLL_DESCRIPTOR_TYPE_SSL        2
# define BIO_POLL_DESCRIPTOR_CUSTOM_START    8192

typedef struct bio_poll_descriptor_st {
    uint32_t type;
    union {
        int fd;
        void *custom;
        uintptr_t custom_ui;
        struct ssl_st *ssl;
    } value;
} BIO_POLL_DESCRIPTOR;

const BIO_METHOD *BIO_s_datagram(void);
const BIO_METHOD *BIO_s_dgram_pair(void);
const BIO_METHOD *BIO_s_socket(void);
const BIO_METHOD *BIO_s_accept(void);
const BIO_METHOD *BIO_s_connect(void);
BIO *BIO_new_connect(const char *host_port);
int BIO_puts(BIO *bp, const char *buf);
int BIO_gets(BIO *bp, char *buf, int size);
const BIO_METHOD *BIO_s_mem(void);
const BIO_METHOD *BIO_s_bio(void);
int BIO_new_bio_pair(BIO **bio1, size_t writebuf1, BIO **bio2, size_t writebuf2);
const BIO_METHOD *BIO_s_dgram_mem(void);
const BIO_METHOD *BIO_s_file(void);
BIO *BIO_new_file(const char *filename, const char *mode);
BIO *BIO_new_mem_buf(const void *buf, int len);
int BIO_snprintf(char *buf, size_t n, const char *format, ...);
int BIO_vsnprintf(char *buf, size_t n, const char *format, va_list args);
int BIO_printf(BIO *bio, const char *format, ...);
int BIO_vprintf(BIO *bio, const char *format, va_list args);
BIO *BIO_new_accept(const char *host_port);
BIO *BIO_push(BIO *b, BIO *append);
BIO *BIO_pop(BIO *b);
BIO *BIO_next(BIO *b);
BIO *BIO_new(const BIO_METHOD *type);
BIO *BIO_new_dgram(int fd, int close_flag);
BIO *BIO_new_socket(int sock, int close_flag);
int BIO_new_bio_dgram_pair(BIO **bio1, size_t writebuf1, BIO **bio2, size_t writebuf2);
int BIO_up_ref(BIO *a);
int BIO_free(BIO *a);
void BIO_free_all(BIO *a);
void BIO_vfree(BIO *a);
int BIO_method_type(const BIO *b);
const char *BIO_method_name(const BIO *b);
int BIO_test_flags(const BIO *b, int flags);
void BIO_set_flags(BIO *b, int flags);
void BIO_clear_flags(BIO *b, int flags);
int BIO_read(BIO *b, void *data, int dlen);
int BIO_read_ex(BIO *b, void *data, size_t dlen, size_t *readbytes);
int BIO_write(BIO *b, const void *data, int dlen);
int BIO_write_ex(BIO *b, const void *data, size_t dlen, size_t *written);
long BIO_ctrl(BIO *bp, int cmd, long larg, void *parg);
long BIO_int_ctrl(BIO *bp, int cmd, long larg, int iarg);
void *BIO_ptr_ctrl(BIO *bp, int cmd, long larg);
typedef int BIO_info_cb(BIO *b, int state, int res);
long BIO_callback_ctrl(BIO *b, int cmd, BIO_info_cb *fp);
size_t BIO_ctrl_pending(BIO *b);
int BIO_get_rpoll_descriptor(BIO *b, BIO_POLL_DESCRIPTOR *desc);
int BIO_get_wpoll_descriptor(BIO *b, BIO_POLL_DESCRIPTOR *desc);
int BIO_dgram_non_fatal_error(int error);

typedef struct bio_msg_st {
    void *data;
    size_t data_len;
    BIO_ADDR *peer, *local;
    uint64_t flags;
} BIO_MSG;

int BIO_sendmmsg(BIO *b, BIO_MSG *msg, size_t stride, size_t num_msg, uint64_t flags,
                 size_t *msgs_processed);
int BIO_recvmmsg(BIO *b, BIO_MSG *msg, size_t stride, size_t num_msg, uint64_t flags,
                 size_t *msgs_processed);

int BIO_get_new_index(void);
BIO_METHOD *BIO_meth_new(int type, const char *name);
void BIO_meth_free(BIO_METHOD *biom);
int BIO_meth_set_write(BIO_METHOD *biom, int (*write)(BIO *, const char *, int));
int BIO_meth_set_write_ex(BIO_METHOD *biom,
                          int (*bwrite)(BIO *, const char *, size_t, size_t *));
int BIO_meth_set_read(BIO_METHOD *biom, int (*read)(BIO *, char *, int));
int BIO_meth_set_read_ex(BIO_METHOD *biom, int (*bread)(BIO *, char *, size_t, size_t *));
int BIO_meth_set_ctrl(BIO_METHOD *biom, long (*ctrl)(BIO *, int, long, void *));
int BIO_meth_set_create(BIO_METHOD *biom, int (*create)(BIO *));
int BIO_meth_set_destroy(BIO_METHOD *biom, int (*destroy)(BIO *));
int BIO_meth_set_sendmmsg(BIO_METHOD *biom,
                          int (*f)(BIO *, BIO_MSG *, size_t, size_t, uint64_t, size_t *));
int BIO_meth_set_recvmmsg(BIO_METHOD *biom,
                          int (*f)(BIO *, BIO_MSG *, size_t, size_t, uint64_t, size_t *));
void BIO_set_data(BIO *a, void *ptr);
void *BIO_get_data(BIO *a);
void BIO_set_init(BIO *a, int init);
int BIO_get_init(BIO *a);
void BIO_set_shutdown(BIO *a, int shut);
int BIO_get_shutdown(BIO *a);
int BIO_sock_non_fatal_error(int error);
int BIO_sock_should_retry(int i);
int BIO_err_is_non_fatal(unsigned int errcode);

# define BIO_get_flags(b) BIO_test_flags(b, ~(0x0))
# define BIO_set_retry_special(b) BIO_set_flags(b, (BIO_FLAGS_IO_SPECIAL|BIO_FLAGS_SHOULD_RETRY))
# define BIO_set_retry_read(b) BIO_set_flags(b, (BIO_FLAGS_READ|BIO_FLAGS_SHOULD_RETRY))
# define BIO_set_retry_write(b) BIO_set_flags(b, (BIO_FLAGS_WRITE|BIO_FLAGS_SHOULD_RETRY))
# define BIO_clear_retry_flags(b) BIO_clear_flags(b, (BIO_FLAGS_RWS|BIO_FLAGS_SHOULD_RETRY))
# define BIO_get_retry_flags(b) BIO_test_flags(b, (BIO_FLAGS_RWS|BIO_FLAGS_SHOULD_RETRY))
# define BIO_should_read(a)      BIO_test_flags(a, BIO_FLAGS_READ)
# define BIO_should_write(a)     BIO_test_flags(a, BIO_FLAGS_WRITE)
# define BIO_should_io_special(a) BIO_test_flags(a, BIO_FLAGS_IO_SPECIAL)
# define BIO_should_retry(a)     BIO_test_flags(a, BIO_FLAGS_SHOULD_RETRY)

# define BIO_set_fd(b,fd,c)     BIO_int_ctrl(b,BIO_C_SET_FD,c,fd)
# define BIO_get_fd(b,c)        BIO_ctrl(b,BIO_C_GET_FD,0,(char *)(c))
# define BIO_set_nbio(b,n)      BIO_ctrl(b,BIO_C_SET_NBIO,(n),NULL)
# define BIO_reset(b)           (int)BIO_ctrl(b,BIO_CTRL_RESET,0,NULL)
# define BIO_seek(b,ofs)        (int)BIO_ctrl(b,BIO_C_FILE_SEEK,ofs,NULL)
# define BIO_tell(b)            (int)BIO_ctrl(b,BIO_C_FILE_TELL,0,NULL)
# define BIO_eof(b)             (int)BIO_ctrl(b,BIO_CTRL_EOF,0,NULL)
# define BIO_set_close(b,c)     (int)BIO_ctrl(b,BIO_CTRL_SET_CLOSE,(c),NULL)
# define BIO_get_close(b)       (int)BIO_ctrl(b,BIO_CTRL_GET_CLOSE,0,NULL)
# define BIO_pending(b)         (int)BIO_ctrl(b,BIO_CTRL_PENDING,0,NULL)
# define BIO_wpending(b)        (int)BIO_ctrl(b,BIO_CTRL_WPENDING,0,NULL)
# define BIO_flush(b)           (int)BIO_ctrl(b,BIO_CTRL_FLUSH,0,NULL)

# define BIO_FP_READ             0x02
# define BIO_FP_WRITE            0x04
# define BIO_FP_APPEND           0x08
# define BIO_read_filename(b,name) (int)BIO_ctrl(b,BIO_C_SET_FILENAME, \
                BIO_CLOSE|BIO_FP_READ,(char *)(name))
# define BIO_write_filename(b,name) (int)BIO_ctrl(b,BIO_C_SET_FILENAME, \
                BIO_CLOSE|BIO_FP_WRITE,name)
# define BIO_append_filename(b,name) (int)BIO_ctrl(b,BIO_C_SET_FILENAME, \
                BIO_CLOSE|BIO_FP_APPEND,name)
# define BIO_rw_filename(b,name) (int)BIO_ctrl(b,BIO_C_SET_FILENAME, \
                BIO_CLOSE|BIO_FP_READ|BIO_FP_WRITE,name)
# define BIO_get_mem_data(b,pp)  BIO_ctrl(b,BIO_CTRL_INFO,0,(char *)(pp))

# define BIO_set_accept_name(b,name) BIO_ctrl(b,BIO_C_SET_ACCEPT,0,(char *)(name))
# define BIO_set_bind_mode(b,mode) BIO_ctrl(b,BIO_C_SET_BIND_MODE,mode,NULL)
# define BIO_get_bind_mode(b)    BIO_ctrl(b,BIO_C_GET_BIND_MODE,0,NULL)
# define BIO_do_accept(b)        BIO_do_handshake(b)
# define BIO_do_connect(b)       BIO_do_handshake(b)
# define BIO_set_conn_hostname(b,name) BIO_ctrl(b,BIO_C_SET_CONNECT,0,(char *)(name))
# define BIO_set_conn_port(b,port) BIO_ctrl(b,BIO_C_SET_CONNECT,1,(char *)(port))
# define BIO_get_conn_hostname(b) ((const char *)BIO_ptr_ctrl(b,BIO_C_GET_CONNECT,0))
# define BIO_get_conn_port(b)    ((const char *)BIO_ptr_ctrl(b,BIO_C_GET_CONNECT,1))
# define BIO_set_sock_type(b,t)  BIO_ctrl(b,BIO_C_SET_SOCK_TYPE,(t),NULL)
# define BIO_get_sock_type(b)    BIO_ctrl(b,BIO_C_GET_SOCK_TYPE,0,NULL)
# define BIO_set_ssl(b,ssl,c)    BIO_ctrl(b,BIO_C_SET_SSL,c,(char *)(ssl))
# define BIO_get_ssl(b,sslp)     BIO_ctrl(b,BIO_C_GET_SSL,0,(char *)(sslp))
# define BIO_do_handshake(b)     BIO_ctrl(b,BIO_C_DO_STATE_MACHINE,0,NULL)

# define BIO_ctrl_dgram_connect(b,peer) \
         (int)BIO_ctrl(b,BIO_CTRL_DGRAM_CONNECT,0, (char *)(peer))
# define BIO_ctrl_set_connected(b,peer) \
         (int)BIO_ctrl(b, BIO_CTRL_DGRAM_SET_CONNECTED, 0, (char *)(peer))
# define BIO_dgram_get_peer(b,peer) \
         (int)BIO_ctrl(b, BIO_CTRL_DGRAM_GET_PEER, 0, (char *)(peer))
# define BIO_dgram_set_peer(b,peer) \
         (int)BIO_ctrl(b, BIO_CTRL_DGRAM_SET_PEER, 0, (char *)(peer))
# define BIO_dgram_get_mtu(b) \
         (unsigned int)BIO_ctrl((b), BIO_CTRL_DGRAM_GET_MTU, 0, NULL)
# define BIO_dgram_set_mtu(b, mtu) \
         (int)BIO_ctrl((b), BIO_CTRL_DGRAM_SET_MTU, (mtu), NULL)
# define BIO_dgram_get_local_addr_cap(b) \
         (int)BIO_ctrl((b), BIO_CTRL_DGRAM_GET_LOCAL_ADDR_CAP, 0, NULL)
# define BIO_dgram_get_local_addr_enable(b, penable) \
         (int)BIO_ctrl((b), BIO_CTRL_DGRAM_GET_LOCAL_ADDR_ENABLE, 0, (char *)(penable))
# define BIO_dgram_set_local_addr_enable(b, enable) \
         (int)BIO_ctrl((b), BIO_CTRL_DGRAM_SET_LOCAL_ADDR_ENABLE, (enable), NULL)
# define BIO_dgram_get_effective_caps(b) \
         (uint32_t)BIO_ctrl((b), BIO_CTRL_DGRAM_GET_EFFECTIVE_CAPS, 0, NULL)
# define BIO_dgram_get_caps(b) \
         (uint32_t)BIO_ctrl((b), BIO_CTRL_DGRAM_GET_CAPS, 0, NULL)
# define BIO_dgram_set_caps(b, caps) \
         (int)BIO_ctrl((b), BIO_CTRL_DGRAM_SET_CAPS, (long)(caps), NULL)
# define BIO_dgram_get_no_trunc(b) \
         (unsigned int)BIO_ctrl((b), BIO_CTRL_DGRAM_GET_NO_TRUNC, 0, NULL)
# define BIO_dgram_set_no_trunc(b, enable) \
         (int)BIO_ctrl((b), BIO_CTRL_DGRAM_SET_NO_TRUNC, (enable), NULL)
# define BIO_dgram_set0_local_addr(b, addr) \
         (int)BIO_ctrl((b), BIO_CTRL_DGRAM_SET0_LOCAL_ADDR, 0, (addr))

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
char *BIO_ADDR_path_string(const BIO_ADDR *ap);

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
int BIO_accept_ex(int accept_sock, BIO_ADDR *addr, int options);
int BIO_sock_error(int sock);
int BIO_sock_init(void);
int BIO_socket_nbio(int fd, int mode);

# ifdef __cplusplus
}
# endif

#endif
