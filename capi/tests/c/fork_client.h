/*
 * For the two-process TLS tests: the client is forked before the server makes anything, so
 * it inherits none of the server's objects, and learns the server's port through a pipe
 * once the server listens.
 */
#ifndef QSSL_TEST_FORK_CLIENT_H
# define QSSL_TEST_FORK_CLIENT_H

# include <netinet/in.h>
# include <stdio.h>
# include <stdlib.h>
# include <string.h>
# include <sys/socket.h>
# include <unistd.h>

# include <openssl/bio.h>

/* Forks a process that waits for the port, runs client(port, ca) and exits with its result.
 * Returns the child's pid (-1 on failure) and, in *port_fd, where send_port writes. */
static inline pid_t fork_client(int (*client)(const char *port, const char *ca), const char *ca,
                                int *port_fd)
{
    int pipefd[2];
    pid_t pid;

    if (pipe(pipefd) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        char port[16];
        ssize_t got;

        close(pipefd[1]);
        got = read(pipefd[0], port, sizeof(port) - 1);
        close(pipefd[0]);
        if (got <= 0)
            exit(1);
        port[got] = '\0';
        exit(client(port, ca));
    }
    close(pipefd[0]);
    *port_fd = pipefd[1];
    return pid;
}

/* Tells the forked client the port the listening acceptor is bound to; 1 on success. */
static inline int send_port(int port_fd, BIO *acceptor)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    char port[16];
    int fd, ok;

    BIO_get_fd(acceptor, &fd);
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        return 0;
    snprintf(port, sizeof(port), "%d", ntohs(sa.sin_port));
    ok = write(port_fd, port, strlen(port)) == (ssize_t)strlen(port);
    close(port_fd);
    return ok;
}

#endif
