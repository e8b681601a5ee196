/*
 * qssl: OpenSSL-compatible e_os2.h: the portability macros OpenSSL's headers and programs
 * use (this library targets Linux with a C99 or later compiler).
 */
#ifndef OPENSSL_E_OS2_H
# define OPENSSL_E_OS2_H
# pragma once

# include <stdint.h>
# include <inttypes.h>
# include <limits.h>
# include <sys/types.h>

# define OPENSSL_SYS_UNIX
# define OPENSSL_UNISTD <unistd.h>

# define OPENSSL_EXPORT extern
# define OPENSSL_EXTERN extern

# define ossl_inline inline
# define ossl_noreturn __attribute__((noreturn))
# define ossl_unused __attribute__((unused))

# define ossl_ssize_t ssize_t
# define OSSL_SSIZE_MAX SSIZE_MAX

#endif
