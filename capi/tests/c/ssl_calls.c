/*
 * The libssl calls servers and clients such as nginx, HAProxy and curl make around a TLS
 * connection, on a client and a server in one process joined by a stream BIO pair (each
 * driven in turn, non-blocking): options, handshake states and their strings, the info
 * callback, shutdown flags and quiet shutdown, SSL_clear and a second connection on the
 * same objects, the negotiated cipher through the SSL_CIPHER calls, groups, read-ahead,
 * extra chain certificates, certificates and keys given as objects, alert strings. The
 * output must be the same on qssl and on OpenSSL 3.5.
 *
 * Usage: ssl_calls <cert.pem> <key.pem> <other key.pem> <version: 2 or 3>
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* Prints "what = value" for one call (each call on a line of its own, so calls run in order). */
#define SHOW(what, call) printf("%s = %ld\n", what, (long)(call))

/* The first error on the queue as its reason string (or "none"); the queue is emptied. */
static const char *first_error(void)
{
    unsigned long e = ERR_peek_error();
    const char *reason = e == 0 ? "none" : ERR_reason_error_string(e);

    ERR_clear_error();
    return reason != NULL ? reason : "unknown";
}

static SSL *client, *server;
static int loops, exits;

static const char *who(const SSL *ssl)
{
    return ssl == client ? "client" : ssl == server ? "server" : "other";
}

/* Prints the handshake's start and end and every alert; counts the rest. */
static void on_info(const SSL *ssl, int where, int ret)
{
    if (where & SSL_CB_LOOP) {
        loops++;
        return;
    }
    if (where & SSL_CB_EXIT) {
        exits++;
        return;
    }
    if (where & SSL_CB_ALERT) {
        printf("%s info: %s alert %s: %s (%s %s), state %s\n", who(ssl),
               (where & SSL_CB_READ) ? "read" : "write", SSL_alert_type_string_long(ret),
               SSL_alert_desc_string_long(ret), SSL_alert_type_string(ret),
               SSL_alert_desc_string(ret), SSL_state_string(ssl));
        return;
    }
    printf("%s info: where %#x ret %d, state \"%s\" (%s)\n", who(ssl), where, ret,
           SSL_state_string_long(ssl), SSL_state_string(ssl));
}

static void show_state(SSL *ssl)
{
    printf("%s state %d \"%s\" (%s), in_init %d, in_before %d, finished %d\n", who(ssl),
           (int)SSL_get_state(ssl), SSL_state_string_long(ssl), SSL_state_string(ssl),
           SSL_in_init(ssl), SSL_in_before(ssl), SSL_is_init_finished(ssl));
}

/* One handshake step of `ssl`, with what it returned and where it is after. */
static int step(SSL *ssl)
{
    int ret = SSL_do_handshake(ssl);

    printf("%s handshake %d, error %d\n", who(ssl), ret, SSL_get_error(ssl, ret));
    show_state(ssl);
    return ret;
}

/* Joins the two objects with a fresh BIO pair and runs the handshake to its end. */
static void handshake(void)
{
    BIO *c = NULL, *s = NULL;
    int i, done_c = 0, done_s = 0;

    BIO_new_bio_pair(&c, 0, &s, 0);
    SSL_set_bio(client, c, c);
    SSL_set_bio(server, s, s);
    for (i = 0; i < 6 && !(done_c && done_s); i++) {
        if (!done_c)
            done_c = step(client) == 1;
        if (!done_s)
            done_s = step(server) == 1;
    }
    printf("handshake done %d/%d, errors %s\n", done_c, done_s, first_error());
}

/* The hellos' randoms, as both sides see them. */
static void randoms(void)
{
    unsigned char c1[32], c2[32], s1[32], s2[32], zero[32] = { 0 };

    SHOW("client random size", SSL_get_client_random(client, NULL, 0));
    SHOW("server random size", SSL_get_server_random(server, NULL, 0));
    SHOW("client random copied", SSL_get_client_random(client, c1, sizeof(c1)));
    SHOW("short copy", SSL_get_client_random(server, c2, 8));
    SSL_get_client_random(server, c2, sizeof(c2));
    SSL_get_server_random(client, s1, sizeof(s1));
    SHOW("server random copied", SSL_get_server_random(server, s2, sizeof(s2)));
    printf("client randoms agree %d, server randoms agree %d, set %d %d\n",
           memcmp(c1, c2, 32) == 0, memcmp(s1, s2, 32) == 0, memcmp(c1, zero, 32) != 0,
           memcmp(s1, zero, 32) != 0);
}

/* One message each way. */
static void exchange(void)
{
    char buf[64];
    int n;

    SHOW("client write", SSL_write(client, "ping", 4));
    n = SSL_read(server, buf, sizeof(buf));
    printf("server read %d: %.*s\n", n, n > 0 ? n : 0, buf);
    SHOW("server write", SSL_write(server, "pong", 4));
    n = SSL_read(client, buf, sizeof(buf));
    printf("client read %d: %.*s\n", n, n > 0 ? n : 0, buf);
}

/* The two-step shutdown, with the shutdown flags at each step. */
static void close_both(void)
{
    char buf[16];
    int ret;

    SHOW("client get_shutdown before", SSL_get_shutdown(client));
    SHOW("client shutdown", SSL_shutdown(client));
    SHOW("client get_shutdown", SSL_get_shutdown(client));
    ret = SSL_read(server, buf, sizeof(buf));
    printf("server read after close_notify %d, error %d\n", ret, SSL_get_error(server, ret));
    SHOW("server get_shutdown", SSL_get_shutdown(server));
    SHOW("server shutdown", SSL_shutdown(server));
    SHOW("server get_shutdown", SSL_get_shutdown(server));
    SHOW("client shutdown again", SSL_shutdown(client));
    SHOW("client get_shutdown", SSL_get_shutdown(client));
}

static void show_cipher(const SSL_CIPHER *c)
{
    int alg_bits = 0, bits;
    char desc[128];

    if (c == NULL) {
        printf("cipher: none\n");
        return;
    }
    bits = SSL_CIPHER_get_bits(c, &alg_bits);
    printf("cipher %s / %s, id %#lx, protocol id %#x, version %s\n", SSL_CIPHER_get_name(c),
           SSL_CIPHER_standard_name(c), (unsigned long)SSL_CIPHER_get_id(c),
           (unsigned)SSL_CIPHER_get_protocol_id(c), SSL_CIPHER_get_version(c));
    printf("  bits %d (alg %d), aead %d, nids: cipher %d digest %d kx %d auth %d\n",
           bits, alg_bits, SSL_CIPHER_is_aead(c),
           SSL_CIPHER_get_cipher_nid(c), SSL_CIPHER_get_digest_nid(c),
           SSL_CIPHER_get_kx_nid(c), SSL_CIPHER_get_auth_nid(c));
    printf("  %s", SSL_CIPHER_description(c, desc, sizeof(desc)));
}

static void ciphers(void)
{
    static const unsigned char ids[][2] = {
        { 0x13, 0x01 }, { 0x13, 0x02 }, { 0x13, 0x03 }, { 0xc0, 0x2b }, { 0xc0, 0x2c },
        { 0xcc, 0xa9 }, { 0xc0, 0x2f }, { 0xc0, 0x30 }, { 0xcc, 0xa8 },
    };
    char small[8], *owned;
    size_t i;

    printf("negotiated: ");
    show_cipher(SSL_get_current_cipher(client));
    printf("same object on both sides %d\n",
           SSL_get_current_cipher(client) == SSL_get_current_cipher(server));
    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        show_cipher(SSL_CIPHER_find(client, ids[i]));
    printf("unknown id: %s\n",
           SSL_CIPHER_find(client, (const unsigned char *)"\xfe\xfe") == NULL ? "null" : "?");
    printf("short buffer: %s\n",
           SSL_CIPHER_description(SSL_get_current_cipher(client), small, sizeof(small)) == NULL
               ? "null" : "?");
    owned = SSL_CIPHER_description(SSL_get_current_cipher(client), NULL, 0);
    printf("allocated: %s", owned);
    OPENSSL_free(owned);
    printf("null cipher: name %s, version %s, bits %d\n", SSL_CIPHER_get_name(NULL),
           SSL_CIPHER_get_version(NULL), SSL_CIPHER_get_bits(NULL, NULL));
}

static void alert_strings(void)
{
    static const int values[] = { 0x100, 0x228, 0x22a, 0x230, 0x246, 0x250, 0x270, 0x263 };
    size_t i;

    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        printf("alert %#x: %s/%s %s/%s\n", values[i], SSL_alert_type_string(values[i]),
               SSL_alert_type_string_long(values[i]), SSL_alert_desc_string(values[i]),
               SSL_alert_desc_string_long(values[i]));
}

static X509 *read_cert(const char *path)
{
    BIO *in = BIO_new_file(path, "r");
    X509 *x = PEM_read_bio_X509(in, NULL, NULL, NULL);

    BIO_free(in);
    return x;
}

static EVP_PKEY *read_key(const char *path)
{
    BIO *in = BIO_new_file(path, "r");
    EVP_PKEY *k = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);

    BIO_free(in);
    return k;
}

/* Client CA lists: loaded from a file, copied, added to, given to a context. */
static void ca_lists(const char *cert_file)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    STACK_OF(X509_NAME) *list, *copy;
    X509 *cert = read_cert(cert_file);
    char name[256];
    int i;

    SHOW("new context's list count", sk_X509_NAME_num(SSL_CTX_get_client_CA_list(ctx)));
    list = SSL_load_client_CA_file(cert_file);
    SHOW("loaded names", sk_X509_NAME_num(list));
    printf("missing file: %s", SSL_load_client_CA_file("/nonexistent/qssl") == NULL ? "null" : "?");
    printf(", error %s\n", first_error());
    copy = SSL_dup_CA_list(list);
    SHOW("copied names", sk_X509_NAME_num(copy));
    SHOW("copies are new objects", sk_X509_NAME_value(copy, 0) != sk_X509_NAME_value(list, 0));
    SSL_CTX_set_client_CA_list(ctx, list);
    SHOW("context keeps the list", SSL_CTX_get_client_CA_list(ctx) == list);
    SHOW("add client CA", SSL_CTX_add_client_CA(ctx, cert));
    SHOW("add no certificate", SSL_CTX_add_client_CA(ctx, NULL));
    for (i = 0; i < sk_X509_NAME_num(SSL_CTX_get_client_CA_list(ctx)); i++) {
        X509_NAME_oneline(sk_X509_NAME_value(SSL_CTX_get_client_CA_list(ctx), i), name,
                          sizeof(name));
        printf("CA name %d: %s\n", i, name);
    }
    sk_X509_NAME_pop_free(copy, X509_NAME_free);
    SSL_CTX_set_client_CA_list(ctx, NULL);
    printf("cleared list %s\n", SSL_CTX_get_client_CA_list(ctx) == NULL ? "null" : "?");
    X509_free(cert);
    SSL_CTX_free(ctx);
}

/* Configuration commands, as nginx's ssl_conf_command gives them. */
static void conf_commands(const char *cert_file, const char *key_file)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CONF_CTX *cctx = SSL_CONF_CTX_new();
    SSL *ssl;

    printf("conf flags %#x\n", SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_FILE
        | SSL_CONF_FLAG_SERVER | SSL_CONF_FLAG_CERTIFICATE | SSL_CONF_FLAG_SHOW_ERRORS));
    SSL_CONF_CTX_set_ssl_ctx(cctx, ctx);
    SHOW("Options", SSL_CONF_cmd(cctx, "Options", "-SessionTicket,ServerPreference"));
    printf("options now %#llx\n", (unsigned long long)SSL_CTX_get_options(ctx));
    SHOW("options: unknown name", SSL_CONF_cmd(cctx, "Options", "NoSuchOption"));
    printf("error %s\n", first_error());
    SHOW("MinProtocol", SSL_CONF_cmd(cctx, "minprotocol", "TLSv1.2"));
    SHOW("min version", SSL_CTX_get_min_proto_version(ctx));
    SHOW("MaxProtocol bad", SSL_CONF_cmd(cctx, "MaxProtocol", "TLSv9"));
    printf("error %s\n", first_error());
    SHOW("CipherString", SSL_CONF_cmd(cctx, "CipherString", "ECDHE+AESGCM"));
    SHOW("Ciphersuites", SSL_CONF_cmd(cctx, "Ciphersuites", "TLS_AES_128_GCM_SHA256"));
    SHOW("Groups", SSL_CONF_cmd(cctx, "Groups", "X25519:P-256"));
    SHOW("Curves", SSL_CONF_cmd(cctx, "Curves", "P-256"));
    SHOW("VerifyMode", SSL_CONF_cmd(cctx, "VerifyMode", "Request"));
    SHOW("verify mode", SSL_CTX_get_verify_mode(ctx));
    SHOW("Certificate", SSL_CONF_cmd(cctx, "Certificate", cert_file));
    SHOW("PrivateKey", SSL_CONF_cmd(cctx, "PrivateKey", key_file));
    SHOW("ClientCAFile", SSL_CONF_cmd(cctx, "ClientCAFile", cert_file));
    SHOW("missing value", SSL_CONF_cmd(cctx, "CipherString", NULL));
    printf("error %s\n", first_error());
    SHOW("unknown command", SSL_CONF_cmd(cctx, "NoSuchCommand", "x"));
    printf("error %s\n", first_error());
    SHOW("null command", SSL_CONF_cmd(cctx, NULL, "x"));
    printf("error %s\n", first_error());
    SHOW("type of Certificate", SSL_CONF_cmd_value_type(cctx, "Certificate"));
    SHOW("type of Options", SSL_CONF_cmd_value_type(cctx, "Options"));
    SHOW("type of an unknown command", SSL_CONF_cmd_value_type(cctx, "Nope"));
    SHOW("finish", SSL_CONF_CTX_finish(cctx));
    SHOW("client CA names", sk_X509_NAME_num(SSL_CTX_get_client_CA_list(ctx)));
    SHOW("check key", SSL_CTX_check_private_key(ctx));

    /* The command line form, on an object. */
    ssl = SSL_new(ctx);
    SSL_CONF_CTX_clear_flags(cctx, SSL_CONF_FLAG_FILE);
    SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_CMDLINE);
    SSL_CONF_CTX_set_ssl(cctx, ssl);
    SHOW("switch -no_ticket", SSL_CONF_cmd(cctx, "-no_ticket", NULL));
    SHOW("ticket option set", (SSL_get_options(ssl) & SSL_OP_NO_TICKET) != 0);
    SHOW("without the dash", SSL_CONF_cmd(cctx, "no_ticket", NULL));
    SHOW("type of a switch", SSL_CONF_cmd_value_type(cctx, "-no_ticket"));
    SHOW("prefix", SSL_CONF_CTX_set1_prefix(cctx, "--"));
    SHOW("switch with the prefix", SSL_CONF_cmd(cctx, "--serverpref", NULL));
    SHOW("server preference set", (SSL_get_options(ssl) & SSL_OP_CIPHER_SERVER_PREFERENCE) != 0);
    printf("errors %s\n", first_error());
    SSL_free(ssl);
    SSL_CONF_CTX_free(cctx);
    SSL_CTX_free(ctx);
}

/* The same calls on a QUIC connection object that has not connected. */
static void quic_object(void)
{
    SSL_CTX *qctx = SSL_CTX_new(OSSL_QUIC_client_method());
    SSL *q;

    SSL_CTX_set_options(qctx, SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE);
    q = SSL_new(qctx);
    printf("quic options %#llx", (unsigned long long)SSL_get_options(q));
    printf(", set %#llx", (unsigned long long)SSL_set_options(q, SSL_OP_IGNORE_UNEXPECTED_EOF));
    printf(", cleared %#llx\n", (unsigned long long)SSL_clear_options(q, SSL_OP_NO_TICKET));
    printf("quic state %d \"%s\" (%s), in_init %d, in_before %d\n", (int)SSL_get_state(q),
           SSL_state_string_long(q), SSL_state_string(q), SSL_in_init(q), SSL_in_before(q));
    SSL_set_quiet_shutdown(q, 1);
    SSL_set_shutdown(q, SSL_SENT_SHUTDOWN);
    SHOW("quic quiet shutdown", SSL_get_quiet_shutdown(q));
    SHOW("quic get_shutdown", SSL_get_shutdown(q));
    SHOW("quic clear", SSL_clear(q));
    printf("error %s\n", first_error());
    printf("quic cipher %s\n", SSL_get_current_cipher(q) == NULL ? "none" : "?");
    SSL_free(q);
    SSL_CTX_free(qctx);
}

int main(int argc, char *argv[])
{
    SSL_CTX *cctx, *sctx;
    X509 *cert, *extra;
    EVP_PKEY *key, *other;
    STACK_OF(X509) *chain = NULL;
    int version, groups[] = { NID_X25519, NID_X9_62_prime256v1 };
    char name[256];

    if (argc != 5)
        return 2;
    version = argv[4][0] == '2' ? TLS1_2_VERSION : TLS1_3_VERSION;
    cctx = SSL_CTX_new(TLS_client_method());
    sctx = SSL_CTX_new(TLS_server_method());

    /* Certificates and keys as objects. */
    cert = read_cert(argv[1]);
    key = read_key(argv[2]);
    other = read_key(argv[3]);
    printf("key type %d, other key type %d\n", EVP_PKEY_get_id(key), EVP_PKEY_get_id(other));
    SHOW("use certificate", SSL_CTX_use_certificate(sctx, cert));
    SHOW("use the wrong key", SSL_CTX_use_PrivateKey(sctx, other));
    printf("error %s\n", first_error());
    SHOW("use the key", SSL_CTX_use_PrivateKey(sctx, key));
    SHOW("check key", SSL_CTX_check_private_key(sctx));
    SHOW("ctx certificate is the one given", SSL_CTX_get0_certificate(sctx) == cert);
    SHOW("ctx key is the one given", SSL_CTX_get0_privatekey(sctx) == key);
    SHOW("client ctx certificate", SSL_CTX_get0_certificate(cctx) != NULL);
    EVP_PKEY_free(other);

    /* Extra chain certificates (the context takes the reference). */
    extra = read_cert(argv[1]);
    SHOW("add extra chain cert", SSL_CTX_add_extra_chain_cert(sctx, extra));
    SSL_CTX_get_extra_chain_certs(sctx, &chain);
    SHOW("extra chain certs", sk_X509_num(chain));
    SSL_CTX_get_extra_chain_certs_only(sctx, &chain);
    SHOW("extra chain certs only", sk_X509_num(chain));

    /* Options: what a context starts with, then changes on an object. */
    printf("client ctx options %#llx\n", (unsigned long long)SSL_CTX_get_options(cctx));
    SSL_CTX_set_min_proto_version(sctx, version);
    SSL_CTX_set_max_proto_version(sctx, version);
    SHOW("groups list", SSL_CTX_set1_groups_list(cctx, "X25519:P-256"));
    SHOW("server groups", SSL_CTX_set1_groups(sctx, groups, 2));
    SHOW("bad groups list", SSL_CTX_set1_groups_list(cctx, "nonsense"));
    printf("error %s\n", first_error());
    {
        SSL_CTX *scratch = SSL_CTX_new(TLS_client_method());

        SHOW("empty groups list", SSL_CTX_set1_groups_list(scratch, ""));
        printf("error %s\n", first_error());
        SSL_CTX_free(scratch);
    }
    SHOW("set read ahead (previous)", SSL_CTX_set_read_ahead(cctx, 1));
    SHOW("get read ahead", SSL_CTX_get_read_ahead(cctx));
    SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_info_callback(sctx, on_info);
    printf("ctx info callback set %d, client ctx none %d\n",
           SSL_CTX_get_info_callback(sctx) == on_info, SSL_CTX_get_info_callback(cctx) == NULL);
    SHOW("ctx quiet shutdown", SSL_CTX_get_quiet_shutdown(sctx));

    client = SSL_new(cctx);
    server = SSL_new(sctx);
    SSL_set_info_callback(client, on_info);
    printf("object info callback %d, server object none %d\n",
           SSL_get_info_callback(client) == on_info, SSL_get_info_callback(server) == NULL);
    SHOW("object read ahead", SSL_get_read_ahead(client));
    SSL_set_read_ahead(client, 0);
    SHOW("object read ahead after clearing", SSL_get_read_ahead(client));
    printf("options %#llx", (unsigned long long)SSL_get_options(client));
    printf(", set %#llx", (unsigned long long)SSL_set_options(client, SSL_OP_NO_TICKET));
    printf(", cleared %#llx", (unsigned long long)SSL_clear_options(client, SSL_OP_NO_TICKET));
    printf(", now %#llx\n", (unsigned long long)SSL_get_options(client));
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    SHOW("server certificate is the context's", SSL_get_certificate(server) == cert);
    SHOW("server key is the context's", SSL_get_privatekey(server) == key);
    SHOW("client certificate", SSL_get_certificate(client) != NULL);
    SHOW("client key", SSL_get_privatekey(client) != NULL);
    X509_NAME_oneline(X509_get_subject_name(SSL_get_certificate(server)), name, sizeof(name));
    printf("server certificate subject %s\n", name);
    show_state(client);
    show_state(server);

    /* The first connection. */
    handshake();
    printf("version %s, negotiated group %ld\n", SSL_get_version(client),
           (long)SSL_get_negotiated_group(client));
    SHOW("peer chain length", sk_X509_num(SSL_get_peer_cert_chain(client)));
    randoms();
    exchange();
    close_both();
    printf("loop and exit events seen %d %d\n", loops > 0, exits > 0);
    ciphers();

    /* The same objects again after SSL_clear. */
    SHOW("client clear", SSL_clear(client));
    SHOW("server clear", SSL_clear(server));
    show_state(client);
    SHOW("get_shutdown after clear", SSL_get_shutdown(client));
    handshake();
    SHOW("second connection resumed", SSL_session_reused(client));
    exchange();

    /* A quiet shutdown sends nothing; shutdown flags set by hand. */
    SSL_set_quiet_shutdown(server, 1);
    SHOW("server quiet shutdown", SSL_get_quiet_shutdown(server));
    SHOW("quiet shutdown", SSL_shutdown(server));
    SHOW("server get_shutdown", SSL_get_shutdown(server));
    {
        char buf[16];
        int ret = SSL_read(client, buf, sizeof(buf));

        printf("client read after a quiet shutdown %d, error %d\n", ret,
               SSL_get_error(client, ret));
    }
    SSL_set_shutdown(client, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SHOW("client get_shutdown after setting", SSL_get_shutdown(client));
    SHOW("client shutdown with both flags set", SSL_shutdown(client));
    SHOW("client write after that", SSL_write(client, "x", 1));
    printf("error %s\n", first_error());

    alert_strings();
    quic_object();
    ca_lists(argv[1]);
    conf_commands(argv[1], argv[2]);
    SSL_CTX_clear_extra_chain_certs(sctx);
    SSL_CTX_get_extra_chain_certs(sctx, &chain);
    SHOW("extra chain certs after clearing", sk_X509_num(chain));
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    X509_free(cert);
    EVP_PKEY_free(key);
    printf("errors left: %s\n", first_error());
    return 0;
}
