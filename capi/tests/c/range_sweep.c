/*
 * The out-of-range half of the argument sweep (null_sweep.c is the null half): on valid
 * objects (TLS and QUIC contexts, TLS objects, a connected QUIC pair over a datagram pair
 * with its streams, BIOs of several kinds, stacks, ex_data, a session, a certificate), calls
 * the functions that take sizes, lengths, indices, enum and flag values, versions, ctrl
 * numbers, timeouts or descriptors with values out of their range: negative and huge
 * lengths, unknown ctrl commands, modes, policies, flags, value classes and ids, bad
 * protocol versions, indices past either end, malformed protocol lists.
 *
 * Each call runs in a child process of its own (so one call's effects never reach the
 * next, and a crash or hang is reported rather than ending the sweep) and prints one line:
 *     <call as written> = <return value>, error <lib>:<reason string of the first queued
 *     error> | none
 * A crash prints "<call> = CRASHED (<signal>)", a hang "<call> = HUNG"; an error whose data
 * reads "internal error in" (qssl's record of a caught panic) prints "PANIC <data>".
 * The same source built against OpenSSL 3.5 prints what OpenSSL does; the test compares.
 *
 * Usage: range_sweep <cert.pem> <key.pem>
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define CHECK(cond) do { if (!(cond)) { printf("FAIL line %d: %s\n", __LINE__, #cond); \
    ERR_print_errors_fp(stdout); exit(1); } } while (0)

static int calls;

/* Prints one call's line: its result and the first queued error; then empties the queue,
 * flagging any caught panic. */
static void report(const char *call, const char *ret)
{
    const char *data = NULL, *reason;
    unsigned long e = ERR_peek_error();
    char err[160];
    int flags = 0;

    if (e == 0) {
        snprintf(err, sizeof(err), "none");
    } else if ((reason = ERR_reason_error_string(e)) != NULL) {
        snprintf(err, sizeof(err), "%d:%s", ERR_GET_LIB(e), reason);
    } else {
        snprintf(err, sizeof(err), "%d:reason(%d)", ERR_GET_LIB(e), ERR_GET_REASON(e));
    }
    printf("%s = %s, error %s\n", call, ret, err);
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0)
        if (data != NULL && strstr(data, "internal error in") != NULL)
            printf("PANIC %s\n", data);
}

/* Waits for the child running `call`; reports a crash or a hang. */
static void reap(const char *call, pid_t pid)
{
    int status;

    calls++;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        printf("%s = could not run\n", call);
    } else if (WIFSIGNALED(status)) {
        if (WTERMSIG(status) == SIGALRM)
            printf("%s = HUNG\n", call);
        else
            printf("%s = CRASHED (%s)\n", call, strsignal(WTERMSIG(status)));
    } else if (WEXITSTATUS(status) != 0) {
        printf("%s = exit status %d\n", call, WEXITSTATUS(status));
    }
    fflush(stdout);
}

/*
 * RUN(label, statements): runs the statements in a child with an empty error queue; they
 * write the result into `ret` (a char[512]); the child reports and exits.
 */
#define RUN(label, ...) do {                                                    \
        pid_t pid_;                                                             \
        fflush(stdout);                                                         \
        pid_ = fork();                                                          \
        if (pid_ == 0) {                                                        \
            char ret[512] = "void";                                             \
            alarm(10);                                                          \
            ERR_clear_error();                                                  \
            __VA_ARGS__;                                                        \
            report(label, ret);                                                 \
            fflush(stdout);                                                     \
            _exit(0);                                                           \
        }                                                                       \
        reap(label, pid_);                                                      \
    } while (0)

/*
 * Lowers this process's address-space limit (RLIMIT_AS) to 1 GiB above what it maps now, so
 * that an allocation of many gigabytes fails (rather than being granted and never touched);
 * the old limit goes to `old`, to be put back with setrlimit before reporting.
 */
static void limit_address_space(struct rlimit *old)
{
    unsigned long pages = 0;
    struct rlimit low;
    FILE *f = fopen("/proc/self/statm", "r");

    CHECK(f != NULL && fscanf(f, "%lu", &pages) == 1);
    fclose(f);
    CHECK(getrlimit(RLIMIT_AS, old) == 0);
    low = *old;
    low.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)1 << 30);
    CHECK(setrlimit(RLIMIT_AS, &low) == 0);
}

/* An integer result. */
#define INT(expr) RUN(#expr, snprintf(ret, sizeof(ret), "%ld", (long)(expr)))
/* A pointer result: null or not. */
#define PTR(expr) RUN(#expr, snprintf(ret, sizeof(ret), "%s", (expr) != NULL ? "ptr" : "NULL"))
/* A string result (or null). */
#define STR(expr) RUN(#expr, { const char *s_ = (expr); \
        snprintf(ret, sizeof(ret), s_ != NULL ? "\"%s\"" : "%s", s_ != NULL ? s_ : "NULL"); })
/* A call without a result. */
#define VOID(expr) RUN(#expr, (expr))
/* A call, then a getter showing what it did. */
#define THEN(expr, after) RUN(#expr "; " #after, { long r_ = (long)(expr); \
        snprintf(ret, sizeof(ret), "%ld, then %ld", r_, (long)(after)); })
#define VOID_THEN(expr, after) RUN(#expr "; " #after, { (expr); \
        snprintf(ret, sizeof(ret), "then %ld", (long)(after)); })
/* A call that also reports the count it wrote to `n` (set to 99 first). */
#define WITH_N(expr) RUN(#expr, { int r_; n = 99; r_ = (expr); \
        snprintf(ret, sizeof(ret), "%d, n %zu", r_, n); })

static SSL *client, *listener, *conn;

static void pump(void)
{
    SSL_handle_events(client);
    SSL_handle_events(listener);
    if (conn != NULL)
        SSL_handle_events(conn);
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

/* SSL_select_next_proto's result, the chosen protocol's length and whether out is null. */
static void select_next(char *ret, size_t cap, const char *server, unsigned int server_len,
                        const char *client_list, unsigned int client_len)
{
    unsigned char *out = (unsigned char *)"unset";
    unsigned char outlen = 99;
    int r = SSL_select_next_proto(&out, &outlen, (const unsigned char *)server, server_len,
                                  (const unsigned char *)client_list, client_len);

    snprintf(ret, cap, "%d, out %s, outlen %u", r,
             out == NULL ? "NULL" : (out[0] == 'h' ? "h2" : "?"), outlen);
}

/* SSL_poll on one copy of `item` (or two, for a stride of 0) with a zero timeout. */
static void poll_one(char *ret, size_t cap, SSL_POLL_ITEM item, size_t num, size_t stride,
                     uint64_t flags)
{
    SSL_POLL_ITEM items[2];
    struct timeval zero = {0, 0};
    size_t found = 99;
    int r;

    items[0] = items[1] = item;
    r = SSL_poll(items, num, stride, &zero, flags, &found);
    snprintf(ret, cap, "%d, found %zu, revents %llu", r, found,
             (unsigned long long)items[0].revents);
}

int main(int argc, char *argv[])
{
    static const char long_name[] =
        "a-host-name-that-is-far-longer-than-the-two-hundred-and-fifty-five-bytes-a-server-"
        "name-may-have-a-host-name-that-is-far-longer-than-the-two-hundred-and-fifty-five-"
        "bytes-a-server-name-may-have-a-host-name-that-is-far-longer-than-the-two-hundred-"
        "and-fifty-five-bytes-a-server-name-may-have";
    static char big[100000];
    SSL_CTX *tctx, *tsctx, *qcctx, *qsctx;
    SSL *tls, *qfresh, *s1, *s2;
    SSL_SESSION *sess;
    X509 *cert;
    BIO *mem, *membuf, *file, *pair1, *pair2, *dgmem, *sock, *dgram, *connect, *accept,
        *sslbio, *garbage;
    BIO_ADDR *addr, *blank, *unix_addr;
    BIO_MSG msgs[2];
    OPENSSL_STACK *sk;
    SSL_STREAM_RESET_ARGS huge_code = {UINT64_MAX}, code_42 = {42};
    SSL_SHUTDOWN_EX_ARGS huge_close = {UINT64_MAX, "x"}, close_99 = {99, "x"};
    SSL_POLL_ITEM item;
    BIO_POLL_DESCRIPTOR desc;
    SSL_CONN_CLOSE_INFO info;
    unsigned char sid[40] = {0}, ipv4[4] = {127, 0, 0, 1}, der[8] = {0x30, 0x03, 1, 2, 3};
    const unsigned char *p;
    char buf[256];
    unsigned long e;
    uint64_t v;
    size_t n;
    int idx, fd, ret, rounds = 0;
    static int a = 1, b = 2, c = 3, d = 4;

    if (argc != 3)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* --- The objects. --- */
    tctx = SSL_CTX_new(TLS_client_method());
    tsctx = SSL_CTX_new(TLS_server_method());
    qcctx = SSL_CTX_new(OSSL_QUIC_client_method());
    qsctx = SSL_CTX_new(OSSL_QUIC_server_method());
    CHECK(tctx != NULL && tsctx != NULL && qcctx != NULL && qsctx != NULL);
    CHECK(SSL_CTX_use_certificate_chain_file(qsctx, argv[1]) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(qsctx, argv[2], SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_alpn_select_cb(qsctx, select_alpn, NULL);
    SSL_CTX_set_verify(qcctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_CTX_load_verify_locations(qcctx, argv[1], NULL) == 1);
    tls = SSL_new(tctx);
    qfresh = SSL_new(qcctx);
    CHECK(tls != NULL && qfresh != NULL);

    /* A connected QUIC pair over a datagram pair, with a client stream of each kind. */
    {
        BIO *cbio, *sbio;

        CHECK(BIO_new_bio_dgram_pair(&cbio, 0, &sbio, 0) == 1);
        listener = SSL_new_listener(qsctx, SSL_LISTENER_FLAG_NO_VALIDATE);
        CHECK(listener != NULL);
        SSL_set_bio(listener, sbio, sbio);
        CHECK(SSL_set_blocking_mode(listener, 0) == 1);
        CHECK(SSL_listen(listener) == 1);
        client = SSL_new(qcctx);
        CHECK(client != NULL);
        SSL_set_bio(client, cbio, cbio);
        CHECK(SSL_set_blocking_mode(client, 0) == 1);
        CHECK(SSL_set1_host(client, "localhost") == 1);
        CHECK(SSL_set_alpn_protos(client, (const unsigned char *)"\x04test", 5) == 0);
        CHECK(SSL_set_default_stream_mode(client, SSL_DEFAULT_STREAM_MODE_NONE) == 1);
        while ((ret = SSL_connect(client)) != 1) {
            CHECK(SSL_get_error(client, ret) == SSL_ERROR_WANT_READ);
            if (conn == NULL)
                conn = SSL_accept_connection(listener, 0);
            CHECK(++rounds < 100000);
            pump();
        }
        while (conn == NULL) {
            pump();
            conn = SSL_accept_connection(listener, 0);
        }
        CHECK(SSL_set_blocking_mode(conn, 0) == 1);
        CHECK(SSL_set_incoming_stream_policy(conn, SSL_INCOMING_STREAM_POLICY_ACCEPT, 0) == 1);
        s1 = SSL_new_stream(client, 0);
        s2 = SSL_new_stream(client, SSL_STREAM_FLAG_UNI);
        CHECK(s1 != NULL && s2 != NULL);
        CHECK(SSL_write_ex(s1, "hi", 2, &n) == 1);
        sess = SSL_get1_session(client);
        CHECK(sess != NULL);
    }

    /* BIOs. */
    mem = BIO_new(BIO_s_mem());
    CHECK(BIO_write(mem, "abc\ndef\n", 8) == 8);
    membuf = BIO_new_mem_buf("read only", -1);
    file = BIO_new_file(argv[1], "r");
    CHECK(BIO_new_bio_dgram_pair(&pair1, 0, &pair2, 0) == 1);
    CHECK(BIO_write(pair1, "datagram", 8) == 8);
    dgmem = BIO_new(BIO_s_dgram_mem());
    sock = BIO_new_socket(socket(AF_INET, SOCK_STREAM, 0), BIO_CLOSE);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    dgram = BIO_new_dgram(fd, BIO_CLOSE);
    connect = BIO_new_connect("localhost:4433");
    accept = BIO_new_accept("127.0.0.1:0");
    sslbio = BIO_new_ssl(tctx, 1);
    garbage = BIO_new_mem_buf("not a PEM block\n", -1);
    CHECK(mem && membuf && file && dgmem && sock && dgram && connect && accept && sslbio
          && garbage);
    addr = BIO_ADDR_new();
    blank = BIO_ADDR_new();
    unix_addr = BIO_ADDR_new();
    CHECK(addr && blank && unix_addr);
    CHECK(BIO_ADDR_rawmake(addr, AF_INET, ipv4, sizeof(ipv4), htons(4433)) == 1);
    CHECK(BIO_ADDR_rawmake(unix_addr, AF_UNIX, "/tmp/qssl-none", 14, 0) == 1);
    memset(msgs, 0, sizeof(msgs));
    msgs[0].data = msgs[1].data = "m";
    msgs[0].data_len = msgs[1].data_len = 1;

    /* A stack of three, an ex_data index, a certificate. */
    sk = OPENSSL_sk_new_null();
    CHECK(sk != NULL && OPENSSL_sk_push(sk, &a) == 1 && OPENSSL_sk_push(sk, &b) == 2
          && OPENSSL_sk_push(sk, &c) == 3);
    idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    CHECK(idx >= 0);
    {
        BIO *in = BIO_new_file(argv[1], "r");

        CHECK(in != NULL);
        cert = PEM_read_bio_X509(in, NULL, NULL, NULL);
        CHECK(cert != NULL);
        BIO_free(in);
    }
    memset(big, 'x', sizeof(big));
    ERR_clear_error();

    /* --- The error queue. --- */
    e = ERR_PACK(ERR_LIB_SSL, 0, SSL_R_BAD_LENGTH);
    RUN("ERR_error_string_n(e, buf, 0)", strcpy(buf, "unchanged");
        ERR_error_string_n(e, buf, 0); snprintf(ret, sizeof(ret), "\"%s\"", buf));
    RUN("ERR_error_string_n(e, buf, 1)", strcpy(buf, "unchanged");
        ERR_error_string_n(e, buf, 1); snprintf(ret, sizeof(ret), "\"%s\"", buf));
    RUN("ERR_error_string_n(e, buf, 6)", ERR_error_string_n(e, buf, 6);
        snprintf(ret, sizeof(ret), "\"%s\"", buf));
    RUN("ERR_error_string_n(ERR_PACK(200, 0, 999), buf, sizeof(buf))",
        ERR_error_string_n(ERR_PACK(200, 0, 999), buf, sizeof(buf));
        snprintf(ret, sizeof(ret), "\"%s\"", buf));
    STR(ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, 4000)));
    STR(ERR_reason_error_string(ERR_PACK(200, 0, 999)));
    STR(ERR_lib_error_string(ERR_PACK(200, 0, 1)));
    STR(ERR_lib_error_string(ERR_PACK(0, 0, 1)));
    RUN("ERR_pop_to_mark() with no mark", { int r_; ERR_raise(ERR_LIB_USER, 1);
        r_ = ERR_pop_to_mark();
        snprintf(ret, sizeof(ret), "%d, then queue %lu", r_, ERR_peek_error()); });
    INT(ERR_clear_last_mark());
    RUN("ERR_count_to_mark() with two errors and no mark", ERR_raise(ERR_LIB_USER, 1);
        ERR_raise(ERR_LIB_USER, 2); snprintf(ret, sizeof(ret), "%d", ERR_count_to_mark());
        ERR_clear_error());
    RUN("ERR_add_error_data(-1)", ERR_raise(ERR_LIB_USER, 1); ERR_add_error_data(-1);
        { const char *d_ = NULL; ERR_peek_error_data(&d_, NULL);
          snprintf(ret, sizeof(ret), "data \"%s\"", d_ != NULL ? d_ : "NULL"); }
        ERR_clear_error());
    RUN("ERR_get_error_all() on an empty queue", { int line_ = -7; const char *d_ = "kept";
        unsigned long r_ = ERR_get_error_all(NULL, &line_, NULL, &d_, NULL);
        snprintf(ret, sizeof(ret), "%lu, line %d, data \"%s\"", r_, line_,
                 d_ != NULL ? d_ : "NULL"); });
    RUN("ERR_raise(999, 5)", ERR_raise(999, 5);
        snprintf(ret, sizeof(ret), "lib %d reason %d", ERR_GET_LIB(ERR_peek_error()),
                 ERR_GET_REASON(ERR_peek_error())); ERR_clear_error());
    RUN("ERR_raise(ERR_LIB_USER, 0x7FFFFF + 5)", ERR_raise(ERR_LIB_USER, 0x7FFFFF + 5);
        snprintf(ret, sizeof(ret), "lib %d reason %d", ERR_GET_LIB(ERR_peek_error()),
                 ERR_GET_REASON(ERR_peek_error())); ERR_clear_error());
    RUN("ERR_raise_data(ERR_LIB_USER, 1, \"%s\", big)", big[2000] = '\0';
        ERR_raise_data(ERR_LIB_USER, 1, "%s", big);
        { const char *d_ = NULL; ERR_peek_error_data(&d_, NULL);
          snprintf(ret, sizeof(ret), "data length %zu", d_ != NULL ? strlen(d_) : 0); }
        ERR_clear_error());

    /* --- Allocation, versions, initialisation, ex_data classes. --- */
    PTR(CRYPTO_malloc(SIZE_MAX, "f", 1));
    PTR(CRYPTO_zalloc(SIZE_MAX, "f", 1));
    PTR(CRYPTO_realloc(NULL, SIZE_MAX, "f", 1));
    PTR(CRYPTO_malloc(0, "f", 1));
    STR(CRYPTO_strndup("abcdef", 3, "f", 1));
    STR(CRYPTO_strndup("abc", 0, "f", 1));
    STR(CRYPTO_strndup("abc", SIZE_MAX, "f", 1));
    STR(OpenSSL_version(99));
    STR(OpenSSL_version(-1));
    INT(OPENSSL_init_crypto((uint64_t)1 << 40, NULL));
    INT(OPENSSL_init_ssl((uint64_t)1 << 40, NULL));
    VOID(OPENSSL_cleanse(buf, 0));
    INT(CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX__COUNT, 0, NULL, NULL, NULL, NULL));
    INT(CRYPTO_get_ex_new_index(-1, 0, NULL, NULL, NULL, NULL));
    INT(CRYPTO_free_ex_index(CRYPTO_EX_INDEX_SSL, 1000));
    INT(CRYPTO_free_ex_index(CRYPTO_EX_INDEX_SSL, -1));
    INT(CRYPTO_free_ex_index(99, 0));

    /* --- Stacks (three items). --- */
    PTR(OPENSSL_sk_value(sk, -1));
    PTR(OPENSSL_sk_value(sk, 3));
    PTR(OPENSSL_sk_value(sk, INT_MAX));
    THEN(OPENSSL_sk_set(sk, -1, &d) != NULL, OPENSSL_sk_num(sk));
    THEN(OPENSSL_sk_set(sk, 3, &d) != NULL, OPENSSL_sk_num(sk));
    THEN(OPENSSL_sk_delete(sk, -1) != NULL, OPENSSL_sk_num(sk));
    THEN(OPENSSL_sk_delete(sk, 3) != NULL, OPENSSL_sk_num(sk));
    THEN(OPENSSL_sk_insert(sk, &d, -5), *(int *)OPENSSL_sk_value(sk, 3));
    THEN(OPENSSL_sk_insert(sk, &d, 1000), *(int *)OPENSSL_sk_value(sk, 3));
    THEN(OPENSSL_sk_delete_ptr(sk, &d) != NULL, OPENSSL_sk_num(sk));
    INT(OPENSSL_sk_reserve(sk, -1));
    INT(OPENSSL_sk_reserve(sk, INT_MAX));
    PTR(OPENSSL_sk_new_reserve(NULL, -1));
    /* Room for INT_MAX - 7 pointers (16 GiB) when the address space cannot take it: the
     * allocation fails, the process goes on. */
    RUN("OPENSSL_sk_reserve(sk, INT_MAX - 10) under RLIMIT_AS", { struct rlimit old_; int r_;
        limit_address_space(&old_); r_ = OPENSSL_sk_reserve(sk, INT_MAX - 10);
        CHECK(setrlimit(RLIMIT_AS, &old_) == 0); snprintf(ret, sizeof(ret), "%d", r_); });
    RUN("OPENSSL_sk_new_reserve(NULL, INT_MAX - 10) under RLIMIT_AS",
        { struct rlimit old_; OPENSSL_STACK *r_;
        limit_address_space(&old_); r_ = OPENSSL_sk_new_reserve(NULL, INT_MAX - 10);
        CHECK(setrlimit(RLIMIT_AS, &old_) == 0);
        snprintf(ret, sizeof(ret), "%s", r_ != NULL ? "ptr" : "NULL"); });

    /* --- ex_data indices. --- */
    PTR(SSL_get_ex_data(tls, 1000));
    PTR(SSL_get_ex_data(tls, -1));
    PTR(SSL_get_ex_data(tls, idx + 1));
    THEN(SSL_set_ex_data(tls, -1, &a), SSL_get_ex_data(tls, -1) == &a);
    THEN(SSL_set_ex_data(tls, 1000, &a), SSL_get_ex_data(tls, 1000) == &a);
    THEN(SSL_set_ex_data(tls, 100000, &a), SSL_get_ex_data(tls, 100000) == &a);
    PTR(SSL_CTX_get_ex_data(tctx, -1));
    PTR(SSL_CTX_get_ex_data(tctx, 1000));
    INT(SSL_CTX_set_ex_data(tctx, -1, &a));

    /* --- TLS contexts. --- */
    THEN(SSL_CTX_set_min_proto_version(tctx, 0x9999), SSL_CTX_get_min_proto_version(tctx));
    THEN(SSL_CTX_set_max_proto_version(tctx, 0x9999), SSL_CTX_get_max_proto_version(tctx));
    INT(SSL_CTX_set_min_proto_version(tctx, -1));
    INT(SSL_CTX_set_max_proto_version(tctx, 0x7FFFFFFFL));
    INT(SSL_CTX_set_min_proto_version(tctx, 0x0300));
    INT(SSL_CTX_set_min_proto_version(tctx, 0xFEFD));
    INT(SSL_CTX_set_max_proto_version(tctx, 0x0305));
    INT(SSL_CTX_ctrl(tctx, 9999, 0, NULL));
    INT(SSL_CTX_ctrl(tctx, -1, 0, NULL));
    INT(SSL_CTX_callback_ctrl(tctx, 9999, NULL));
    INT(SSL_CTX_sess_set_cache_size(tctx, -1));
    THEN(SSL_CTX_sess_set_cache_size(tctx, -1), SSL_CTX_sess_get_cache_size(tctx));
    THEN(SSL_CTX_sess_set_cache_size(tctx, LONG_MAX), SSL_CTX_sess_get_cache_size(tctx));
    THEN(SSL_CTX_set_session_cache_mode(tctx, 0x7FFFFFFF), SSL_CTX_get_session_cache_mode(tctx));
    VOID_THEN(SSL_CTX_set_verify(tctx, 0x1000 | SSL_VERIFY_PEER, NULL),
              SSL_CTX_get_verify_mode(tctx));
    VOID_THEN(SSL_CTX_set_verify(tctx, -1, NULL), SSL_CTX_get_verify_mode(tctx));
    VOID_THEN(SSL_CTX_set_verify_depth(tctx, -5), SSL_CTX_get_verify_depth(tctx));
    THEN(SSL_CTX_set_timeout(tctx, -1), SSL_CTX_get_timeout(tctx));
    THEN(SSL_CTX_set_timeout(tctx, LONG_MAX), SSL_CTX_get_timeout(tctx));
    INT(SSL_CTX_set_alpn_protos(tctx, (const unsigned char *)"\x00\x02h2", 4));
    INT(SSL_CTX_set_alpn_protos(tctx, (const unsigned char *)"\x05h2", 3));
    INT(SSL_CTX_set_alpn_protos(tctx, (const unsigned char *)"\x02h2\x00", 4));
    INT(SSL_CTX_set_alpn_protos(tctx, (const unsigned char *)"\x02h2", 0));
    INT(SSL_CTX_set_session_id_context(tctx, sid, 33));
    INT(SSL_CTX_set_session_id_context(tctx, sid, UINT_MAX));
    INT(SSL_CTX_set_session_id_context(tctx, sid, 32));
    INT(SSL_CTX_use_certificate_file(tsctx, argv[1], 99));
    INT(SSL_CTX_use_PrivateKey_file(tsctx, argv[2], 99));
    INT(SSL_CTX_use_certificate_file(tsctx, argv[1], -1));
    INT(SSL_CTX_set_cipher_list(tctx, ""));
    INT(SSL_CTX_set_ciphersuites(tctx, "TLS_NOT_A_SUITE"));
    INT(SSL_CTX_set_domain_flags(tctx, SSL_DOMAIN_FLAG_SINGLE_THREAD));

    /* --- QUIC contexts. --- */
    INT(SSL_CTX_set_min_proto_version(qcctx, 0x9999));
    INT(SSL_CTX_set_max_proto_version(qcctx, 0x0303));
    INT(SSL_CTX_ctrl(qcctx, 9999, 0, NULL));
    INT(SSL_CTX_set_domain_flags(qcctx, SSL_DOMAIN_FLAG_SINGLE_THREAD
                                 | SSL_DOMAIN_FLAG_MULTI_THREAD));
    INT(SSL_CTX_set_domain_flags(qcctx, (uint64_t)1 << 20));
    RUN("SSL_CTX_set_domain_flags(qcctx, 1 << 20); SSL_CTX_get_domain_flags(qcctx, &v)",
        { int r_ = SSL_CTX_set_domain_flags(qcctx, (uint64_t)1 << 20), g_;
          v = 7; g_ = SSL_CTX_get_domain_flags(qcctx, &v);
          snprintf(ret, sizeof(ret), "%d, then %d, flags %#llx", r_, g_,
                   (unsigned long long)v); });
    PTR(SSL_new_domain(qcctx, SSL_DOMAIN_FLAG_SINGLE_THREAD | SSL_DOMAIN_FLAG_MULTI_THREAD));
    PTR(SSL_new_domain(qcctx, (uint64_t)1 << 20));
    PTR(SSL_new_listener(qsctx, (uint64_t)1 << 20));
    PTR(SSL_new_listener(tsctx, 0));

    /* --- A TLS object before its handshake (no BIOs). --- */
    INT(SSL_read(tls, buf, -1));
    INT(SSL_peek(tls, buf, -1));
    INT(SSL_write(tls, "x", -1));
    INT(SSL_write(tls, "x", INT_MIN));
    INT(SSL_read(tls, buf, 0));
    WITH_N(SSL_read_ex(tls, buf, 0, &n));
    WITH_N(SSL_write_ex2(tls, "x", 1, 0xFF00, &n));
    INT(SSL_ctrl(tls, 9999, 0, NULL));
    INT(SSL_ctrl(tls, -1, 0, NULL));
    INT(SSL_callback_ctrl(tls, 9999, NULL));
    INT(SSL_set_tlsext_host_name(tls, long_name));
    INT(SSL_ctrl(tls, SSL_CTRL_SET_TLSEXT_HOSTNAME, 99, (void *)"x"));
    INT(SSL_set_tlsext_host_name(tls, ""));
    INT(SSL_ctrl(tls, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, NULL));
    STR(SSL_get_servername(tls, 99));
    VOID_THEN(SSL_set_verify(tls, 0x1000 | SSL_VERIFY_PEER, NULL), SSL_get_verify_mode(tls));
    VOID_THEN(SSL_set_verify_depth(tls, -1), SSL_get_verify_depth(tls));
    THEN(SSL_set_fd(tls, -1), SSL_get_fd(tls));
    THEN(SSL_set_fd(tls, 9999), SSL_get_fd(tls));
    INT(SSL_get_error(tls, 12345));
    INT(SSL_get_error(tls, -12345));
    INT(SSL_set_alpn_protos(tls, (const unsigned char *)"\x05h2", 3));
    INT(SSL_set_alpn_protos(tls, (const unsigned char *)"\x00", 1));
    RUN("SSL_select_next_proto(server \"\\x05h2\")",
        select_next(ret, sizeof(ret), "\x05h2", 3, "\x02h2", 3));
    RUN("SSL_select_next_proto(client \"\\x05h2\")",
        select_next(ret, sizeof(ret), "\x02h2", 3, "\x05h2", 3));
    RUN("SSL_select_next_proto(client empty)",
        select_next(ret, sizeof(ret), "\x02h2", 3, "", 0));
    RUN("SSL_select_next_proto(server \"\\x00\\x02h2\")",
        select_next(ret, sizeof(ret), "\x00\x02h2", 4, "\x02h2", 3));
    RUN("SSL_select_next_proto(client \"\\x00\\x02h2\")",
        select_next(ret, sizeof(ret), "\x02h2", 3, "\x00\x02h2", 4));
    RUN("SSL_select_next_proto(server empty)",
        select_next(ret, sizeof(ret), "", 0, "\x02h2", 3));
    RUN("SSL_select_next_proto(server \"\\x02h2\", client \"\\x03foo\\x00\\x02h2\")",
        select_next(ret, sizeof(ret), "\x02h2", 3, "\x03" "foo\x00\x02h2", 8));
    INT(SSL_shutdown(tls));
    INT(SSL_shutdown_ex(tls, 0xFF00, NULL, 0));
    /* The same object once in connect state (still without BIOs). */
    INT((SSL_set_connect_state(tls), SSL_shutdown(tls)));
    INT((SSL_set_connect_state(tls), SSL_read(tls, buf, 0)));
    INT((SSL_set_connect_state(tls), SSL_write_ex2(tls, "x", 1, 0xFF00, &n)));
    INT(SSL_set_blocking_mode(tls, 0));
    INT(SSL_get_value_uint(tls, SSL_VALUE_CLASS_GENERIC, SSL_VALUE_EVENT_HANDLING_MODE, &v));
    INT(SSL_set_value_uint(tls, SSL_VALUE_CLASS_GENERIC, SSL_VALUE_EVENT_HANDLING_MODE, 99));
    INT(SSL_stream_reset(tls, NULL, 0));
    INT(SSL_set1_initial_peer_addr(tls, addr));
    INT(SSL_set_quic_tls_early_data_enabled(tls, 99));
    INT(SSL_get_conn_close_info(tls, &info, sizeof(info)));
    PTR(SSL_new_stream(tls, 0));
    INT(SSL_set_default_stream_mode(tls, 99));

    /* --- Sessions and certificates. --- */
    RUN("d2i_SSL_SESSION(NULL, &p, -1)", p = der;
        snprintf(ret, sizeof(ret), "%s", d2i_SSL_SESSION(NULL, &p, -1) ? "ptr" : "NULL"));
    RUN("d2i_SSL_SESSION(NULL, &p, 0)", p = der;
        snprintf(ret, sizeof(ret), "%s", d2i_SSL_SESSION(NULL, &p, 0) ? "ptr" : "NULL"));
    RUN("d2i_SSL_SESSION(NULL, &p, 5) of a short sequence", p = der;
        snprintf(ret, sizeof(ret), "%s, advanced %d",
                 d2i_SSL_SESSION(NULL, &p, 5) ? "ptr" : "NULL", (int)(p - der)));
    PTR(PEM_read_bio_SSL_SESSION(garbage, NULL, NULL, NULL));
    INT(i2d_SSL_SESSION(sess, NULL) > 0);
    RUN("d2i_X509(NULL, &p, -1)", p = der;
        snprintf(ret, sizeof(ret), "%s", d2i_X509(NULL, &p, -1) ? "ptr" : "NULL"));
    RUN("X509_NAME_oneline(subject, buf, 0)", strcpy(buf, "unchanged");
        { char *r_ = X509_NAME_oneline(X509_get_subject_name(cert), buf, 0);
          snprintf(ret, sizeof(ret), "%s, buf \"%s\"", r_ == NULL ? "NULL" : "ptr", buf); });
    RUN("X509_NAME_oneline(subject, buf, 5)",
        { char *r_ = X509_NAME_oneline(X509_get_subject_name(cert), buf, 5);
          snprintf(ret, sizeof(ret), "%s, buf \"%s\"", r_ == NULL ? "NULL" : "ptr", buf); });
    RUN("X509_NAME_oneline(subject, buf, -1)", strcpy(buf, "unchanged");
        { char *r_ = X509_NAME_oneline(X509_get_subject_name(cert), buf, -1);
          snprintf(ret, sizeof(ret), "%s, buf \"%s\"", r_ == NULL ? "NULL" : "ptr", buf); });
    RUN("X509_NAME_get_text_by_NID(subject, NID_commonName, buf, 0)", strcpy(buf, "unchanged");
        { int r_ = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName,
                                             buf, 0);
          snprintf(ret, sizeof(ret), "%d, buf \"%s\"", r_, buf); });
    RUN("X509_NAME_get_text_by_NID(subject, NID_commonName, buf, 4)", strcpy(buf, "unchanged");
        { int r_ = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName,
                                             buf, 4);
          snprintf(ret, sizeof(ret), "%d, buf \"%s\"", r_, buf); });
    INT(X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, -1));
    INT(X509_NAME_get_text_by_NID(X509_get_subject_name(cert), 99999, buf, sizeof(buf)));
    INT(X509_NAME_get_text_by_NID(X509_get_subject_name(cert), -1, buf, sizeof(buf)));
    INT(X509_check_host(cert, "localhost", 3, 0, NULL));
    INT(X509_check_host(cert, "localhost\0.evil", 15, 0, NULL));
    INT(X509_check_host(cert, "localhost", 9, 0xFFFF0000, NULL));
    INT(X509_check_ip(cert, ipv4, 3, 0));
    INT(X509_check_ip(cert, ipv4, 0, 0));
    INT(X509_check_ip_asc(cert, "999.1.1.1", 0));
    STR(X509_verify_cert_error_string(-1));
    STR(X509_verify_cert_error_string(99999));

    /* --- A memory BIO holding "abc\ndef\n"; a read-only one. --- */
    INT(BIO_read(mem, buf, -1));
    INT(BIO_read(mem, buf, 0));
    INT(BIO_read(mem, buf, INT_MIN));
    INT(BIO_write(mem, "x", -1));
    INT(BIO_write(mem, "x", 0));
    INT(BIO_gets(mem, buf, -1));
    INT(BIO_gets(mem, buf, 0));
    RUN("BIO_gets(mem, buf, 1)", { int r_; strcpy(buf, "unchanged"); r_ = BIO_gets(mem, buf, 1);
        snprintf(ret, sizeof(ret), "%d, buf \"%s\"", r_, buf); });
    WITH_N(BIO_read_ex(mem, buf, 0, &n));
    INT(BIO_puts(membuf, "x"));
    INT(BIO_write(membuf, "x", 1));
    RUN("BIO_new_mem_buf(\"abc\", -1)", { BIO *m_ = BIO_new_mem_buf("abc", -1);
        snprintf(ret, sizeof(ret), "%s, pending %d", m_ ? "ptr" : "NULL",
                 m_ ? BIO_pending(m_) : -1); });
    PTR(BIO_new_mem_buf("abc", -2));
    PTR(BIO_new_mem_buf("abc", INT_MIN));
    INT(BIO_ctrl(mem, 9999, 0, NULL));
    INT(BIO_ctrl(mem, -1, 0, NULL));
    INT(BIO_int_ctrl(mem, 9999, 0, 0));
    PTR(BIO_ptr_ctrl(mem, 9999, 0));
    INT(BIO_callback_ctrl(mem, 9999, NULL));
    INT(BIO_seek(membuf, -1));
    INT(BIO_snprintf(buf, 0, "%d", 5));
    INT(BIO_snprintf(buf, 1, "%d", 5));
    INT(BIO_get_rpoll_descriptor(mem, &desc));
    INT(BIO_sendmmsg(mem, msgs, sizeof(BIO_MSG), 1, 0, &n));

    /* --- A file BIO reading the certificate file. --- */
    INT(BIO_read(file, buf, -1));
    INT(BIO_write(file, "x", -1));
    INT(BIO_gets(file, buf, -1));
    INT(BIO_ctrl(file, 9999, 0, NULL));
    INT(BIO_seek(file, -1));

    /* --- A datagram pair (one datagram waiting in pair2), a datagram memory BIO. --- */
    INT(BIO_write(pair1, "x", -1));
    INT(BIO_read(pair2, buf, -1));
    INT(BIO_ctrl(pair1, 9999, 0, NULL));
    INT(BIO_write(pair1, big, sizeof(big)));
    INT(BIO_read(pair2, buf, 1));
    INT(BIO_dgram_set_mtu(pair1, -1));
    INT(BIO_dgram_set_caps(pair1, 0xFFFF0000));
    RUN("BIO_new_bio_dgram_pair(&b1, SIZE_MAX, &b2, 0)", { BIO *b1_ = NULL, *b2_ = NULL;
        int r_ = BIO_new_bio_dgram_pair(&b1_, SIZE_MAX, &b2_, 0);
        snprintf(ret, sizeof(ret), "%d", r_); });
    WITH_N(BIO_sendmmsg(pair1, msgs, 0, 2, 0, &n));
    WITH_N(BIO_sendmmsg(pair1, msgs, sizeof(BIO_MSG), 1, 0xFF00, &n));
    WITH_N(BIO_recvmmsg(pair2, msgs, sizeof(BIO_MSG), 0, 0, &n));
    INT(BIO_write(dgmem, "x", -1));
    INT(BIO_read(dgmem, buf, -1));
    INT(BIO_ctrl(dgmem, 9999, 0, NULL));

    /* --- Socket BIOs: on descriptor -1, on an unconnected TCP socket, on a UDP socket. --- */
    RUN("BIO_new_socket(-1, BIO_NOCLOSE)", { BIO *b_ = BIO_new_socket(-1, BIO_NOCLOSE);
        snprintf(ret, sizeof(ret), "%s, fd %d", b_ ? "ptr" : "NULL",
                 b_ ? (int)BIO_get_fd(b_, NULL) : 0); });
    RUN("BIO_new_dgram(-1, BIO_NOCLOSE)", { BIO *b_ = BIO_new_dgram(-1, BIO_NOCLOSE);
        snprintf(ret, sizeof(ret), "%s, fd %d", b_ ? "ptr" : "NULL",
                 b_ ? (int)BIO_get_fd(b_, NULL) : 0); });
    RUN("BIO_set_fd(BIO_new(BIO_s_socket()), -1, BIO_NOCLOSE)", { BIO *b_ = BIO_new(BIO_s_socket());
        long r_ = BIO_set_fd(b_, -1, BIO_NOCLOSE);
        snprintf(ret, sizeof(ret), "%ld, fd %d", r_, (int)BIO_get_fd(b_, NULL)); });
    INT(BIO_write(sock, "x", -1));
    INT(BIO_read(sock, buf, -1));
    INT(BIO_ctrl(sock, 9999, 0, NULL));
    INT(BIO_write(dgram, "x", -1));
    INT(BIO_ctrl(dgram, 9999, 0, NULL));
    INT(BIO_dgram_set_mtu(dgram, -1));

    /* --- Socket and address helpers. --- */
    INT(BIO_socket(AF_INET, 9999, 0, 0));
    INT(BIO_socket(9999, SOCK_DGRAM, 0, 0));
    INT(BIO_closesocket(-1));
    INT(BIO_sock_error(-1));
    INT(BIO_socket_nbio(-1, 1));
    INT(BIO_connect(-1, addr, 0));
    INT(BIO_bind(-1, addr, 0));
    INT(BIO_listen(-1, addr, 0));
    INT(BIO_accept_ex(-1, NULL, 0));
    INT(BIO_ADDR_rawmake(blank, 9999, ipv4, 4, 0));
    INT(BIO_ADDR_rawmake(blank, AF_INET, ipv4, 3, 0));
    INT(BIO_ADDR_rawmake(blank, AF_INET6, ipv4, 4, 0));
    WITH_N(BIO_ADDR_rawaddress(blank, buf, &n));
    STR(BIO_ADDR_hostname_string(blank, 1));
    STR(BIO_ADDR_service_string(unix_addr, 1));
    STR(BIO_ADDR_service_string(blank, 1));
    RUN("BIO_lookup_ex(\"127.0.0.1\", \"443\", CLIENT, 9999, SOCK_DGRAM, 0, &res)",
        { BIO_ADDRINFO *res_ = NULL;
          snprintf(ret, sizeof(ret), "%d", BIO_lookup_ex("127.0.0.1", "443", BIO_LOOKUP_CLIENT,
                                                         9999, SOCK_DGRAM, 0, &res_)); });
    RUN("BIO_lookup_ex(\"127.0.0.1\", \"443\", 99, AF_INET, 9999, 0, &res)",
        { BIO_ADDRINFO *res_ = NULL;
          snprintf(ret, sizeof(ret), "%d", BIO_lookup_ex("127.0.0.1", "443", 99, AF_INET,
                                                         9999, 0, &res_)); });
    RUN("BIO_lookup_ex(\"/tmp/qssl-none\", NULL, CLIENT, AF_UNIX, SOCK_STREAM, 0, &res)",
        { BIO_ADDRINFO *res_ = NULL; char *path_;
          int r_ = BIO_lookup_ex("/tmp/qssl-none", NULL, BIO_LOOKUP_CLIENT, AF_UNIX,
                                 SOCK_STREAM, 0, &res_);
          path_ = res_ != NULL ? BIO_ADDR_path_string(BIO_ADDRINFO_address(res_)) : NULL;
          snprintf(ret, sizeof(ret), "%d, family %d, path %s", r_,
                   res_ != NULL ? BIO_ADDRINFO_family(res_) : -1,
                   path_ != NULL ? path_ : "NULL");
          OPENSSL_free(path_); BIO_ADDRINFO_free(res_); });
    INT(BIO_dgram_non_fatal_error(-1));
    INT(BIO_sock_should_retry(-1));
    INT(BIO_sock_non_fatal_error(INT_MAX));
    INT(BIO_err_is_non_fatal(UINT_MAX));

    /* --- Connect and accept BIOs (not yet connected or bound); an SSL BIO. --- */
    PTR(BIO_new_connect("[::1"));
    PTR(BIO_new_connect("localhost:99999"));
    PTR(BIO_new_accept("[::1"));
    PTR(BIO_new_connect("::1:443"));
    PTR(BIO_new_connect("[::1]443"));
    PTR(BIO_new_accept("[::1]:4:4"));
    PTR(BIO_new_accept("::1"));
    INT(BIO_set_conn_hostname(connect, "[::1"));
    INT(BIO_set_accept_name(accept, "a:b:c"));
    INT(BIO_ctrl(connect, 9999, 0, NULL));
    STR(BIO_ptr_ctrl(connect, BIO_C_GET_CONNECT, 99));
    INT(BIO_set_conn_port(connect, "99999"));
    INT(BIO_ctrl(accept, 9999, 0, NULL));
    INT(BIO_set_bind_mode(accept, 99));
    INT(BIO_read(sslbio, buf, -1));
    INT(BIO_write(sslbio, "x", -1));
    INT(BIO_ctrl(sslbio, 9999, 0, NULL));

    /* --- The connected QUIC pair: client, listener, server connection, client streams
     * s1 (bidirectional, "hi" written) and s2 (unidirectional); qfresh, a client not yet
     * connected. --- */
    INT(SSL_read(client, buf, -1));
    INT(SSL_read(s1, buf, -1));
    INT(SSL_write(s1, "x", -1));
    INT(SSL_peek(s1, buf, -1));
    WITH_N(SSL_write_ex2(s1, "x", 1, 0xFF00, &n));
    THEN(SSL_write_ex2(s1, "x", 1, SSL_WRITE_FLAG_CONCLUDE | 0x100, &n),
         SSL_get_stream_write_state(s1));
    RUN("SSL_new_stream(client, 0xFF00)", { SSL *s_ = SSL_new_stream(client, 0xFF00);
        snprintf(ret, sizeof(ret), "%s, type %d", s_ ? "ptr" : "NULL",
                 s_ ? SSL_get_stream_type(s_) : -1); });
    RUN("SSL_new_stream(client, SSL_STREAM_FLAG_UNI | 0xFF00)",
        { SSL *s_ = SSL_new_stream(client, SSL_STREAM_FLAG_UNI | 0xFF00);
          snprintf(ret, sizeof(ret), "%s, type %d", s_ ? "ptr" : "NULL",
                   s_ ? SSL_get_stream_type(s_) : -1); });
    PTR(SSL_new_stream(s1, 0));
    INT(SSL_set_incoming_stream_policy(conn, 99, 0));
    INT(SSL_set_incoming_stream_policy(conn, -1, 0));
    INT(SSL_set_incoming_stream_policy(conn, SSL_INCOMING_STREAM_POLICY_REJECT, UINT64_MAX));
    INT(SSL_set_incoming_stream_policy(s1, SSL_INCOMING_STREAM_POLICY_ACCEPT, 0));
    INT(SSL_set_default_stream_mode(client, 99));
    INT(SSL_set_default_stream_mode(qfresh, 99));
    INT(SSL_set_default_stream_mode(client, SSL_DEFAULT_STREAM_MODE_AUTO_BIDI));
    INT(SSL_set_default_stream_mode(s1, SSL_DEFAULT_STREAM_MODE_AUTO_BIDI));
    INT(SSL_set_value_uint(client, 99, SSL_VALUE_QUIC_IDLE_TIMEOUT, 0));
    INT(SSL_set_value_uint(client, SSL_VALUE_CLASS_GENERIC, 999, 0));
    INT(SSL_set_value_uint(client, SSL_VALUE_CLASS_GENERIC, SSL_VALUE_NONE, 0));
    INT(SSL_set_event_handling_mode(client, 99));
    INT(SSL_set_generic_value_uint(client, SSL_VALUE_QUIC_STREAM_BIDI_LOCAL_AVAIL, 5));
    INT(SSL_set_feature_request_uint(client, SSL_VALUE_QUIC_IDLE_TIMEOUT, 5000));
    INT(SSL_set_feature_request_uint(qfresh, SSL_VALUE_QUIC_IDLE_TIMEOUT, UINT64_MAX));
    INT(SSL_set_value_uint(client, SSL_VALUE_CLASS_FEATURE_NEGOTIATED,
                           SSL_VALUE_QUIC_IDLE_TIMEOUT, 5));
    INT(SSL_get_value_uint(client, SSL_VALUE_CLASS_GENERIC, 999, &v));
    INT(SSL_get_value_uint(client, 99, SSL_VALUE_QUIC_IDLE_TIMEOUT, &v));
    INT(SSL_get_value_uint(client, SSL_VALUE_CLASS_GENERIC, SSL_VALUE_STREAM_WRITE_BUF_SIZE,
                           &v));
    INT(SSL_get_value_uint(s1, SSL_VALUE_CLASS_GENERIC, SSL_VALUE_QUIC_STREAM_UNI_LOCAL_AVAIL,
                           &v));
    INT(SSL_get_feature_peer_request_uint(qfresh, SSL_VALUE_QUIC_IDLE_TIMEOUT, &v));
    THEN(SSL_stream_reset(s1, &huge_code, sizeof(huge_code)), SSL_get_stream_write_state(s1));
    INT(SSL_stream_reset(s1, &huge_code, 0));
    INT(SSL_stream_reset(s1, &code_42, 0));
    INT(SSL_stream_reset(s1, &code_42, 1));
    INT(SSL_stream_reset(client, NULL, 0));
    INT(SSL_stream_conclude(s1, 0xFF00));
    INT(SSL_stream_conclude(client, 0));
    INT(SSL_shutdown_ex(client, 0xFF00, NULL, 0));
    INT(SSL_shutdown_ex(client, SSL_SHUTDOWN_FLAG_RAPID, &huge_close, sizeof(huge_close)));
    INT(SSL_shutdown_ex(client, SSL_SHUTDOWN_FLAG_RAPID, &huge_close, 0));
    INT(SSL_shutdown_ex(client, SSL_SHUTDOWN_FLAG_RAPID, &close_99, 0));
    INT(SSL_shutdown_ex(s1, 0, NULL, 0));
    INT(SSL_get_conn_close_info(client, &info, 0));
    INT(SSL_get_conn_close_info(s1, &info, sizeof(info)));
    INT(SSL_set1_initial_peer_addr(qfresh, blank));
    INT(SSL_set1_initial_peer_addr(qfresh, unix_addr));
    INT(SSL_set1_initial_peer_addr(client, addr));
    THEN(SSL_set_fd(qfresh, -1), SSL_get_fd(qfresh));
    THEN(SSL_set_blocking_mode(client, 99), SSL_get_blocking_mode(client));
    THEN(SSL_set_blocking_mode(client, 1), SSL_get_blocking_mode(client));
    PTR(SSL_accept_stream(client, 0xFF00));
    PTR(SSL_accept_stream(s1, 0));
    PTR(SSL_accept_connection(listener, 0xFF00));
    PTR(SSL_accept_connection(client, 0));
    INT(SSL_inject_net_dgram(client, (unsigned char *)big, sizeof(big), NULL, NULL));
    INT(SSL_inject_net_dgram(client, (unsigned char *)big, 0, NULL, NULL));
    INT(SSL_ctrl(client, 9999, 0, NULL));
    INT(SSL_ctrl(s1, 9999, 0, NULL));
    INT(SSL_get_error(client, 0));
    item.desc = SSL_as_poll_descriptor(client);
    item.events = SSL_POLL_EVENT_W;
    item.revents = 0;
    RUN("SSL_poll(items, 1, 0, &zero, 0, &found)", poll_one(ret, sizeof(ret), item, 1, 0, 0));
    RUN("SSL_poll(items, 2, 0, &zero, 0, &found)", poll_one(ret, sizeof(ret), item, 2, 0, 0));
    RUN("SSL_poll(items, 1, sizeof(item) - 1, &zero, 0, &found)",
        poll_one(ret, sizeof(ret), item, 1, sizeof(item) - 1, 0));
    RUN("SSL_poll(items, 1, sizeof(item), &zero, 0xFF00, &found)",
        poll_one(ret, sizeof(ret), item, 1, sizeof(item), 0xFF00));
    RUN("SSL_poll(item with events 1 << 40)", { SSL_POLL_ITEM i_ = item;
        i_.events = (uint64_t)1 << 40; poll_one(ret, sizeof(ret), i_, 1, sizeof(i_), 0); });
    RUN("SSL_poll(item of descriptor type 99)", { SSL_POLL_ITEM i_ = item;
        i_.desc.type = 99; poll_one(ret, sizeof(ret), i_, 1, sizeof(i_), 0); });
    RUN("SSL_poll(item of descriptor type NONE)", { SSL_POLL_ITEM i_ = item;
        i_.desc.type = BIO_POLL_DESCRIPTOR_TYPE_NONE;
        poll_one(ret, sizeof(ret), i_, 1, sizeof(i_), 0); });
    RUN("SSL_poll(item of a socket descriptor)", { SSL_POLL_ITEM i_ = item;
        i_.desc.type = BIO_POLL_DESCRIPTOR_TYPE_SOCK_FD; i_.desc.value.fd = fd;
        poll_one(ret, sizeof(ret), i_, 1, sizeof(i_), 0); });
    RUN("SSL_poll(item of a TLS object)", { SSL_POLL_ITEM i_ = item;
        i_.desc = SSL_as_poll_descriptor(tls);
        poll_one(ret, sizeof(ret), i_, 1, sizeof(i_), 0); });
    RUN("SSL_poll(a QUIC object, a TLS object, a QUIC object)",
        { SSL_POLL_ITEM i_[3]; struct timeval t_ = {0, 0}; size_t f_ = 99; int r_;
          i_[0] = i_[1] = i_[2] = item; i_[1].desc = SSL_as_poll_descriptor(tls);
          i_[2].revents = 99;
          r_ = SSL_poll(i_, 3, sizeof(i_[0]), &t_, 0, &f_);
          snprintf(ret, sizeof(ret), "%d, found %zu, revents %llu %llu %llu", r_, f_,
                   (unsigned long long)i_[0].revents, (unsigned long long)i_[1].revents,
                   (unsigned long long)i_[2].revents); });
    RUN("SSL_poll(items, 1, sizeof(item), negative timeout, 0, &found)",
        { SSL_POLL_ITEM i_ = item; struct timeval t_ = {-1, 0}; size_t f_ = 99;
          int r_ = SSL_poll(&i_, 1, sizeof(i_), &t_, 0, &f_);
          snprintf(ret, sizeof(ret), "%d, found %zu", r_, f_); });
    RUN("SSL_poll(NULL, 0, 0, &zero, 0xFF00, &found)",
        { struct timeval t_ = {0, 0}; size_t f_ = 99;
          int r_ = SSL_poll(NULL, 0, 0, &t_, 0xFF00, &f_);
          snprintf(ret, sizeof(ret), "%d, found %zu", r_, f_); });

    printf("%d calls\n", calls);
    return 0;
}
