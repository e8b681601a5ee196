/*
 * Certificate chains through the plain OpenSSL API: a TLS client and server in one process,
 * joined by memory BIOs, in scenarios that each show what the verify callback is told at
 * every step (depth, error, current certificate, chain), what it can change
 * (X509_STORE_CTX_set_error, its answer), the verify result, the peer's chain and the
 * verified chain, plus X509_check_host/X509_check_ip_asc and the stack functions. The output
 * must be the same on qssl and on OpenSSL 3.5.
 *
 * Usage: verify_chain <dir>, where dir holds root.pem, chain.pem (leaf then intermediate),
 * leaf.pem, leaf.key, self.pem, self.key, expired.pem (leaf then intermediate), expired.key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static char paths[8][512];
enum { ROOT, CHAIN, LEAF, LEAF_KEY, SELF, SELF_KEY, EXPIRED, EXPIRED_KEY };

/* What the callback answers: 1 for steps that passed and 1 for failed ones, 0 for every
 * step, or 1 for passed ones while clearing the errors of failed ones. */
enum { ACCEPT, REJECT, CLEAR } policy;

static const char *cn(X509 *x)
{
    static char name[2][64];
    static int slot;
    char *out = name[slot ^= 1];

    if (x == NULL)
        return "(none)";
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, out, 64) < 0)
        strcpy(out, "?");
    return out;
}

static void show_chain(const char *what, STACK_OF(X509) *chain)
{
    int i;

    printf("  %s:", what);
    if (chain == NULL) {
        printf(" none\n");
        return;
    }
    for (i = 0; i < sk_X509_num(chain); i++)
        printf(" [%s]", cn(sk_X509_value(chain, i)));
    printf("\n");
}

static int on_verify(int ok, X509_STORE_CTX *store)
{
    int depth = X509_STORE_CTX_get_error_depth(store);
    int err = X509_STORE_CTX_get_error(store);
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(store);
    STACK_OF(X509) *copy;

    printf("  callback ok=%d depth=%d error=%d current=%s chain=%d\n", ok, depth, err,
           cn(X509_STORE_CTX_get_current_cert(store)), chain ? sk_X509_num(chain) : -1);
    copy = X509_STORE_CTX_get1_chain(store);
    if (copy == NULL || sk_X509_num(copy) != sk_X509_num(chain))
        printf("  get1_chain differs\n");
    sk_X509_pop_free(copy, X509_free);
    if (policy == REJECT)
        return 0;
    if (ok)
        return 1;
    if (policy == CLEAR) {
        X509_STORE_CTX_set_error(store, X509_V_OK);
        return 1;
    }
    return 1;
}

/* Moves what one side wrote to the other side's input. */
static void carry(BIO *from, BIO *to)
{
    char buf[4096];
    int n;

    while ((n = BIO_read(from, buf, sizeof(buf))) > 0)
        BIO_write(to, buf, n);
}

static SSL_CTX *server_ctx(int cert, int key)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    if (SSL_CTX_use_certificate_chain_file(ctx, paths[cert]) != 1
            || SSL_CTX_use_PrivateKey_file(ctx, paths[key], SSL_FILETYPE_PEM) != 1) {
        ERR_print_errors_fp(stdout);
        exit(1);
    }
    return ctx;
}

/*
 * One handshake: the server presents `cert` (a chain file) with `key`; the client trusts
 * root.pem, checks `host` if not NULL, and limits the depth to `depth` if not negative.
 * The verify settings go on the client's context, or with `own` on the client object (its
 * context then verifies nothing).
 */
static void scenario(const char *title, int cert, int key, const char *host, int depth, int own)
{
    SSL_CTX *sctx = server_ctx(cert, key), *cctx = SSL_CTX_new(TLS_client_method());
    SSL *c, *s;
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    int rc = 0, rs = 0, round, want;
    long result;

    printf("%s\n", title);
    SSL_CTX_load_verify_locations(cctx, paths[ROOT], NULL);
    if (!own) {
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, on_verify);
        if (depth >= 0)
            SSL_CTX_set_verify_depth(cctx, depth);
    }
    c = SSL_new(cctx);
    if (own) {
        SSL_set_verify(c, SSL_VERIFY_PEER, on_verify);
        if (depth >= 0)
            SSL_set_verify_depth(c, depth);
        printf("  object: mode %d depth %d; context: mode %d depth %d\n", SSL_get_verify_mode(c),
               SSL_get_verify_depth(c), SSL_CTX_get_verify_mode(cctx),
               SSL_CTX_get_verify_depth(cctx));
    }
    s = SSL_new(sctx);
    SSL_set_bio(c, c_in, c_out);
    SSL_set_bio(s, s_in, s_out);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    SSL_set_tlsext_host_name(c, "localhost");
    if (host != NULL)
        SSL_set1_host(c, host);
    for (round = 0; round < 10 && (rc != 1 || rs != 1); round++) {
        rc = SSL_do_handshake(c);
        /* Asked at once: writing into the client's input clears its retry flags. */
        want = rc == 1 || SSL_get_error(c, rc) == SSL_ERROR_WANT_READ;
        carry(c_out, s_in);
        rs = SSL_do_handshake(s);
        carry(s_out, c_in);
        if (!want)
            break;
    }
    result = SSL_get_verify_result(c);
    printf("  handshake %s, verify result %ld (%s)\n", rc == 1 ? "done" : "failed", result,
           X509_verify_cert_error_string(result));
    show_chain("peer chain", SSL_get_peer_cert_chain(c));
    show_chain("verified chain", SSL_get0_verified_chain(c));
    ERR_clear_error();
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

static X509 *read_cert(int which)
{
    BIO *in = BIO_new_file(paths[which], "r");
    X509 *x = PEM_read_bio_X509(in, NULL, NULL, NULL);

    BIO_free(in);
    return x;
}

static X509 *take_reference(const X509 *x)
{
    X509 *y = (X509 *)x;

    return X509_up_ref(y) == 1 ? y : NULL;
}

static int by_name(const X509 *const *a, const X509 *const *b)
{
    char x[64], y[64];

    X509_NAME_get_text_by_NID(X509_get_subject_name(*a), NID_commonName, x, sizeof(x));
    X509_NAME_get_text_by_NID(X509_get_subject_name(*b), NID_commonName, y, sizeof(y));
    return strcmp(x, y);
}

static void names_and_stacks(void)
{
    X509 *leaf = read_cert(LEAF), *root = read_cert(ROOT), *self = read_cert(SELF), *popped, *shifted;
    STACK_OF(X509) *sk = sk_X509_new_null(), *copy, *deep;

    printf("check_host localhost %d, LOCALHOST %d, other.example %d, self localhost %d\n",
           X509_check_host(leaf, "localhost", 0, 0, NULL),
           X509_check_host(leaf, "LOCALHOST", 9, 0, NULL),
           X509_check_host(leaf, "other.example", 0, 0, NULL),
           X509_check_host(self, "localhost", 0, 0, NULL));
    printf("check_ip_asc 127.0.0.1 %d, 127.0.0.2 %d, not an address %d\n",
           X509_check_ip_asc(leaf, "127.0.0.1", 0), X509_check_ip_asc(leaf, "127.0.0.2", 0),
           X509_check_ip_asc(leaf, "nonsense", 0));

    sk_X509_push(sk, leaf);
    sk_X509_push(sk, root);
    sk_X509_unshift(sk, self);
    printf("stack %d:", sk_X509_num(sk));
    show_chain("order", sk);
    printf("find root %d, value 7 %s\n", sk_X509_find(sk, root),
           sk_X509_value(sk, 7) == NULL ? "null" : "set");
    shifted = sk_X509_shift(sk);
    printf("shifted %s\n", cn(shifted));
    (void)sk_X509_set_cmp_func(sk, by_name);
    printf("sorted before %d", sk_X509_is_sorted(sk));
    sk_X509_sort(sk);
    printf(", after %d, find leaf %d\n", sk_X509_is_sorted(sk), sk_X509_find(sk, leaf));
    show_chain("sorted", sk);
    popped = sk_X509_pop(sk);
    printf("popped %s\n", cn(popped));
    printf("left %d\n", sk_X509_num(sk));
    X509_free(popped);

    /* The same certificate twice more, then copies: a shallow one and one with references. */
    X509_up_ref(leaf);
    sk_X509_insert(sk, leaf, 0);
    X509_up_ref(leaf);
    sk_X509_insert(sk, leaf, 99);
    copy = sk_X509_dup(sk);
    deep = sk_X509_deep_copy(sk, take_reference, X509_free);
    printf("inserted %d, dup %d, deep %d, sorted %d\n", sk_X509_num(sk), sk_X509_num(copy),
           sk_X509_num(deep), sk_X509_is_sorted(sk));
    X509_free(sk_X509_delete(sk, 1));
    printf("deleted: %d left", sk_X509_num(sk));
    printf(", delete_ptr %s", sk_X509_delete_ptr(sk, self) == NULL ? "absent" : "found");
    printf(", then %d", sk_X509_num(sk));
    printf("; out of range %s\n", sk_X509_delete(sk, 5) == NULL ? "null" : "set");
    sk_X509_free(copy);
    sk_X509_pop_free(deep, X509_free);
    sk_X509_pop_free(sk, X509_free);
    X509_free(self);
}

int main(int argc, char **argv)
{
    const char *names[8] = { "root.pem", "chain.pem", "leaf.pem", "leaf.key", "self.pem",
                             "self.key", "expired.pem", "expired.key" };
    int i;

    if (argc != 2) {
        fprintf(stderr, "usage: verify_chain <dir>\n");
        return 2;
    }
    for (i = 0; i < 8; i++)
        snprintf(paths[i], sizeof(paths[i]), "%s/%s", argv[1], names[i]);

    policy = ACCEPT;
    scenario("trusted chain", CHAIN, LEAF_KEY, NULL, -1, 0);
    scenario("trusted chain, name checked", CHAIN, LEAF_KEY, "localhost", -1, 0);
    scenario("wrong name", CHAIN, LEAF_KEY, "other.example", -1, 0);
    scenario("leaf without its intermediate", LEAF, LEAF_KEY, NULL, -1, 0);
    scenario("self-signed", SELF, SELF_KEY, NULL, -1, 0);
    scenario("expired leaf", EXPIRED, EXPIRED_KEY, NULL, -1, 0);
    scenario("depth 0", CHAIN, LEAF_KEY, NULL, 0, 0);
    scenario("depth 1", CHAIN, LEAF_KEY, NULL, 1, 0);
    scenario("object's own settings: depth 0", CHAIN, LEAF_KEY, NULL, 0, 1);
    scenario("object's own settings: wrong name", CHAIN, LEAF_KEY, "other.example", -1, 1);
    policy = REJECT;
    scenario("rejected: trusted chain", CHAIN, LEAF_KEY, NULL, -1, 0);
    scenario("rejected: wrong name", CHAIN, LEAF_KEY, "other.example", -1, 0);
    scenario("rejected: self-signed", SELF, SELF_KEY, NULL, -1, 0);
    policy = CLEAR;
    scenario("cleared: self-signed", SELF, SELF_KEY, NULL, -1, 0);
    scenario("cleared: leaf without its intermediate", LEAF, LEAF_KEY, NULL, -1, 0);
    names_and_stacks();
    return 0;
}
