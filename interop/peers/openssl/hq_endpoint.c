/*
 * An hq-interop endpoint on OpenSSL's QUIC API, following the QUIC interop runner's endpoint
 * contract as qssl's own endpoint reads it: ROLE (client|server), TESTCASE, REQUESTS (the
 * client's URLs), SSLKEYLOGFILE, and for local runs QSSL_WWW, QSSL_DOWNLOADS, QSSL_CERTS,
 * QSSL_PORT and QSSL_SERVER_IP (defaults /www, /downloads, /certs, 443, the URLs' host).
 * Exit code 127: a test case it does not support; 1: a failed run.
 *
 * Built against the reference OpenSSL 3.5 it is the local interop runner's OpenSSL peer;
 * the same program runs on qssl's libssl.so.3 as well.
 *
 * The server listens on one dual-stack UDP socket in blocking mode and serves each accepted
 * connection on its own thread, one stream after the other (request read to its end, the
 * file written, the stream concluded). The client opens request streams while the server's
 * stream limit allows and reads the responses as they arrive; in the multiconnect case it
 * makes one connection per file, in the resumption case it fetches the first file, then the
 * rest over a connection resuming the first's session, and in the keyupdate case it updates
 * its keys as soon as response data flows.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>

#define EXIT_UNSUPPORTED 127
/* Application error code of a request that cannot be served (as qssl's hq server). */
#define H09_REQUEST_REJECTED 0x10
#define MAX_REQUEST 4096
#define CHUNK 65536
/* Request streams open at once, at most. */
#define MAX_OPEN 256

static const unsigned char alpn_hq[] = "\x0ahq-interop";

enum testcase { HANDSHAKE, TRANSFER, CHACHA20, RETRY, RESUMPTION, MULTICONNECT, KEYUPDATE };

static const char *env(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0' ? v : fallback;
}

static int parse_case(const char *name, int server, enum testcase *out)
{
    static const struct { const char *name; enum testcase tc; int client_only; } cases[] = {
        { "handshake", HANDSHAKE, 0 }, { "transfer", TRANSFER, 0 },
        { "chacha20", CHACHA20, 0 }, { "retry", RETRY, 0 },
        { "resumption", RESUMPTION, 0 }, { "multiconnect", MULTICONNECT, 0 },
        { "keyupdate", KEYUPDATE, 1 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (strcmp(name, cases[i].name) == 0 && !(server && cases[i].client_only)) {
            *out = cases[i].tc;
            return 1;
        }
    return 0;
}

/* TLS secrets, one NSS key log line each, to SSLKEYLOGFILE. */
static FILE *keylog;
static pthread_mutex_t keylog_lock = PTHREAD_MUTEX_INITIALIZER;

static void write_keylog(const SSL *ssl, const char *line)
{
    (void)ssl;
    pthread_mutex_lock(&keylog_lock);
    fprintf(keylog, "%s\n", line);
    fflush(keylog);
    pthread_mutex_unlock(&keylog_lock);
}

static void set_keylog(SSL_CTX *ctx)
{
    const char *path = getenv("SSLKEYLOGFILE");

    if (path != NULL && *path != '\0' && (keylog = fopen(path, "a")) != NULL)
        SSL_CTX_set_keylog_callback(ctx, write_keylog);
}

static int fail(const char *what)
{
    fprintf(stderr, "openssl-interop-endpoint: %s\n", what);
    ERR_print_errors_fp(stderr);
    return 0;
}

/* ---- server ---- */

static const char *www;

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    if (SSL_select_next_proto((unsigned char **)out, outlen, alpn_hq, sizeof(alpn_hq) - 1,
                              in, inlen) == OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_OK;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* The file a request line ("GET /<name>\r\n") names under www: only plain names. */
static FILE *open_request(const char *line)
{
    char path[4096 + 256], name[MAX_REQUEST + 1];
    size_t len;

    if (strncmp(line, "GET /", 5) != 0)
        return NULL;
    snprintf(name, sizeof(name), "%s", line + 5);
    len = strcspn(name, "\r\n ");
    name[len] = '\0';
    if (len == 0 || strchr(name, '/') != NULL || name[0] == '.')
        return NULL;
    snprintf(path, sizeof(path), "%s/%s", www, name);
    return fopen(path, "rb");
}

static void serve_stream(SSL *stream)
{
    char request[MAX_REQUEST + 1], *data = NULL;
    size_t total = 0, n, written;
    FILE *file = NULL;
    SSL_STREAM_RESET_ARGS reject = { H09_REQUEST_REJECTED };

    while (total < MAX_REQUEST && SSL_read_ex(stream, request + total, MAX_REQUEST - total, &n))
        total += n;
    request[total] = '\0';
    if (SSL_get_stream_read_state(stream) != SSL_STREAM_STATE_FINISHED
            || (file = open_request(request)) == NULL
            || (data = malloc(CHUNK)) == NULL) {
        fprintf(stderr, "a request refused: %.80s\n", request);
        SSL_stream_reset(stream, &reject, sizeof(reject));
        goto end;
    }
    while ((n = fread(data, 1, CHUNK, file)) > 0)
        if (!SSL_write_ex(stream, data, n, &written)) {
            fail("a response write failed");
            goto end;
        }
    if (!SSL_stream_conclude(stream, 0))
        fail("a response could not be concluded");
end:
    free(data);
    if (file != NULL)
        fclose(file);
}

static void *serve_connection(void *arg)
{
    SSL *conn = arg, *stream;

    if (!SSL_set_incoming_stream_policy(conn, SSL_INCOMING_STREAM_POLICY_ACCEPT, 0))
        fail("an incoming stream policy");
    while ((stream = SSL_accept_stream(conn, 0)) != NULL) {
        serve_stream(stream);
        SSL_free(stream);
    }
    ERR_clear_error();
    SSL_free(conn);
    return NULL;
}

static int run_server(enum testcase tc)
{
    const char *certs = env("QSSL_CERTS", "/certs");
    char cert[4096], key[4096];
    int port = atoi(env("QSSL_PORT", "443")), off = 0, fd;
    struct sockaddr_in6 sa;
    SSL_CTX *ctx;
    SSL *listener, *conn;
    pthread_t thread;

    www = env("QSSL_WWW", "/www");
    snprintf(cert, sizeof(cert), "%s/cert.pem", certs);
    snprintf(key, sizeof(key), "%s/priv.key", certs);
    ctx = SSL_CTX_new(OSSL_QUIC_server_method());
    if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) <= 0
            || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) <= 0)
        return fail("the server's certificate and key");
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
    set_keylog(ctx);

    fd = socket(AF_INET6, SOCK_DGRAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_any;
    sa.sin6_port = htons((unsigned short)port);
    if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0
            || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("the server's socket");
        return 0;
    }
    listener = SSL_new_listener(ctx, tc == RETRY ? 0 : SSL_LISTENER_FLAG_NO_VALIDATE);
    if (listener == NULL || !SSL_set_fd(listener, fd) || !SSL_listen(listener))
        return fail("a listener");
    for (;;) {
        if ((conn = SSL_accept_connection(listener, 0)) == NULL) {
            fail("a connection was not accepted");
            continue;
        }
        if (pthread_create(&thread, NULL, serve_connection, conn) != 0) {
            SSL_free(conn);
            continue;
        }
        pthread_detach(thread);
    }
}

/* ---- client ---- */

struct request {
    char host[256];
    char port[8];
    char name[256];
};

/* Parses "https://host[:port]/.../name" (an IPv6 literal in brackets). */
static int parse_url(const char *url, struct request *r)
{
    const char *p = url + 8, *slash, *colon, *end;

    if (strncmp(url, "https://", 8) != 0 || (slash = strchr(p, '/')) == NULL)
        return 0;
    end = slash;
    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(slash - p));
        if (close == NULL)
            return 0;
        colon = close[1] == ':' ? close + 1 : NULL;
        snprintf(r->host, sizeof(r->host), "%.*s", (int)(close - p - 1), p + 1);
    } else {
        colon = memchr(p, ':', (size_t)(slash - p));
        snprintf(r->host, sizeof(r->host), "%.*s", (int)((colon ? colon : end) - p), p);
    }
    snprintf(r->port, sizeof(r->port), "%.*s", colon ? (int)(end - colon - 1) : 3,
             colon ? colon + 1 : "443");
    snprintf(r->name, sizeof(r->name), "%s", strrchr(url, '/') + 1);
    return r->host[0] != '\0' && r->name[0] != '\0';
}

static SSL_SESSION *saved_session;

static int keep_session(SSL *ssl, SSL_SESSION *session)
{
    (void)ssl;
    SSL_SESSION_free(saved_session);
    saved_session = session;
    return 1; /* the reference is ours */
}

struct client {
    SSL_CTX *ctx;
    struct addrinfo *server;
    const char *host;
    const char *downloads;
    int key_update;
};

/* Says who closed a connection, and why. */
static void report_close(SSL *conn)
{
    SSL_CONN_CLOSE_INFO info;

    if (!SSL_get_conn_close_info(conn, &info, sizeof(info)))
        return;
    fprintf(stderr, "closed by %s: %s error 0x%llx \"%s\"\n",
            info.flags & SSL_CONN_CLOSE_FLAG_LOCAL ? "this end" : "the peer",
            info.flags & SSL_CONN_CLOSE_FLAG_TRANSPORT ? "transport" : "application",
            (unsigned long long)info.error_code, info.reason != NULL ? info.reason : "");
}

/* One request in flight: its stream and where its response goes. */
struct pending {
    SSL *stream;
    FILE *out;
    const char *name;
};

/* Opens a request stream for name and sends the request; 0: no stream credit or a failure. */
static int send_request(const struct client *c, SSL *conn, const char *name, struct pending *p)
{
    char path[4096 + 256], request[300];
    size_t len, written;

    if ((p->stream = SSL_new_stream(conn, SSL_STREAM_FLAG_NO_BLOCK)) == NULL)
        return 0;
    len = (size_t)snprintf(request, sizeof(request), "GET /%s\r\n", name);
    snprintf(path, sizeof(path), "%s/%s", c->downloads, name);
    if (!SSL_write_ex2(p->stream, request, len, SSL_WRITE_FLAG_CONCLUDE, &written)
            || (p->out = fopen(path, "wb")) == NULL) {
        SSL_free(p->stream);
        return fail("a request could not be sent");
    }
    p->name = name;
    return 1;
}

/*
 * Reads what has arrived of a response; 1: more to come, 0: complete (or failed, in which
 * case *failed is set). Updates the keys once if asked.
 */
static int read_response(SSL *conn, struct pending *p, int *update_pending, size_t *bytes,
                         int *failed)
{
    char buf[CHUNK];
    size_t n;

    while (SSL_read_ex(p->stream, buf, sizeof(buf), &n)) {
        fwrite(buf, 1, n, p->out);
        *bytes += n;
        /* Refused until the handshake is confirmed: tried again after the next read. */
        if (*update_pending && SSL_key_update(conn, SSL_KEY_UPDATE_NOT_REQUESTED))
            *update_pending = 0;
        ERR_clear_error();
    }
    switch (SSL_get_error(p->stream, 0)) {
    case SSL_ERROR_WANT_READ:
        return 1;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    default:
        fprintf(stderr, "%s: ", p->name);
        *failed = !fail("the response did not end cleanly");
        return 0;
    }
}

/*
 * Fetches names[0..count) over one new connection; resumes a kept session if any. The
 * responses are read as they arrive (a client reading one stream while others fill the
 * connection's window could wait forever), waiting with SSL_poll on the open streams and,
 * while requests remain, on the connection's stream credit.
 */
static int fetch(const struct client *c, char **names, size_t count)
{
    SSL *conn = NULL;
    BIO_ADDR *peer = NULL;
    struct pending open[MAX_OPEN];
    SSL_POLL_ITEM items[MAX_OPEN + 1];
    size_t next = 0, active = 0, done = 0, bytes = 0, i, ready;
    int fd, ok = 0, update_pending = c->key_update, r, failed = 0;
    const struct addrinfo *ai = c->server;

    fd = socket(ai->ai_family, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        perror("a client socket");
        goto end;
    }
    conn = SSL_new(c->ctx);
    peer = BIO_ADDR_new();
    if (conn == NULL || peer == NULL || !SSL_set_fd(conn, fd))
        goto end;
    if (ai->ai_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ai->ai_addr;
        r = BIO_ADDR_rawmake(peer, AF_INET, &sin->sin_addr, sizeof(sin->sin_addr),
                             sin->sin_port);
    } else {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ai->ai_addr;
        r = BIO_ADDR_rawmake(peer, AF_INET6, &sin6->sin6_addr, sizeof(sin6->sin6_addr),
                             sin6->sin6_port);
    }
    if (!r || !SSL_set1_initial_peer_addr(conn, peer)
            || !SSL_set_tlsext_host_name(conn, c->host) || !SSL_set1_host(conn, c->host)
            || SSL_set_alpn_protos(conn, alpn_hq, sizeof(alpn_hq) - 1) != 0
            || !SSL_set_default_stream_mode(conn, SSL_DEFAULT_STREAM_MODE_NONE)
            || (saved_session != NULL && !SSL_set_session(conn, saved_session))) {
        fail("a client connection's set-up");
        goto end;
    }
    if (SSL_connect(conn) != 1) {
        fail("the handshake failed");
        report_close(conn);
        goto end;
    }
    if (!SSL_set_blocking_mode(conn, 0)) {
        fail("non-blocking mode");
        goto end;
    }
    while (done < count) {
        while (next < count && active < MAX_OPEN && send_request(c, conn, names[next],
                                                                &open[active])) {
            next++;
            active++;
        }
        ERR_clear_error();
        for (i = 0; i < active; i++) {
            items[i].desc = SSL_as_poll_descriptor(open[i].stream);
            items[i].events = SSL_POLL_EVENT_R | SSL_POLL_EVENT_ER;
            items[i].revents = 0;
        }
        items[active].desc = SSL_as_poll_descriptor(conn);
        items[active].events = SSL_POLL_EVENT_EC
            | (next < count && active < MAX_OPEN ? SSL_POLL_EVENT_OSB : 0);
        items[active].revents = 0;
        if (!SSL_poll(items, active + 1, sizeof(items[0]), NULL, 0, &ready)) {
            fail("SSL_poll");
            goto end;
        }
        if (items[active].revents & SSL_POLL_EVENT_EC) {
            fail("the connection closed early");
            report_close(conn);
            goto end;
        }
        for (i = 0; i < active; i++) {
            if (items[i].revents == 0 || read_response(conn, &open[i], &update_pending,
                                                       &bytes, &failed))
                continue;
            fclose(open[i].out);
            SSL_free(open[i].stream);
            if (failed)
                goto end;
            done++;
            /* The last request takes this one's place (and its poll result). */
            open[i] = open[--active];
            items[i] = items[active];
            items[active] = items[active + 1];
            i--;
        }
    }
    printf("openssl connection: %s, resumed %d, %zu files, %zu bytes, key update %s\n",
           SSL_get_cipher_name(conn), SSL_session_reused(conn), count, bytes,
           c->key_update ? (update_pending ? "not done" : "done") : "not asked");
    fflush(stdout);
    if (!SSL_set_blocking_mode(conn, 1))
        goto end;
    while ((r = SSL_shutdown(conn)) == 0)
        ;
    ok = r == 1 && !update_pending;
    if (!ok)
        fail(update_pending ? "the keys were never updated" : "the shutdown failed");
end:
    for (i = 0; i < active; i++) {
        fclose(open[i].out);
        SSL_free(open[i].stream);
    }
    SSL_free(conn);
    BIO_ADDR_free(peer);
    if (fd >= 0)
        close(fd);
    return ok;
}

static int run_client(enum testcase tc)
{
    const char *certs = env("QSSL_CERTS", "/certs"), *server_ip = getenv("QSSL_SERVER_IP");
    char ca[4096], *urls, *url, *save = NULL, **names = NULL;
    struct request first, r;
    struct addrinfo hints, *server = NULL;
    struct client c;
    size_t count = 0, i;
    int ok = 0;

    urls = strdup(env("REQUESTS", ""));
    for (url = strtok_r(urls, " \t\n", &save); url != NULL; url = strtok_r(NULL, " \t\n", &save)) {
        if (!parse_url(url, &r)) {
            fprintf(stderr, "openssl-interop-endpoint: a bad URL: %s\n", url);
            goto end;
        }
        if (count == 0)
            first = r;
        else if (strcmp(r.host, first.host) != 0 || strcmp(r.port, first.port) != 0) {
            fprintf(stderr, "openssl-interop-endpoint: REQUESTS name more than one server\n");
            goto end;
        }
        names = realloc(names, (count + 1) * sizeof(*names));
        names[count++] = strdup(r.name);
    }
    if (count == 0) {
        fprintf(stderr, "openssl-interop-endpoint: REQUESTS names no file\n");
        goto end;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = server_ip != NULL ? AI_NUMERICHOST : 0;
    if (getaddrinfo(server_ip != NULL ? server_ip : first.host, first.port, &hints, &server)
            != 0) {
        fprintf(stderr, "openssl-interop-endpoint: %s has no address\n", first.host);
        goto end;
    }

    snprintf(ca, sizeof(ca), "%s/ca.pem", certs);
    c.ctx = SSL_CTX_new(OSSL_QUIC_client_method());
    if (c.ctx == NULL || !SSL_CTX_load_verify_locations(c.ctx, ca, NULL)) {
        fail("the client's trust anchors");
        goto end;
    }
    SSL_CTX_set_verify(c.ctx, SSL_VERIFY_PEER, NULL);
    if (tc == CHACHA20 && !SSL_CTX_set_ciphersuites(c.ctx, "TLS_CHACHA20_POLY1305_SHA256")) {
        fail("ChaCha20-Poly1305 only");
        goto end;
    }
    SSL_CTX_set_session_cache_mode(c.ctx, SSL_SESS_CACHE_CLIENT);
    SSL_CTX_sess_set_new_cb(c.ctx, keep_session);
    set_keylog(c.ctx);
    c.server = server;
    c.host = first.host;
    c.downloads = env("QSSL_DOWNLOADS", "/downloads");
    c.key_update = tc == KEYUPDATE;

    switch (tc) {
    case MULTICONNECT:
        for (i = 0; i < count; i++)
            if (!fetch(&c, names + i, 1))
                goto end;
        break;
    case RESUMPTION:
        if (!fetch(&c, names, 1))
            goto end;
        if (saved_session == NULL) {
            fprintf(stderr, "openssl-interop-endpoint: the server sent no session ticket\n");
            goto end;
        }
        if (count > 1 && !fetch(&c, names + 1, count - 1))
            goto end;
        break;
    default:
        if (!fetch(&c, names, count))
            goto end;
    }
    ok = 1;
end:
    for (i = 0; i < count; i++)
        free(names[i]);
    free(names);
    free(urls);
    if (server != NULL)
        freeaddrinfo(server);
    return ok;
}

int main(void)
{
    const char *role = env("ROLE", ""), *name = env("TESTCASE", "");
    int server = strcmp(role, "server") == 0;
    enum testcase tc;

    if (!server && strcmp(role, "client") != 0) {
        fprintf(stderr, "openssl-interop-endpoint: ROLE must be client or server\n");
        return EXIT_FAILURE;
    }
    if (!parse_case(name, server, &tc)) {
        fprintf(stderr, "openssl-interop-endpoint: test case \"%s\" is not supported\n", name);
        return EXIT_UNSUPPORTED;
    }
    if (server)
        return run_server(tc) ? EXIT_SUCCESS : EXIT_FAILURE;
    return run_client(tc) ? EXIT_SUCCESS : EXIT_FAILURE;
}
