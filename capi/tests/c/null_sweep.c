/*
 * Calls every function the library exports with every argument zero (null pointers, zero
 * sizes, flags and descriptors), each in a child process of its own with a time limit. None
 * may crash or hang, and none may leave an internal error (a caught panic) on the error
 * queue. Prints one line per function: its return value read as an int (so a pointer shows
 * as its low 32 bits) and the first error queued.
 *
 * x86-64 passes the first six integer and pointer arguments in registers and the rest on the
 * stack, so calling through a pointer that takes eight zero longs gives any function of up
 * to eight such arguments its zeros (a function taking fewer ignores the rest).
 *
 * Usage: null_sweep <exports.txt>   (lines "NAME LIBRARY VERSION", as scripts/c-libs.sh writes)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>

typedef long (*any_fn)(long, long, long, long, long, long, long, long);

/* The child: calls `name` and reports. Exit status 0 fine, 3 internal error. */
static int call(const char *name)
{
    any_fn fn = (any_fn)dlsym(RTLD_DEFAULT, name);
    const char *data = NULL;
    unsigned long e;
    long ret;
    int flags = 0, internal = 0;

    if (fn == NULL) {
        printf("%s: not found\n", name);
        return 4;
    }
    alarm(5);
    ERR_clear_error();
    ret = fn(0, 0, 0, 0, 0, 0, 0, 0);
    e = ERR_peek_error_data(&data, &flags);
    printf("%s: returned %d, error %s\n", name, (int)ret,
           e == 0 ? "none" : ERR_reason_error_string(e) != NULL
               ? ERR_reason_error_string(e) : "unknown");
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0)
        if (data != NULL && strstr(data, "internal error") != NULL) {
            printf("%s: %s\n", name, data);
            internal = 1;
        }
    fflush(stdout);
    return internal ? 3 : 0;
}

int main(int argc, char *argv[])
{
    char line[512], name[256];
    int failures = 0, count = 0;
    FILE *list;

    if (argc != 2 || (list = fopen(argv[1], "r")) == NULL) {
        fprintf(stderr, "usage: %s exports.txt\n", argv[0]);
        return 2;
    }
    while (fgets(line, sizeof(line), list) != NULL) {
        int status;
        pid_t pid;

        if (sscanf(line, "%255s", name) != 1)
            continue;
        fflush(stdout);
        pid = fork();
        if (pid == 0)
            _exit(call(name));
        if (pid < 0 || waitpid(pid, &status, 0) != pid) {
            printf("%s: could not run\n", name);
            failures++;
            continue;
        }
        count++;
        if (WIFSIGNALED(status)) {
            printf("%s: FAILED: %s\n", name,
                   WTERMSIG(status) == SIGALRM ? "hung" : strsignal(WTERMSIG(status)));
            failures++;
        } else if (WEXITSTATUS(status) != 0) {
            printf("%s: FAILED: exit status %d\n", name, WEXITSTATUS(status));
            failures++;
        }
    }
    fclose(list);
    printf("%d functions called, %d failed\n", count, failures);
    return failures == 0 ? 0 : 1;
}
