/*
 * The variadic functions of OpenSSL's API, which stable Rust cannot define: each formats its
 * arguments here and hands the text to a Rust function of the same library.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>

/*
 * The functions this file exports, recorded where the link step reads the export list from
 * (as #[entry] records the Rust ones).
 */
#define QSSL_EXPORT(name) \
    __attribute__((section(".qssl_exports"), used)) static const char export_##name[] = #name

QSSL_EXPORT(ERR_set_error);
QSSL_EXPORT(ERR_vset_error);
QSSL_EXPORT(ERR_add_error_data);
QSSL_EXPORT(ERR_add_error_txt);
QSSL_EXPORT(BIO_snprintf);
QSSL_EXPORT(BIO_vsnprintf);
QSSL_EXPORT(BIO_printf);
QSSL_EXPORT(BIO_vprintf);

/* Defined in Rust (capi/src/err.rs). */
void qssl_err_set_error_text(int lib, int reason, const char *text);
void qssl_err_add_error_text(const char *text);

void ERR_set_error(int lib, int reason, const char *fmt, ...)
{
    char text[ERR_MAX_DATA_SIZE];
    va_list args;

    if (fmt == NULL) {
        qssl_err_set_error_text(lib, reason, NULL);
        return;
    }
    va_start(args, fmt);
    vsnprintf(text, sizeof(text), fmt, args);
    va_end(args);
    qssl_err_set_error_text(lib, reason, text);
}

void ERR_vset_error(int lib, int reason, const char *fmt, va_list args)
{
    char text[ERR_MAX_DATA_SIZE];

    if (fmt == NULL) {
        qssl_err_set_error_text(lib, reason, NULL);
        return;
    }
    vsnprintf(text, sizeof(text), fmt, args);
    qssl_err_set_error_text(lib, reason, text);
}

void ERR_add_error_data(int num, ...)
{
    char text[ERR_MAX_DATA_SIZE];
    size_t used = 0;
    va_list args;
    int i;

    text[0] = '\0';
    va_start(args, num);
    for (i = 0; i < num; i++) {
        const char *part = va_arg(args, const char *);
        size_t len;

        if (part == NULL)
            continue;
        len = strlen(part);
        if (used + len >= sizeof(text))
            len = sizeof(text) - 1 - used;
        memcpy(text + used, part, len);
        used += len;
        text[used] = '\0';
    }
    va_end(args);
    qssl_err_add_error_text(text);
}

void ERR_add_error_txt(const char *sep, const char *txt)
{
    (void)sep;
    qssl_err_add_error_text(txt);
}

/* OpenSSL's BIO_snprintf: the length written, or -1 if the text did not fit. */
int BIO_vsnprintf(char *buf, size_t n, const char *format, va_list args)
{
    int ret;

    if (format == NULL || (buf == NULL && n > 0))
        return -1;
    ret = vsnprintf(buf, n, format, args);

    if (ret < 0 || (size_t)ret >= n)
        return -1;
    return ret;
}

int BIO_snprintf(char *buf, size_t n, const char *format, ...)
{
    va_list args;
    int ret;

    va_start(args, format);
    ret = BIO_vsnprintf(buf, n, format, args);
    va_end(args);
    return ret;
}

/* Formats into memory of its own and writes the text to the BIO in one BIO_write. */
int BIO_vprintf(BIO *bio, const char *format, va_list args)
{
    char small[512], *text = small;
    va_list again;
    int len, ret;

    if (format == NULL)
        return -1;
    va_copy(again, args);
    len = vsnprintf(small, sizeof(small), format, args);
    if (len < 0) {
        va_end(again);
        return -1;
    }
    if ((size_t)len >= sizeof(small)) {
        text = malloc((size_t)len + 1);
        if (text == NULL) {
            va_end(again);
            return -1;
        }
        vsnprintf(text, (size_t)len + 1, format, again);
    }
    va_end(again);
    ret = BIO_write(bio, text, len);
    if (text != small)
        free(text);
    return ret;
}

int BIO_printf(BIO *bio, const char *format, ...)
{
    va_list args;
    int ret;

    va_start(args, format);
    ret = BIO_vprintf(bio, format, args);
    va_end(args);
    return ret;
}
