/* qssl: OpenSSL-compatible core.h: the dispatch table type of OpenSSL's provider interface. */
#ifndef OPENSSL_CORE_H
# define OPENSSL_CORE_H
# pragma once

# ifdef __cplusplus
extern "C" {
# endif

typedef struct ossl_dispatch_st OSSL_DISPATCH;
struct ossl_dispatch_st {
    int function_id;
    void (*function)(void);
};

# define OSSL_DISPATCH_END { 0, NULL }

# ifdef __cplusplus
}
# endif

#endif
