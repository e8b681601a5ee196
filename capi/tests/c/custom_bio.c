/*
 * BIOs written by the application (BIO_meth_new) carrying a QUIC connection and a TLS
 * connection in one process. QUIC needs sendmmsg/recvmmsg callbacks on an application's
 * BIO (openssl-quic(7)): the client's handle one datagram per call, as BIO_sendmmsg(3)
 * allows; the listener's handle as many as they are given. Both move datagrams through
 * queues of this program's own, and count them. The TLS pair uses read/write callbacks
 * over the same queues as byte pipes.
 *
 * Usage: custom_bio <cert.pem> <key.pem>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s\n", __LINE__, #c); \
    ERR_print_errors_fp(stdout); exit(1); } } while (0)

/* A queue of datagrams (or, for TLS, of byte chunks) in one direction. */
#define SLOTS 256
struct queue {
    unsigned char data[SLOTS][1500];
    size_t len[SLOTS];
    size_t head, count, passed, partial;
};

/* One end: reads from `in`, writes to `out`. */
struct end {
    struct queue *in, *out;
    int destroyed;
};

static int q_put(struct queue *q, const void *p, size_t n)
{
    if (q->count == SLOTS || n > sizeof(q->data[0]))
        return 0;
    memcpy(q->data[(q->head + q->count) % SLOTS], p, n);
    q->len[(q->head + q->count) % SLOTS] = n;
    q->count++;
    q->passed++;
    return 1;
}

/* Takes up to `cap` bytes of the head item; a byte pipe keeps the rest for later. */
static long q_get(struct queue *q, void *p, size_t cap, int stream)
{
    size_t n, avail;

    if (q->count == 0)
        return -1;
    avail = q->len[q->head] - q->partial;
    n = avail < cap ? avail : cap;
    memcpy(p, q->data[q->head] + q->partial, n);
    if (stream && n < avail) {
        q->partial += n;
        return (long)n;
    }
    q->partial = 0;
    q->head = (q->head + 1) % SLOTS;
    q->count--;
    return (long)n;
}

static int pipe_type;

static int is_stream(BIO *b)
{
    return BIO_method_type(b) == pipe_type;
}

static int e_write(BIO *b, const char *p, int n)
{
    struct end *e = BIO_get_data(b);

    BIO_clear_retry_flags(b);
    if (n > 1500)
        n = 1500;
    if (!q_put(e->out, p, (size_t)n)) {
        BIO_set_retry_write(b);
        return -1;
    }
    return n;
}

static int e_read(BIO *b, char *p, int n)
{
    struct end *e = BIO_get_data(b);
    long got;

    BIO_clear_retry_flags(b);
    got = q_get(e->in, p, (size_t)n, is_stream(b));
    if (got < 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    return (int)got;
}

static long e_ctrl(BIO *b, int cmd, long larg, void *parg)
{
    (void)b;
    (void)larg;
    (void)parg;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int e_sendmmsg(BIO *b, BIO_MSG *msg, size_t stride, size_t num, uint64_t flags,
                      size_t *done)
{
    struct end *e = BIO_get_data(b);
    size_t i;

    (void)flags;
    for (i = 0; i < num; i++) {
        BIO_MSG *m = (BIO_MSG *)((char *)msg + i * stride);
        if (!q_put(e->out, m->data, m->data_len))
            break;
        m->flags = 0;
    }
    *done = i;
    if (i == 0) {
        ERR_raise(ERR_LIB_BIO, BIO_R_NON_FATAL);
        return 0;
    }
    return 1;
}

static int e_recvmmsg(BIO *b, BIO_MSG *msg, size_t stride, size_t num, uint64_t flags,
                      size_t *done)
{
    struct end *e = BIO_get_data(b);
    size_t i;
    long got;

    (void)flags;
    for (i = 0; i < num; i++) {
        BIO_MSG *m = (BIO_MSG *)((char *)msg + i * stride);
        got = q_get(e->in, m->data, m->data_len, 0);
        if (got < 0)
            break;
        m->data_len = (size_t)got;
        m->flags = 0;
        if (m->peer != NULL)
            BIO_ADDR_clear(m->peer); /* these datagrams have no address */
    }
    *done = i;
    if (i == 0) {
        ERR_raise(ERR_LIB_BIO, BIO_R_NON_FATAL);
        return 0;
    }
    return 1;
}

/* The client's BIO: at most one datagram per call. */
static int e_sendmmsg1(BIO *b, BIO_MSG *msg, size_t stride, size_t num, uint64_t flags,
                       size_t *done)
{
    return e_sendmmsg(b, msg, stride, num < 1 ? num : 1, flags, done);
}

static int e_recvmmsg1(BIO *b, BIO_MSG *msg, size_t stride, size_t num, uint64_t flags,
                       size_t *done)
{
    return e_recvmmsg(b, msg, stride, num < 1 ? num : 1, flags, done);
}

static int destroyed;

/* Counts the calls BIO_sendmmsg makes and the messages and stride each gets. */
static size_t calls, last_num, last_stride;

static int count_sendmmsg(BIO *b, BIO_MSG *msg, size_t stride, size_t num, uint64_t flags,
                          size_t *done)
{
    (void)b;
    (void)msg;
    (void)flags;
    calls++;
    last_num = num;
    last_stride = stride;
    *done = num;
    return 1;
}

static int e_destroy(BIO *b)
{
    struct end *e = BIO_get_data(b);

    if (e != NULL) {
        e->destroyed = 1;
        destroyed++;
    }
    return 1;
}

static BIO *new_end(BIO_METHOD *m, struct end *e)
{
    BIO *b = BIO_new(m);

    CHECK(b != NULL);
    BIO_set_data(b, e);
    BIO_set_init(b, 1);
    return b;
}

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char ours[] = "\x04test";
    (void)ssl;
    (void)arg;
    return SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof(ours) - 1, in,
                                 inlen) == OPENSSL_NPN_NEGOTIATED
        ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
}

static struct queue c2s, s2c, t_c2s, t_s2c;

int main(int argc, char *argv[])
{
    BIO_METHOD *one, *mmsg, *pipe;
    struct end cend = {&s2c, &c2s, 0}, send_ = {&c2s, &s2c, 0};
    struct end tc = {&t_s2c, &t_c2s, 0}, ts = {&t_c2s, &t_s2c, 0};
    SSL_CTX *sctx, *cctx, *tsctx, *tcctx;
    SSL *client, *listener, *conn = NULL, *tcli, *tsrv;
    char buf[64];
    size_t n;
    int rounds = 0, cr, sr;

    if (argc != 3)
        return 2;
    one = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "app datagrams");
    CHECK(BIO_meth_set_sendmmsg(one, e_sendmmsg1) && BIO_meth_set_recvmmsg(one, e_recvmmsg1)
          && BIO_meth_set_ctrl(one, e_ctrl) && BIO_meth_set_destroy(one, e_destroy));
    mmsg = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "app mmsg");
    CHECK(BIO_meth_set_sendmmsg(mmsg, e_sendmmsg) && BIO_meth_set_recvmmsg(mmsg, e_recvmmsg)
          && BIO_meth_set_ctrl(mmsg, e_ctrl) && BIO_meth_set_destroy(mmsg, e_destroy));
    pipe_type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK;
    pipe = BIO_meth_new(pipe_type, "app pipe");
    CHECK(BIO_meth_set_write(pipe, e_write) && BIO_meth_set_read(pipe, e_read)
          && BIO_meth_set_ctrl(pipe, e_ctrl) && BIO_meth_set_destroy(pipe, e_destroy));

    /* QUIC over the application's BIOs. */
    sctx = SSL_CTX_new(OSSL_QUIC_server_method());
    cctx = SSL_CTX_new(OSSL_QUIC_client_method());
    CHECK(SSL_CTX_use_certificate_chain_file(sctx, argv[1]) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_alpn_select_cb(sctx, select_alpn, NULL);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_CTX_load_verify_locations(cctx, argv[1], NULL) == 1);
    listener = SSL_new_listener(sctx, SSL_LISTENER_FLAG_NO_VALIDATE);
    {
        BIO *b = new_end(mmsg, &send_);
        SSL_set_bio(listener, b, b);
    }
    CHECK(SSL_set_blocking_mode(listener, 0) && SSL_listen(listener));
    client = SSL_new(cctx);
    {
        BIO *b = new_end(one, &cend);
        SSL_set_bio(client, b, b);
    }
    CHECK(SSL_set_blocking_mode(client, 0) == 1);
    CHECK(SSL_set1_host(client, "localhost") == 1);
    CHECK(SSL_set_alpn_protos(client, (const unsigned char *)"\x04test", 5) == 0);
    while (SSL_connect(client) != 1 || conn == NULL) {
        CHECK(++rounds < 100000);
        if (conn == NULL)
            conn = SSL_accept_connection(listener, 0);
        SSL_handle_events(listener);
        if (conn != NULL)
            SSL_handle_events(conn);
    }
    CHECK(SSL_write_ex2(client, "over the app's BIO", 18, SSL_WRITE_FLAG_CONCLUDE, &n));
    for (n = 0, rounds = 0; !SSL_read_ex(conn, buf, sizeof(buf), &n); ) {
        CHECK(++rounds < 100000 && SSL_get_error(conn, 0) == SSL_ERROR_WANT_READ);
        SSL_handle_events(client);
    }
    printf("quic: server read \"%.*s\"; datagrams through the app's BIOs: %s\n", (int)n, buf,
           c2s.passed >= 2 && s2c.passed >= 2 ? "both ways" : "missing");
    SSL_free(conn);
    SSL_free(client);
    SSL_free(listener);
    printf("quic: BIOs destroyed with their objects: %d\n", cend.destroyed + send_.destroyed);

    /* TLS over the application's byte pipes. */
    tsctx = SSL_CTX_new(TLS_server_method());
    tcctx = SSL_CTX_new(TLS_client_method());
    CHECK(SSL_CTX_use_certificate_chain_file(tsctx, argv[1]) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(tsctx, argv[2], SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_verify(tcctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_CTX_load_verify_locations(tcctx, argv[1], NULL) == 1);
    tcli = SSL_new(tcctx);
    tsrv = SSL_new(tsctx);
    SSL_set_bio(tcli, new_end(pipe, &tc), NULL);
    SSL_set0_wbio(tcli, SSL_get_rbio(tcli));
    BIO_up_ref(SSL_get_rbio(tcli));
    {
        BIO *b = new_end(pipe, &ts);
        SSL_set_bio(tsrv, b, b);
    }
    CHECK(SSL_set1_host(tcli, "localhost") == 1);
    SSL_set_connect_state(tcli);
    SSL_set_accept_state(tsrv);
    for (rounds = 0, cr = sr = 0; cr != 1 || sr != 1; ) {
        CHECK(++rounds < 1000);
        if (cr != 1)
            cr = SSL_do_handshake(tcli);
        if (sr != 1)
            sr = SSL_do_handshake(tsrv);
    }
    CHECK(SSL_write_ex(tcli, "tls too", 7, &n));
    CHECK(SSL_read_ex(tsrv, buf, sizeof(buf), &n));
    printf("tls: %s, server read \"%.*s\", verify %s\n", SSL_get_version(tcli), (int)n, buf,
           X509_verify_cert_error_string(SSL_get_verify_result(tcli)));
    SSL_free(tcli);
    SSL_free(tsrv);
    printf("tls: pipes destroyed %d\n", tc.destroyed + ts.destroyed);

    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    SSL_CTX_free(tsctx);
    SSL_CTX_free(tcctx);
    /*
     * BIO_sendmmsg hands the method's callback the caller's batch and stride in one call; a
     * BIO whose method has no such callback cannot send datagrams, and an uninitialised one
     * refuses (a method without a create callback makes initialised BIOs).
     */
    {
        struct { BIO_MSG m; char pad[8]; } msgs[3];
        BIO_METHOD *counting = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "n");
        BIO *cb, *pb = BIO_new(pipe);
        size_t done = 99;
        int ret;

        memset(msgs, 0, sizeof(msgs));
        CHECK(counting != NULL && BIO_meth_set_sendmmsg(counting, count_sendmmsg));
        cb = BIO_new(counting);
        printf("initialised without create: %d\n", BIO_get_init(cb));
        BIO_set_init(cb, 0);
        ret = BIO_sendmmsg(cb, &msgs[0].m, sizeof(msgs[0]), 3, 0, &done);
        printf("mmsg uninitialised: %d, done %zu, %s\n", ret, done,
               ERR_reason_error_string(ERR_get_error()));
        BIO_set_init(cb, 1);
        ret = BIO_sendmmsg(cb, &msgs[0].m, sizeof(msgs[0]), 3, 0, &done);
        printf("mmsg: %d, done %zu; %zu call of %zu messages, stride %d\n", ret, done, calls,
               last_num, last_stride == sizeof(msgs[0]));
        BIO_set_init(pb, 1);
        done = 99;
        ret = BIO_sendmmsg(pb, &msgs[0].m, sizeof(msgs[0]), 3, 0, &done);
        printf("mmsg without the callback: %d, done %zu, %s\n", ret, done,
               ERR_reason_error_string(ERR_get_error()));
        BIO_free(cb);
        BIO_free(pb);
        BIO_meth_free(counting);
    }

    BIO_meth_free(one);
    BIO_meth_free(mmsg);
    BIO_meth_free(pipe);
    printf("destroy calls %d, errors left %lu\n", destroyed, ERR_get_error());
    return 0;
}
