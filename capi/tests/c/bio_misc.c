/*
 * File and memory BIOs and the BIO formatting functions, through the plain OpenSSL API.
 * The output must be the same on qssl and on OpenSSL 3.5.
 *
 * Usage: bio_misc <scratch directory>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>

int main(int argc, char *argv[])
{
    char path[512], buf[128], small[8];
    const char *data;
    BIO *f, *m;
    long len;
    int n;

    if (argc != 2)
        return 2;
    snprintf(path, sizeof(path), "%s/bio_misc.txt", argv[1]);

    /* Formatting. */
    printf("snprintf fits %d, truncated %d\n", BIO_snprintf(small, sizeof(small), "%d", 1234),
           BIO_snprintf(small, sizeof(small), "%s", "far too long"));

    /* A file written with BIO_printf, then read back two ways. */
    f = BIO_new_file(path, "w");
    printf("write file %s, type %#x, name \"%s\"\n", f != NULL ? "opened" : "failed",
           (unsigned)BIO_method_type(f), BIO_method_name(f));
    n = BIO_printf(f, "line %d: %s\n", 1, "hello");
    printf("printf wrote %d, write %d, flush %d\n", n, BIO_write(f, "line 2\n", 7), BIO_flush(f));
    BIO_free(f);
    f = BIO_new_file(path, "rb");
    n = BIO_read(f, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    printf("read %d: %s", n, buf);
    printf("eof before %d, ", BIO_eof(f));
    n = BIO_read(f, buf, sizeof(buf));
    printf("read at end %d, eof after %d\n", n, BIO_eof(f));
    BIO_free(f);
    f = BIO_new(BIO_s_file());
    printf("read_filename %d, ", (int)BIO_read_filename(f, path));
    n = BIO_read(f, buf, 4);
    printf("first bytes %.*s\n", n, buf);
    BIO_free(f);

    /* Lines, positions and seeking in a file. */
    f = BIO_new_file(path, "r");
    n = BIO_gets(f, buf, sizeof(buf));
    printf("gets %d: %s", n, buf);
    printf("tell after a line %d, ", BIO_tell(f));
    printf("seek %d, ", BIO_seek(f, 5));
    n = BIO_gets(f, buf, 4);
    printf("short gets %d: \"%s\", ", n, buf);
    printf("tell %d\n", BIO_tell(f));
    BIO_gets(f, buf, sizeof(buf));
    n = BIO_gets(f, buf, sizeof(buf));
    printf("second line %d: %s", n, buf);
    printf("gets at end %d\n", BIO_gets(f, buf, sizeof(buf)));
    BIO_free(f);
    printf("missing file: %s\n", BIO_new_file("/nonexistent/qssl", "r") == NULL ? "null" : "?");
    printf("bad mode: %s\n", BIO_new_file(path, "q") == NULL ? "null" : "?");
    ERR_clear_error();

    /* A memory BIO as a FIFO. */
    m = BIO_new(BIO_s_mem());
    printf("mem type %#x, name \"%s\"\n", (unsigned)BIO_method_type(m), BIO_method_name(m));
    BIO_printf(m, "%s-%d", "abc", 42);
    len = BIO_get_mem_data(m, &data);
    printf("mem data %ld: %.*s, pending %d\n", len, (int)len, data, (int)BIO_pending(m));
    n = BIO_read(m, buf, 3);
    printf("read %.*s, then %ld left\n", n, buf, (long)BIO_get_mem_data(m, &data));
    n = BIO_read(m, buf, sizeof(buf));
    n = BIO_read(m, buf, sizeof(buf));
    printf("empty read %d, should retry %d\n", n, BIO_should_retry(m) != 0);
    BIO_free(m);

    /* A read-only memory BIO over a string. */
    m = BIO_new_mem_buf("fixed text", -1);
    n = BIO_read(m, buf, sizeof(buf));
    printf("mem buf read %d: %.*s, write %d\n", n, n, buf, BIO_write(m, "x", 1));
    n = (int)BIO_reset(m);
    printf("reset %d, read again %d\n", n, BIO_read(m, buf, 5));
    printf("mem tell %d, ", BIO_tell(m));
    printf("seek %d, ", BIO_seek(m, 6));
    n = BIO_gets(m, buf, sizeof(buf));
    printf("gets %d: %s, ", n, buf);
    printf("seek past the end %d\n", BIO_seek(m, 99));
    BIO_free(m);
    ERR_clear_error();

    /* A chain of three; the middle one popped and freed; the rest freed together. */
    {
        BIO *a = BIO_new(BIO_s_mem()), *b = BIO_new(BIO_s_mem()), *c = BIO_new(BIO_s_mem());

        BIO_push(a, b);
        BIO_push(a, c);
        printf("chain a->b %d, b->c %d\n", BIO_next(a) == b, BIO_next(b) == c);
        printf("pop b gives c %d, ", BIO_pop(b) == c);
        printf("then a->c %d, b alone %d\n", BIO_next(a) == c, BIO_next(b) == NULL);
        BIO_free(b);
        BIO_free_all(a);
    }
    remove(path);
    return 0;
}
