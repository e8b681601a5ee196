/*
 * The C side of the c_scale benchmark: a QUIC server with many connections and streams,
 * driven by one SSL_poll loop (as OpenSSL's non-blocking guide server), and the clients of
 * its workloads, written against the OpenSSL API so that it builds on qssl and on OpenSSL.
 * The server's connections and the streams client's connection handle events explicitly
 * (SSL_VALUE_EVENT_HANDLING_MODE_EXPLICIT): their loops' SSL_poll does it, so what the
 * reads and writes of one turn queue leaves together, not a datagram per call.
 *
 * Protocol: on each bidirectional stream the client sends a request and concludes it; the
 * request's first eight bytes are the reply's length in ASCII decimal (space-padded), and
 * the server answers with that many bytes and concludes. Two requests are commands instead:
 * "RSS" answers the server's resident memory in kB (VmRSS), "POLL <rounds>" answers
 * "<items> <ready> <ns per SSL_poll over all items> <ns per SSL_poll over the ready ones>
 * <ns per wait of a qssl poll group holding all items, or -1 without poll groups>",
 * measured on the spot: every connection (SSL_POLL_EVENT_EC, which none has) and every open
 * stream (SSL_POLL_EVENT_W, which they all have) polled <rounds> times without waiting.
 *
 *   quic_scale server <cert.pem> <key.pem> <connections> [group]
 *       prints "listening on <port>", serves until <connections> connections have ended;
 *       with "group" (qssl only) its loop waits on a poll group (<qssl/poll_group.h>)
 *       holding every object instead of calling SSL_poll over all of them.
 *   quic_scale streams <port> <ca.pem> <count> <concurrency>
 *       one connection, <count> exchanges of 1 KiB each way, at most <concurrency> streams
 *       at once; prints "streams <count> <ns>".
 *   quic_scale hold <port> <ca.pem> <n> <bytes> [<ready> <rounds>]
 *       opens <n> connections one after another, each fetching <bytes> on a stream, and
 *       keeps them all open (and two control connections: the server serves <n> + 2), handling
 *       the held ones' events every second (on qssl they send a keep-alive PING every 10 s, so
 *       none idles out while the rest open); prints "hold <n> <ns> <server kB before> <server
 *       kB with all open> <client kB before> <client kB with all open>". With <ready>: then opens a
 *       stream on <ready> of them (sending a byte, not concluding) and asks the server to
 *       measure SSL_poll; prints "poll <items> <ready> <ns all> <ns ready>".
 */
#define _POSIX_C_SOURCE 200809L
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>

#define PROGRAM "quic_scale"
#include "bench.h"
#if defined(__has_include)
# if __has_include(<qssl/poll_group.h>)
#  include <qssl/poll_group.h>
#  include <qssl/quic.h>
#  define HAVE_POLL_GROUP 1
# endif
#endif

#define REQUEST 1024
static const unsigned char alpn[] = "\x05" "scale";

static long rss_kb(void)
{
    char line[256];
    long kb = 0;
    FILE *f = fopen("/proc/self/status", "r");

    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = atol(line + 6);
    if (f != NULL)
        fclose(f);
    return kb;
}

/* --- The server ------------------------------------------------------------------------ */

enum kind { LISTENER, CONN, STREAM };

struct obj {
    enum kind kind;
    SSL *ssl;
    int dead;            /* freed this turn; its slot goes at the turn's end */
    char request[64];
    size_t got;          /* request bytes seen (only the first 64 kept) */
    int replying;
    char *reply;         /* a command's answer, or NULL for filler */
    size_t reply_len, sent;
};

static struct obj *objs;
static SSL_POLL_ITEM *items;
static size_t nobjs, cap;
static long ended;
#ifdef HAVE_POLL_GROUP
/* The server's poll group in group mode (tokens are indices into objs), else NULL. */
static QSSL_POLL_GROUP *group;
#endif

static void add_obj(enum kind kind, SSL *ssl, uint64_t events)
{
    if (nobjs == cap) {
        cap = cap ? cap * 2 : 1024;
        objs = realloc(objs, cap * sizeof(*objs));
        items = realloc(items, cap * sizeof(*items));
        if (objs == NULL || items == NULL)
            die("realloc");
    }
    memset(&objs[nobjs], 0, sizeof(objs[nobjs]));
    objs[nobjs].kind = kind;
    objs[nobjs].ssl = ssl;
    memset(&items[nobjs], 0, sizeof(items[nobjs]));
    items[nobjs].desc = SSL_as_poll_descriptor(ssl);
    items[nobjs].events = events;
#ifdef HAVE_POLL_GROUP
    if (group != NULL && !QSSL_POLL_GROUP_add(group, ssl, events, nobjs))
        die("QSSL_POLL_GROUP_add");
#endif
    nobjs++;
}

static void set_events(size_t i, uint64_t events)
{
    items[i].events = events;
#ifdef HAVE_POLL_GROUP
    if (group != NULL && !QSSL_POLL_GROUP_modify(group, objs[i].ssl, events, i))
        die("QSSL_POLL_GROUP_modify");
#endif
}

/* Frees an object (which takes it out of the group); its slot goes in compact(). */
static void kill_obj(size_t i)
{
    SSL_free(objs[i].ssl);
    free(objs[i].reply);
    objs[i].dead = 1;
}

/* Fills the slots of the objects freed this turn with the last ones. */
static void compact(void)
{
    size_t i;

    for (i = nobjs; i-- > 0;) {
        if (!objs[i].dead)
            continue;
        nobjs--;
        objs[i] = objs[nobjs];
        items[i] = items[nobjs];
        if (i < nobjs)
            set_events(i, items[i].events); /* its token is its new index */
    }
}

/* The time of one wait of a poll group holding the n items (registered once; one wait
 * first, which looks at every new registration), or -1 without poll groups. */
static long long group_wait_ns(const SSL_POLL_ITEM *all, size_t n, int rounds)
{
#ifdef HAVE_POLL_GROUP
    QSSL_POLL_GROUP *g = QSSL_POLL_GROUP_new();
    QSSL_POLL_EVENT ev[64];
    size_t i, found;
    long long t0;
    int k;

    if (g == NULL)
        die("QSSL_POLL_GROUP_new");
    for (i = 0; i < n; i++)
        if (!QSSL_POLL_GROUP_add(g, all[i].desc.value.ssl, all[i].events, i))
            die("QSSL_POLL_GROUP_add");
    if (!QSSL_POLL_GROUP_wait(g, ev, 64, &(struct timeval){0, 0}, &found))
        die("QSSL_POLL_GROUP_wait");
    t0 = now_ns();
    for (k = 0; k < rounds; k++)
        if (!QSSL_POLL_GROUP_wait(g, ev, 64, &(struct timeval){0, 0}, &found))
            die("QSSL_POLL_GROUP_wait");
    t0 = (now_ns() - t0) / rounds;
    QSSL_POLL_GROUP_free(g);
    return t0;
#else
    (void)all;
    (void)n;
    (void)rounds;
    return -1;
#endif
}

/* The POLL command: times SSL_poll over every connection and open stream, then over the
 * ready ones alone. */
static char *measure_poll(int rounds)
{
    SSL_POLL_ITEM *all = calloc(nobjs, sizeof(*all)), *ready = calloc(nobjs, sizeof(*ready));
    size_t i, n = 0, r = 0, found = 0, result;
    long long t0, t1, t2;
    char *out = malloc(128);
    int k;

    if (all == NULL || ready == NULL || out == NULL)
        die("calloc");
    for (i = 0; i < nobjs; i++) {
        if (objs[i].kind == LISTENER || objs[i].dead)
            continue;
        all[n].desc = SSL_as_poll_descriptor(objs[i].ssl);
        all[n].events = objs[i].kind == CONN ? SSL_POLL_EVENT_EC : SSL_POLL_EVENT_W;
        if (objs[i].kind == STREAM)
            ready[r++] = all[n];
        n++;
    }
    t0 = now_ns();
    for (k = 0; k < rounds; k++)
        if (!SSL_poll(all, n, sizeof(*all), &(struct timeval){0, 0}, 0, &found))
            die("SSL_poll");
    t1 = now_ns();
    for (k = 0; k < rounds; k++)
        if (!SSL_poll(ready, r, sizeof(*ready), &(struct timeval){0, 0}, 0, &result))
            die("SSL_poll");
    t2 = now_ns();
    snprintf(out, 128, "%zu %zu %lld %lld %lld", n, found, (t1 - t0) / rounds, (t2 - t1) / rounds,
             group_wait_ns(all, n, rounds));
    free(all);
    free(ready);
    return out;
}

/* Reads what the stream has; once the request ended, prepares the reply. */
static void stream_read(struct obj *o, size_t i)
{
    char buf[4096];
    size_t n;

    while (SSL_read_ex(o->ssl, buf, sizeof(buf), &n)) {
        if (o->got < sizeof(o->request) - 1) {
            size_t take = n < sizeof(o->request) - 1 - o->got ? n : sizeof(o->request) - 1 - o->got;
            memcpy(o->request + o->got, buf, take);
        }
        o->got += n;
    }
    if (SSL_get_error(o->ssl, 0) != SSL_ERROR_ZERO_RETURN)
        return;
    o->request[o->got < sizeof(o->request) ? o->got : sizeof(o->request) - 1] = '\0';
    o->replying = 1;
    if (strncmp(o->request, "RSS", 3) == 0) {
        o->reply = malloc(32);
        snprintf(o->reply, 32, "%ld", rss_kb());
        o->reply_len = strlen(o->reply);
    } else if (strncmp(o->request, "POLL", 4) == 0) {
        o->reply = measure_poll(atoi(o->request + 4));
        o->reply_len = strlen(o->reply);
    } else {
        char len[9];

        memcpy(len, o->request, 8);
        len[8] = '\0';
        o->reply_len = (size_t)atol(len);
    }
    set_events(i, SSL_POLL_EVENT_W);
}

/* Writes what the stream takes of the reply; 1 once it is all out and concluded. */
static int stream_write(struct obj *o)
{
    static char filler[65536];
    size_t n, left;

    while (o->sent < o->reply_len) {
        left = o->reply_len - o->sent;
        if (left > sizeof(filler))
            left = sizeof(filler);
        if (!SSL_write_ex(o->ssl, o->reply ? o->reply + o->sent : filler, left, &n))
            return 0;
        o->sent += n;
    }
    SSL_stream_conclude(o->ssl, 0);
    return 1;
}

/* One object's events. */
static void handle(size_t i, uint64_t ev)
{
    SSL *s;

    if (objs[i].dead)
        return;
    if (objs[i].kind == LISTENER) {
        while ((s = SSL_accept_connection(objs[i].ssl, SSL_ACCEPT_CONNECTION_NO_BLOCK)) != NULL) {
            /* Every incoming stream waits for SSL_accept_stream (OpenSSL's default policy
             * refuses the ones that arrive before it is first called). */
            if (!SSL_set_incoming_stream_policy(s, SSL_INCOMING_STREAM_POLICY_ACCEPT, 0)
                    || !SSL_set_event_handling_mode(s, SSL_VALUE_EVENT_HANDLING_MODE_EXPLICIT))
                die("configuring a connection");
            add_obj(CONN, s, SSL_POLL_EVENT_ISB | SSL_POLL_EVENT_EC);
        }
    } else if (objs[i].kind == CONN) {
        if (ev & SSL_POLL_EVENT_EC) {
            ended++;
            kill_obj(i);
            return;
        }
        /* add_obj may move objs: no pointer into it is kept across the call. */
        while ((s = SSL_accept_stream(objs[i].ssl, SSL_ACCEPT_STREAM_NO_BLOCK)) != NULL)
            add_obj(STREAM, s, SSL_POLL_EVENT_R);
    } else if (!objs[i].replying && (ev & SSL_POLL_EVENT_R)) {
        stream_read(&objs[i], i);
    } else if (objs[i].replying && (ev & SSL_POLL_EVENT_W) && stream_write(&objs[i])) {
        kill_obj(i);
    }
}

/* The server; with use_group (qssl only), its loop waits on a poll group instead of
 * SSL_poll over every object. */
static int serve(const char *cert, const char *key, long want, int use_group)
{
    SSL_CTX *ctx = SSL_CTX_new(OSSL_QUIC_server_method());
    SSL *listener;
    BIO *bio;
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);
    size_t i, n;
    int fd;

    if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) <= 0
            || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) <= 0)
        die("loading the certificate");
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, (void *)alpn);
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
#ifdef HAVE_POLL_GROUP
    if (use_group && (group = QSSL_POLL_GROUP_new()) == NULL)
        die("QSSL_POLL_GROUP_new");
#else
    if (use_group)
        die("poll groups (not in this library)");
#endif
    add_obj(LISTENER, listener, SSL_POLL_EVENT_IC);
    printf("listening on %d\n", ntohs(sa.sin_port));
    fflush(stdout);

    while (ended < want) {
#ifdef HAVE_POLL_GROUP
        if (group != NULL) {
            QSSL_POLL_EVENT ev[256];

            if (!QSSL_POLL_GROUP_wait(group, ev, 256, NULL, &n))
                die("QSSL_POLL_GROUP_wait");
            for (i = 0; i < n; i++)
                handle((size_t)ev[i].token, ev[i].revents);
            compact();
            continue;
        }
#endif
        if (!SSL_poll(items, nobjs, sizeof(*items), NULL, 0, &n))
            die("SSL_poll");
        for (i = nobjs; i-- > 0;)
            if (items[i].revents != 0)
                handle(i, items[i].revents);
        compact();
    }
    for (i = nobjs; i-- > 0;)
        kill_obj(i);
    compact();
#ifdef HAVE_POLL_GROUP
    QSSL_POLL_GROUP_free(group);
#endif
    SSL_CTX_free(ctx);
    return 0;
}

/* --- The clients ----------------------------------------------------------------------- */

static SSL_CTX *client_ctx(const char *ca)
{
    SSL_CTX *ctx = SSL_CTX_new(OSSL_QUIC_client_method());

    if (ctx == NULL || !SSL_CTX_load_verify_locations(ctx, ca, NULL))
        die("the client context");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

/* A blocking connection to 127.0.0.1:port from 127.0.0.<2 + index / 1000> (servers limit
 * the connections one address may hold: qssl's to 1024), handshake done, no default
 * stream. */
static SSL *connect_to(SSL_CTX *ctx, int port, long index)
{
    struct sockaddr_in sa, local;
    BIO_ADDR *peer = BIO_ADDR_new();
    SSL *ssl = SSL_new(ctx);
    BIO *bio = BIO_new(BIO_s_datagram());
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    uint16_t nport = htons((uint16_t)port);
    uint32_t addr = htonl(INADDR_LOOPBACK);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = nport;
    sa.sin_addr.s_addr = addr;
    memset(&local, 0, sizeof(local));
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + (uint32_t)(index / 1000));
    if (ssl == NULL || bio == NULL || peer == NULL || fd < 0
            || bind(fd, (struct sockaddr *)&local, sizeof(local)) != 0
            || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        die(ssl == NULL ? "SSL_new" : fd < 0 ? "socket" : "bind or connect");
    BIO_set_fd(bio, fd, BIO_CLOSE);
    SSL_set_bio(ssl, bio, bio);
    if (!BIO_ADDR_rawmake(peer, AF_INET, &addr, sizeof(addr), nport)
            || !SSL_set1_initial_peer_addr(ssl, peer)
            || !SSL_set_tlsext_host_name(ssl, "localhost") || !SSL_set1_host(ssl, "localhost")
            || SSL_set_alpn_protos(ssl, alpn, sizeof(alpn) - 1) != 0
            || !SSL_set_default_stream_mode(ssl, SSL_DEFAULT_STREAM_MODE_NONE)
            || SSL_connect(ssl) != 1)
        die("connecting");
    BIO_ADDR_free(peer);
    return ssl;
}

/* One blocking exchange on a new stream: request out, the whole reply into buf (cap bytes
 * kept); the reply's length. */
static size_t exchange(SSL *conn, const char *request, size_t len, char *buf, size_t cap)
{
    SSL *s = SSL_new_stream(conn, 0);
    size_t n, w, total = 0;
    char sink[16384];

    if (s == NULL || !SSL_write_ex2(s, request, len, SSL_WRITE_FLAG_CONCLUDE, &w))
        die("sending a request");
    while (SSL_read_ex(s, total < cap ? buf + total : sink,
                       total < cap ? cap - total : sizeof(sink), &n))
        total += n;
    if (SSL_get_error(s, 0) != SSL_ERROR_ZERO_RETURN)
        die("reading a reply");
    if (total < cap)
        buf[total] = '\0';
    SSL_free(s);
    return total;
}

static long ask_long(SSL *conn, const char *command)
{
    char buf[128];

    exchange(conn, command, strlen(command), buf, sizeof(buf) - 1);
    return atol(buf);
}

static void close_conn(SSL *ssl)
{
    SSL_shutdown_ex(ssl, SSL_SHUTDOWN_FLAG_RAPID, NULL, 0);
    SSL_free(ssl);
}

/* The streams workload: one non-blocking connection, SSL_poll over its streams. */
static int streams(SSL_CTX *ctx, int port, long count, long concurrency)
{
    SSL *conn = connect_to(ctx, port, 0);
    SSL **open = calloc((size_t)concurrency, sizeof(*open));
    SSL_POLL_ITEM *pi = calloc((size_t)concurrency + 1, sizeof(*pi));
    size_t *got = calloc((size_t)concurrency, sizeof(*got));
    char request[REQUEST], buf[4096];
    long started = 0, finished = 0, active = 0, i;
    long long t0;
    size_t n, w;

    if (open == NULL || pi == NULL || got == NULL)
        die("calloc");
    memset(request, ' ', sizeof(request));
    memcpy(request, "1024", 4);
    if (!SSL_set_blocking_mode(conn, 0)
            || !SSL_set_event_handling_mode(conn, SSL_VALUE_EVENT_HANDLING_MODE_EXPLICIT))
        die("configuring the connection");
    t0 = now_ns();
    while (finished < count) {
        for (i = 0; i < concurrency && started < count; i++) {
            if (open[i] != NULL)
                continue;
            open[i] = SSL_new_stream(conn, SSL_STREAM_FLAG_NO_BLOCK);
            if (open[i] == NULL) {
                ERR_clear_error(); /* out of stream credit: wait for more */
                break;
            }
            if (!SSL_write_ex2(open[i], request, sizeof(request), SSL_WRITE_FLAG_CONCLUDE, &w)
                    || w != sizeof(request))
                die("writing a request");
            got[i] = 0;
            started++;
            active++;
        }
        for (i = 0; i < concurrency; i++) {
            pi[i].desc = SSL_as_poll_descriptor(open[i] != NULL ? open[i] : conn);
            pi[i].events = open[i] != NULL ? SSL_POLL_EVENT_R : 0;
        }
        pi[concurrency].desc = SSL_as_poll_descriptor(conn);
        pi[concurrency].events = active < concurrency && started < count ? SSL_POLL_EVENT_OSB : 0;
        if (!SSL_poll(pi, (size_t)concurrency + 1, sizeof(*pi), NULL, 0, &n))
            die("SSL_poll");
        for (i = 0; i < concurrency; i++) {
            if (open[i] == NULL || !(pi[i].revents & SSL_POLL_EVENT_R))
                continue;
            while (SSL_read_ex(open[i], buf, sizeof(buf), &n))
                got[i] += n;
            if (SSL_get_error(open[i], 0) == SSL_ERROR_ZERO_RETURN) {
                if (got[i] != 1024)
                    die("a short reply");
                SSL_free(open[i]);
                open[i] = NULL;
                finished++;
                active--;
            }
        }
    }
    printf("streams %ld %lld\n", count, now_ns() - t0);
    SSL_set_blocking_mode(conn, 1);
    while (SSL_shutdown(conn) != 1)
        ;
    SSL_free(conn);
    free(open);
    free(pi);
    free(got);
    return 0;
}

/* The hold workload (and the poll measurement on top of it). */
static int hold(SSL_CTX *ctx, int port, long count, long bytes, long ready, long rounds)
{
    SSL **conns = calloc((size_t)count, sizeof(*conns)), *control, **pending;
    char request[16], buf[256];
    long server_before, server_after, client_before, i, j;
    long long t0, t1, swept;
    struct rlimit rl;

    if (conns == NULL)
        die("calloc");
    /* A socket per connection. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)count + 64) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
#ifdef HAVE_POLL_GROUP
    if (!QSSL_CTX_set_keep_alive(ctx, 10000))
        die("QSSL_CTX_set_keep_alive");
#endif
    control = connect_to(ctx, port, 0);
    server_before = ask_long(control, "RSS");
    client_before = rss_kb();
    snprintf(request, sizeof(request), "%-8ld", bytes);
    t0 = now_ns();
    swept = t0;
    for (i = 0; i < count; i++) {
        conns[i] = connect_to(ctx, port, i + 1);
        if ((long)exchange(conns[i], request, 8, buf, 0) != bytes)
            die("a short reply");
        if (now_ns() - swept > 1000000000LL) {
            for (j = 0; j <= i; j++)
                SSL_handle_events(conns[j]);
            SSL_handle_events(control);
            swept = now_ns();
        }
    }
    t1 = now_ns();
    /* A fresh control connection: the first may have idled out meanwhile. */
    close_conn(control);
    control = connect_to(ctx, port, 0);
    server_after = ask_long(control, "RSS");
    printf("hold %ld %lld %ld %ld %ld %ld\n", count, t1 - t0, server_before, server_after,
           client_before, rss_kb());
    fflush(stdout);
    if (ready > 0) {
        pending = calloc((size_t)ready, sizeof(*pending));
        if (pending == NULL)
            die("calloc");
        for (i = 0; i < ready && i < count; i++) {
            size_t w;

            pending[i] = SSL_new_stream(conns[i * (count / ready)], 0);
            if (pending[i] == NULL || !SSL_write_ex(pending[i], "x", 1, &w))
                die("opening a stream");
        }
        /* Round trips on the control connection: the streams have arrived by then. */
        ask_long(control, "RSS");
        ask_long(control, "RSS");
        snprintf(buf, sizeof(buf), "POLL %ld", rounds);
        exchange(control, buf, strlen(buf), buf, sizeof(buf) - 1);
        printf("poll %s\n", buf);
        for (i = 0; i < ready && i < count; i++)
            SSL_free(pending[i]);
        free(pending);
    }
    for (i = 0; i < count; i++)
        close_conn(conns[i]);
    close_conn(control);
    free(conns);
    return 0;
}

int main(int argc, char *argv[])
{
    if ((argc == 5 || (argc == 6 && strcmp(argv[5], "group") == 0))
            && strcmp(argv[1], "server") == 0)
        return serve(argv[2], argv[3], atol(argv[4]), argc == 6);
    if (argc == 6 && strcmp(argv[1], "streams") == 0)
        return streams(client_ctx(argv[3]), atoi(argv[2]), atol(argv[4]), atol(argv[5]));
    if ((argc == 6 || argc == 8) && strcmp(argv[1], "hold") == 0)
        return hold(client_ctx(argv[3]), atoi(argv[2]), atol(argv[4]), atol(argv[5]),
                    argc == 8 ? atol(argv[6]) : 0, argc == 8 ? atol(argv[7]) : 0);
    fprintf(stderr, "usage: quic_scale server cert key connections [group] | streams port ca count "
                    "concurrency | hold port ca n bytes [ready rounds]\n");
    return 2;
}
