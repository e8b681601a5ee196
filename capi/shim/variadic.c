/*
 * The variadic functions of OpenSSL's API, which stable Rust cannot define: each formats its
 * arguments here and hands the text to a Rust function of the same library.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

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
