/*
 * qssl: OpenSSL-compatible lhash.h: the OPENSSL_LH_* hash table and the typed wrappers
 * LHASH_OF(type) / DEFINE_LHASH_OF_EX(type), which register "thunks" so the library calls
 * the application's typed functions with the right types.
 */
#ifndef OPENSSL_LHASH_H
# define OPENSSL_LHASH_H
# pragma once

# include <openssl/e_os2.h>

# ifdef __cplusplus
extern "C" {
# endif

typedef struct lhash_st OPENSSL_LHASH;
typedef int (*OPENSSL_LH_COMPFUNC) (const void *, const void *);
typedef unsigned long (*OPENSSL_LH_HASHFUNC) (const void *);
typedef void (*OPENSSL_LH_DOALL_FUNC) (void *);
typedef void (*OPENSSL_LH_DOALL_FUNCARG) (void *, void *);
typedef unsigned long (*OPENSSL_LH_HASHFUNCTHUNK) (const void *, OPENSSL_LH_HASHFUNC);
typedef int (*OPENSSL_LH_COMPFUNCTHUNK) (const void *, const void *, OPENSSL_LH_COMPFUNC);
typedef void (*OPENSSL_LH_DOALL_FUNC_THUNK) (void *, OPENSSL_LH_DOALL_FUNC);
typedef void (*OPENSSL_LH_DOALL_FUNCARG_THUNK) (void *, void *, OPENSSL_LH_DOALL_FUNCARG);

int OPENSSL_LH_error(OPENSSL_LHASH *lh);
OPENSSL_LHASH *OPENSSL_LH_new(OPENSSL_LH_HASHFUNC h, OPENSSL_LH_COMPFUNC c);
OPENSSL_LHASH *OPENSSL_LH_set_thunks(OPENSSL_LHASH *lh, OPENSSL_LH_HASHFUNCTHUNK hw,
                                     OPENSSL_LH_COMPFUNCTHUNK cw,
                                     OPENSSL_LH_DOALL_FUNC_THUNK daw,
                                     OPENSSL_LH_DOALL_FUNCARG_THUNK daaw);
void OPENSSL_LH_free(OPENSSL_LHASH *lh);
void OPENSSL_LH_flush(OPENSSL_LHASH *lh);
void *OPENSSL_LH_insert(OPENSSL_LHASH *lh, void *data);
void *OPENSSL_LH_delete(OPENSSL_LHASH *lh, const void *data);
void *OPENSSL_LH_retrieve(OPENSSL_LHASH *lh, const void *data);
void OPENSSL_LH_doall(OPENSSL_LHASH *lh, OPENSSL_LH_DOALL_FUNC func);
void OPENSSL_LH_doall_arg(OPENSSL_LHASH *lh, OPENSSL_LH_DOALL_FUNCARG func, void *arg);
unsigned long OPENSSL_LH_strhash(const char *c);
unsigned long OPENSSL_LH_num_items(const OPENSSL_LHASH *lh);

# define LHASH_OF(type) struct lhash_st_##type

/*
 * For a type T: a table of T pointers with T-typed hash, compare and walk functions.
 * lh_T_new(hash, compare), lh_T_free, lh_T_flush, lh_T_insert, lh_T_delete, lh_T_retrieve,
 * lh_T_error, lh_T_num_items, lh_T_doall(fn(T *)), lh_T_doall_arg(fn(T *, void *), arg).
 */
# define DEFINE_LHASH_OF_EX(type)                                                         \
    LHASH_OF(type) { int dummy; };                                                        \
    static ossl_unused ossl_inline unsigned long                                          \
    lh_##type##_hash_thunk(const void *data, OPENSSL_LH_HASHFUNC hfn)                     \
    {                                                                                     \
        unsigned long (*typed)(const type *) = (unsigned long (*)(const type *))hfn;      \
        return typed((const type *)data);                                                 \
    }                                                                                     \
    static ossl_unused ossl_inline int                                                    \
    lh_##type##_comp_thunk(const void *a, const void *b, OPENSSL_LH_COMPFUNC cfn)         \
    {                                                                                     \
        int (*typed)(const type *, const type *) =                                        \
            (int (*)(const type *, const type *))cfn;                                     \
        return typed((const type *)a, (const type *)b);                                   \
    }                                                                                     \
    static ossl_unused ossl_inline void                                                   \
    lh_##type##_doall_thunk(void *node, OPENSSL_LH_DOALL_FUNC doall)                      \
    {                                                                                     \
        void (*typed)(type *) = (void (*)(type *))doall;                                  \
        typed((type *)node);                                                              \
    }                                                                                     \
    static ossl_unused ossl_inline void                                                   \
    lh_##type##_doall_arg_thunk(void *node, void *arg, OPENSSL_LH_DOALL_FUNCARG doall)    \
    {                                                                                     \
        void (*typed)(type *, void *) = (void (*)(type *, void *))doall;                  \
        typed((type *)node, arg);                                                         \
    }                                                                                     \
    static ossl_unused ossl_inline LHASH_OF(type) *                                       \
    lh_##type##_new(unsigned long (*hfn)(const type *),                                   \
                    int (*cfn)(const type *, const type *))                               \
    {                                                                                     \
        return (LHASH_OF(type) *)OPENSSL_LH_set_thunks(                                   \
            OPENSSL_LH_new((OPENSSL_LH_HASHFUNC)hfn, (OPENSSL_LH_COMPFUNC)cfn),           \
            lh_##type##_hash_thunk, lh_##type##_comp_thunk,                               \
            lh_##type##_doall_thunk, lh_##type##_doall_arg_thunk);                        \
    }                                                                                     \
    static ossl_unused ossl_inline void lh_##type##_free(LHASH_OF(type) *lh)              \
    {                                                                                     \
        OPENSSL_LH_free((OPENSSL_LHASH *)lh);                                             \
    }                                                                                     \
    static ossl_unused ossl_inline void lh_##type##_flush(LHASH_OF(type) *lh)             \
    {                                                                                     \
        OPENSSL_LH_flush((OPENSSL_LHASH *)lh);                                            \
    }                                                                                     \
    static ossl_unused ossl_inline type *lh_##type##_insert(LHASH_OF(type) *lh, type *d)  \
    {                                                                                     \
        return (type *)OPENSSL_LH_insert((OPENSSL_LHASH *)lh, d);                         \
    }                                                                                     \
    static ossl_unused ossl_inline type *                                                 \
    lh_##type##_delete(LHASH_OF(type) *lh, const type *d)                                 \
    {                                                                                     \
        return (type *)OPENSSL_LH_delete((OPENSSL_LHASH *)lh, d);                         \
    }                                                                                     \
    static ossl_unused ossl_inline type *                                                 \
    lh_##type##_retrieve(LHASH_OF(type) *lh, const type *d)                               \
    {                                                                                     \
        return (type *)OPENSSL_LH_retrieve((OPENSSL_LHASH *)lh, d);                       \
    }                                                                                     \
    static ossl_unused ossl_inline int lh_##type##_error(LHASH_OF(type) *lh)              \
    {                                                                                     \
        return OPENSSL_LH_error((OPENSSL_LHASH *)lh);                                     \
    }                                                                                     \
    static ossl_unused ossl_inline unsigned long                                          \
    lh_##type##_num_items(LHASH_OF(type) *lh)                                             \
    {                                                                                     \
        return OPENSSL_LH_num_items((OPENSSL_LHASH *)lh);                                 \
    }                                                                                     \
    static ossl_unused ossl_inline void                                                   \
    lh_##type##_doall(LHASH_OF(type) *lh, void (*doall)(type *))                          \
    {                                                                                     \
        OPENSSL_LH_doall((OPENSSL_LHASH *)lh, (OPENSSL_LH_DOALL_FUNC)doall);              \
    }                                                                                     \
    static ossl_unused ossl_inline void                                                   \
    lh_##type##_doall_arg(LHASH_OF(type) *lh, void (*doallarg)(type *, void *),           \
                          void *arg)                                                      \
    {                                                                                     \
        OPENSSL_LH_doall_arg((OPENSSL_LHASH *)lh, (OPENSSL_LH_DOALL_FUNCARG)doallarg, arg); \
    }                                                                                     \
    LHASH_OF(type)

# define DEFINE_LHASH_OF(type) DEFINE_LHASH_OF_EX(type)

# ifdef __cplusplus
}
# endif

#endif
