/*
 * A QUIC file server (hq-interop: "GET /<name>\r\n" on a bidirectional stream, the file in
 * reply) whose one event loop is a qssl poll group (<qssl/poll_group.h>): the listener, each
 * connection and each stream are registered once, and each wait hands back only the objects
 * that are ready. Non-blocking objects; any number of connections and streams at once.
 *
 * Usage: quic_group_server <cert.pem> <key.pem> <dir> <connections>
 *   prints "listening on <port>", serves files of <dir> until <connections> connections
 *   have ended, then prints "served <connections> connections, <streams> streams" and exits.
 */
#define _POSIX_C_SOURCE 200809L
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>
#include <qssl/poll_group.h>

#define LISTENER_TOKEN 0
/* Tokens: connections are 1..; streams are STREAM_TOKEN + their slot. */
#define STREAM_TOKEN (UINT64_C(1) << 32)
#define MAX_REQUEST 256

static const unsigned char alpn[] = "\x0ahq-interop";

struct stream {
    SSL *ssl;
    char request[MAX_REQUEST];
    size_t got;
    FILE *file;          /* open once the request is complete */
    unsigned char buf[16384];
    size_t buffered, sent;
};

static QSSL_POLL_GROUP *group;
static struct stream *streams;
static size_t nstreams, served_streams;
static const char *root;

static void die(const char *what)
{
    fprintf(stderr, "quic_group_server: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    return SSL_select_next_proto((unsigned char **)out, outlen, alpn, sizeof(alpn) - 1, in,
                                 inlen) == OPENSSL_NPN_NEGOTIATED
        ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* A free stream slot (the table grows as needed). */
static size_t stream_slot(void)
{
    size_t i;

    for (i = 0; i < nstreams; i++)
        if (streams[i].ssl == NULL)
            return i;
    streams = realloc(streams, (nstreams + 1) * sizeof(*streams));
    if (streams == NULL)
        die("realloc");
    streams[nstreams].ssl = NULL;
    return nstreams++;
}

static void close_stream(struct stream *s)
{
    if (s->file != NULL)
        fclose(s->file);
    QSSL_POLL_GROUP_remove(group, s->ssl);
    SSL_free(s->ssl);
    memset(s, 0, sizeof(*s));
}

/* Reads the request; once it is whole, opens the file and asks to write instead. */
static void on_readable(struct stream *s, uint64_t token)
{
    size_t n;
    char path[512], *end;

    while (s->got < sizeof(s->request) - 1
           && SSL_read_ex(s->ssl, s->request + s->got, sizeof(s->request) - 1 - s->got, &n))
        s->got += n;
    s->request[s->got] = '\0';
    end = strstr(s->request, "\r\n");
    if (end == NULL && SSL_get_error(s->ssl, 0) == SSL_ERROR_WANT_READ)
        return;
    if (end == NULL || strncmp(s->request, "GET /", 5) != 0
            || strstr(s->request, "..") != NULL) {
        SSL_stream_reset(s->ssl, NULL, 0);
        close_stream(s);
        return;
    }
    *end = '\0';
    snprintf(path, sizeof(path), "%s/%s", root, s->request + 5);
    s->file = fopen(path, "rb");
    if (s->file == NULL) {
        SSL_stream_reset(s->ssl, NULL, 0);
        close_stream(s);
        return;
    }
    if (!QSSL_POLL_GROUP_modify(group, s->ssl, SSL_POLL_EVENT_W, token))
        die("QSSL_POLL_GROUP_modify");
}

/* Writes what the stream takes; concludes it at the end of the file. */
static void on_writable(struct stream *s)
{
    size_t n;

    for (;;) {
        if (s->sent == s->buffered) {
            s->buffered = fread(s->buf, 1, sizeof(s->buf), s->file);
            s->sent = 0;
            if (s->buffered == 0) {
                SSL_stream_conclude(s->ssl, 0);
                close_stream(s);
                served_streams++;
                return;
            }
        }
        if (!SSL_write_ex(s->ssl, s->buf + s->sent, s->buffered - s->sent, &n))
            return; /* full: the group says when there is room */
        s->sent += n;
    }
}

int main(int argc, char *argv[])
{
    SSL_CTX *ctx;
    SSL *listener, *conn, **conns = NULL;
    BIO *bio;
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);
    QSSL_POLL_EVENT events[64];
    size_t n, i, nconns = 0, ended = 0, want;
    int fd;

    if (argc != 5) {
        fprintf(stderr, "usage: %s cert.pem key.pem dir connections\n", argv[0]);
        return 2;
    }
    root = argv[3];
    want = (size_t)atol(argv[4]);
    ctx = SSL_CTX_new(OSSL_QUIC_server_method());
    if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, argv[1]) <= 0
            || SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) <= 0)
        die("loading the certificate");
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0
            || getsockname(fd, (struct sockaddr *)&sa, &salen) != 0)
        die("binding");
    listener = SSL_new_listener(ctx, 0);
    bio = BIO_new(BIO_s_datagram());
    if (listener == NULL || bio == NULL)
        die("SSL_new_listener");
    BIO_set_fd(bio, fd, BIO_CLOSE);
    SSL_set_bio(listener, bio, bio);
    if (!SSL_set_blocking_mode(listener, 0) || !SSL_listen(listener))
        die("SSL_listen");

    group = QSSL_POLL_GROUP_new();
    if (group == NULL || !QSSL_POLL_GROUP_add(group, listener, SSL_POLL_EVENT_IC, LISTENER_TOKEN))
        die("QSSL_POLL_GROUP_add");
    printf("listening on %d\n", ntohs(sa.sin_port));
    fflush(stdout);

    while (ended < want) {
        if (!QSSL_POLL_GROUP_wait(group, events, 64, NULL, &n))
            die("QSSL_POLL_GROUP_wait");
        for (i = 0; i < n; i++) {
            uint64_t token = events[i].token, ev = events[i].revents;

            if (token == LISTENER_TOKEN) {
                while ((conn = SSL_accept_connection(listener, SSL_ACCEPT_CONNECTION_NO_BLOCK))
                       != NULL) {
                    conns = realloc(conns, (nconns + 1) * sizeof(*conns));
                    if (conns == NULL)
                        die("realloc");
                    conns[nconns++] = conn;
                    if (!SSL_set_incoming_stream_policy(conn, SSL_INCOMING_STREAM_POLICY_ACCEPT, 0)
                            || !QSSL_POLL_GROUP_add(group, conn,
                                                    SSL_POLL_EVENT_ISB | SSL_POLL_EVENT_EC,
                                                    nconns))
                        die("adding a connection");
                }
            } else if (token < STREAM_TOKEN) {
                conn = conns[token - 1];
                if (ev & SSL_POLL_EVENT_EC) {
                    QSSL_POLL_GROUP_remove(group, conn);
                    ended++;
                    continue;
                }
                while ((ev & SSL_POLL_EVENT_ISB) != 0) {
                    SSL *stream = SSL_accept_stream(conn, SSL_ACCEPT_STREAM_NO_BLOCK);
                    size_t slot;

                    if (stream == NULL)
                        break;
                    slot = stream_slot();
                    memset(&streams[slot], 0, sizeof(streams[slot]));
                    streams[slot].ssl = stream;
                    if (!QSSL_POLL_GROUP_add(group, stream, SSL_POLL_EVENT_R,
                                             STREAM_TOKEN + slot))
                        die("adding a stream");
                }
            } else {
                struct stream *s = &streams[token - STREAM_TOKEN];

                if (s->ssl == NULL)
                    continue;
                if (s->file == NULL && (ev & SSL_POLL_EVENT_R))
                    on_readable(s, token);
                else if (s->file != NULL && (ev & SSL_POLL_EVENT_W))
                    on_writable(s);
            }
        }
    }
    printf("served %zu connections, %zu streams\n", ended, served_streams);
    for (i = 0; i < nstreams; i++)
        if (streams[i].ssl != NULL)
            close_stream(&streams[i]);
    for (i = 0; i < nconns; i++)
        SSL_free(conns[i]);
    QSSL_POLL_GROUP_free(group);
    SSL_free(listener);
    SSL_CTX_free(ctx);
    free(conns);
    free(streams);
    return 0;
}
