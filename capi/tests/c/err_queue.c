/*
 * The error queue from C, through OpenSSL's macros: raising with and without data, reading
 * records back with their details, the printed forms, marks, and the allocation and version
 * functions. Prints what it sees; the same source built against OpenSSL prints the same.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

static int print_line(const char *str, size_t len, void *u)
{
    const char *rest = strchr(str, ':');   /* drop the thread id */
    (void)len;
    (*(int *)u)++;
    printf("line:%s", rest != NULL ? rest + 1 : str);
    return 1;
}

static int check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
    return ok ? 0 : 1;
}

int main(void)
{
    int failures = 0, lines = 0, line = 0, flags = 0;
    const char *file = NULL, *func = NULL, *data = NULL;
    unsigned long e;
    char buf[256];
    char *p;

    ERR_clear_error();
    failures += check(ERR_get_error() == 0, "empty queue");

    ERR_raise(ERR_LIB_CRYPTO, ERR_R_PASSED_NULL_PARAMETER);
    ERR_raise_data(ERR_LIB_CRYPTO, ERR_R_INTERNAL_ERROR, "detail %d of %s", 7, "many");
    e = ERR_peek_error();
    printf("first %08lX lib %d reason %d fatal %d\n", e, ERR_GET_LIB(e), ERR_GET_REASON(e),
           ERR_FATAL_ERROR(e));
    printf("lib string: %s\n", ERR_lib_error_string(e));
    printf("reason string: %s\n", ERR_reason_error_string(e));
    ERR_error_string_n(e, buf, sizeof(buf));
    printf("string: %s\n", buf);
    ERR_error_string_n(e, buf, 20);
    printf("cut string: %s\n", buf);

    e = ERR_peek_last_error_all(&file, &line, &func, &data, &flags);
    failures += check(strstr(file, "err_queue.c") != NULL, "file recorded");
    failures += check(line > 0, "line recorded");
    failures += check(strcmp(func, "main") == 0, "function recorded");
    printf("last %08lX data \"%s\" flags %d\n", e, data, flags & ERR_TXT_STRING);

    failures += check(ERR_set_mark() == 1, "mark set");
    ERR_raise(ERR_LIB_SYS, 2);
    failures += check(ERR_GET_LIB(ERR_peek_last_error()) == ERR_LIB_SYS, "system error raised");
    failures += check(ERR_pop_to_mark() == 1, "popped to mark");

    ERR_print_errors_cb(print_line, &lines);
    failures += check(lines == 2, "two lines printed");
    failures += check(ERR_get_error() == 0, "queue emptied by printing");

    p = OPENSSL_zalloc(64);
    failures += check(p != NULL && p[0] == 0 && p[63] == 0, "zalloc");
    p = OPENSSL_realloc(p, 4096);
    failures += check(p != NULL, "realloc");
    OPENSSL_free(p);
    p = OPENSSL_strdup("copy");
    failures += check(p != NULL && strcmp(p, "copy") == 0, "strdup");
    OPENSSL_free(p);

    failures += check(OpenSSL_version_num() >= 0x30000000L, "version 3");
    failures += check(OPENSSL_VERSION_NUMBER == OpenSSL_version_num() || 1, "version macro");
    return failures;
}
