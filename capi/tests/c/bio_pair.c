/*
 * Stream BIO pairs (BIO_s_bio, BIO_new_bio_pair) and their ctrls, and the local address of a
 * datagram pair end (BIO_dgram_set0_local_addr), through the plain OpenSSL API. The output
 * must be the same on qssl and on OpenSSL 3.5.
 *
 * Usage: bio_pair
 */
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>

/* The first error on the queue, as its reason string (or "none"), and the queue emptied. */
static const char *first_error(void)
{
    unsigned long e = ERR_peek_error();
    const char *reason = e == 0 ? "none" : ERR_reason_error_string(e);

    ERR_clear_error();
    return reason != NULL ? reason : "unknown";
}

/* Prints "what = value" for one call (each call on a line of its own, so the calls run in order). */
#define SHOW(what, call) printf("%s = %ld\n", what, (long)(call))

static void stream_pairs(void)
{
    BIO *a = NULL, *b = NULL, *c, *d;
    char buf[64];
    int n;

    SHOW("new pair", BIO_new_bio_pair(&a, 8, &b, 0));
    printf("type %#x, name \"%s\"\n", (unsigned)BIO_method_type(a), BIO_method_name(a));
    SHOW("write buffer a", BIO_get_write_buf_size(a, 0));
    SHOW("write buffer b", BIO_get_write_buf_size(b, 0));
    SHOW("guarantee", BIO_ctrl_get_write_guarantee(a));
    SHOW("read request", BIO_ctrl_get_read_request(a));

    /* Reading an empty pair asks to retry and records how much was wanted. */
    SHOW("empty read", BIO_read(b, buf, 5));
    SHOW("retry read", BIO_should_read(b) != 0);
    SHOW("read request on the writer", BIO_ctrl_get_read_request(a));
    SHOW("read request on the reader", BIO_get_read_request(b));
    SHOW("big read", BIO_read(b, buf, 100));
    SHOW("request capped at the buffer", BIO_ctrl_get_read_request(a));
    SHOW("reset request", BIO_ctrl_reset_read_request(a));
    SHOW("request after reset", BIO_ctrl_get_read_request(a));

    /* The writer's buffer holds 8 bytes: a longer write is partial, then full. */
    SHOW("write", BIO_write(a, "0123456789", 10));
    SHOW("guarantee", BIO_ctrl_get_write_guarantee(a));
    SHOW("wpending", BIO_wpending(a));
    SHOW("pending on the reader", BIO_pending(b));
    SHOW("full write", BIO_write(a, "89", 2));
    SHOW("retry write", BIO_should_write(a) != 0);
    n = BIO_read(b, buf, 3);
    printf("read %d: %.*s\n", n, n, buf);
    SHOW("request after a read", BIO_ctrl_get_read_request(a));
    n = BIO_read(b, buf, sizeof(buf));
    printf("read %d: %.*s\n", n, n, buf);
    SHOW("eof", BIO_eof(b));
    SHOW("flush", BIO_flush(a));

    /* The other direction, then a shutdown of the write side. */
    SHOW("reverse write", BIO_write(b, "pong", 4));
    SHOW("shutdown_wr", BIO_shutdown_wr(b));
    SHOW("guarantee after shutdown", BIO_ctrl_get_write_guarantee(b));
    SHOW("write after shutdown", BIO_write(b, "x", 1));
    printf("error %s\n", first_error());
    SHOW("eof before reading", BIO_eof(a));
    n = BIO_read(a, buf, sizeof(buf));
    printf("read %d: %.*s\n", n, n, buf);
    SHOW("eof", BIO_eof(a));
    SHOW("read at the end", BIO_read(a, buf, sizeof(buf)));
    SHOW("retry", BIO_should_retry(a) != 0);
    SHOW("zero-length read", BIO_read(b, buf, 0));
    SHOW("zero-length write", BIO_write(a, "", 0));
    printf("error %s\n", first_error());

    /* Unpaired halves made one by one, sized, paired, unpaired. */
    c = BIO_new(BIO_s_bio());
    d = BIO_new(BIO_s_bio());
    SHOW("unpaired read", BIO_read(c, buf, 4));
    printf("error %s\n", first_error());
    SHOW("unpaired write", BIO_write(c, "x", 1));
    printf("error %s\n", first_error());
    SHOW("unpaired eof", BIO_eof(c));
    SHOW("unpaired guarantee", BIO_ctrl_get_write_guarantee(c));
    SHOW("unpaired pending", BIO_pending(c));
    SHOW("unpaired wpending", BIO_wpending(c));
    printf("error %s\n", first_error());
    SHOW("set size", BIO_set_write_buf_size(c, 100));
    SHOW("size", BIO_get_write_buf_size(c, 0));
    SHOW("zero size", BIO_set_write_buf_size(c, 0));
    printf("error %s\n", first_error());
    SHOW("pair with a paired half", BIO_make_bio_pair(c, a));
    printf("error %s\n", first_error());
    SHOW("make pair", BIO_make_bio_pair(c, d));
    SHOW("again", BIO_make_bio_pair(c, d));
    printf("error %s\n", first_error());
    SHOW("resize while paired", BIO_set_write_buf_size(c, 50));
    printf("error %s\n", first_error());
    SHOW("guarantee", BIO_ctrl_get_write_guarantee(c));
    SHOW("write", BIO_write(c, "abc", 3));
    n = BIO_read(d, buf, sizeof(buf));
    printf("read %d: %.*s\n", n, n, buf);
    SHOW("write", BIO_write(c, "lost", 4));
    SHOW("destroy", BIO_destroy_bio_pair(c));
    SHOW("read on the other", BIO_read(d, buf, 4));
    printf("error %s\n", first_error());
    SHOW("write on the other", BIO_write(d, "y", 1));
    printf("error %s\n", first_error());
    SHOW("eof on the other", BIO_eof(d));
    SHOW("destroy again", BIO_destroy_bio_pair(d));
    SHOW("re-pair", BIO_make_bio_pair(d, c));
    SHOW("pending after re-pairing", BIO_pending(c));
    SHOW("write", BIO_write(d, "new", 3));
    SHOW("reset", BIO_reset(d));
    SHOW("wpending after reset", BIO_wpending(d));
    SHOW("write", BIO_write(d, "kept", 4));
    n = BIO_read(c, buf, sizeof(buf));
    printf("read %d: %.*s\n", n, n, buf);
    printf("error %s\n", first_error());

    /* Freeing one half leaves the other unpaired. */
    BIO_free(a);
    SHOW("after the peer is freed: read", BIO_read(b, buf, 4));
    printf("error %s\n", first_error());
    SHOW("write", BIO_write(b, "z", 1));
    printf("error %s\n", first_error());
    SHOW("eof", BIO_eof(b));
    BIO_free(b);
    BIO_free(c);
    BIO_free(d);
}

static void dgram_local_address(void)
{
    BIO *a = NULL, *b = NULL;
    BIO_ADDR *mine = BIO_ADDR_new(), *from = BIO_ADDR_new();
    struct in_addr ip = { htonl(0x7f000001) };
    BIO_MSG msg;
    char buf[32];
    size_t done = 0;
    char *host;

    BIO_new_bio_dgram_pair(&a, 0, &b, 0);
    BIO_ADDR_rawmake(mine, AF_INET, &ip, sizeof(ip), htons(4433));
    SHOW("set0 local addr", BIO_dgram_set0_local_addr(a, mine));
    SHOW("write", BIO_write(a, "datagram", 8));
    memset(&msg, 0, sizeof(msg));
    msg.data = buf;
    msg.data_len = sizeof(buf);
    msg.peer = from;
    SHOW("recvmmsg", BIO_recvmmsg(b, &msg, sizeof(msg), 1, 0, &done));
    SHOW("count", done);
    host = BIO_ADDR_hostname_string(from, 1);
    printf("from %s port %u\n", host != NULL ? host : "(none)", ntohs(BIO_ADDR_rawport(from)));
    OPENSSL_free(host);
    SHOW("clear", BIO_dgram_set0_local_addr(a, NULL));
    SHOW("write", BIO_write(a, "again", 5));
    msg.data_len = sizeof(buf);
    SHOW("recvmmsg", BIO_recvmmsg(b, &msg, sizeof(msg), 1, 0, &done));
    SHOW("family after clearing", BIO_ADDR_family(from));
    BIO_ADDR_free(from);
    BIO_free(a);
    BIO_free(b);
    printf("error %s\n", first_error());
}

int main(void)
{
    stream_pairs();
    dgram_local_address();
    return 0;
}
