package dev.xdpdump.sys;

import jnr.ffi.annotations.SaveError;

/**
 * The libc functions xdpdump binds. Public only because jnr-ffi generates its implementation in another class
 * loader; nothing outside this package uses it: the rest of the program reaches the kernel only through the
 * typed wrappers in this package. Pointers travel as plain addresses ({@code long}) so a call never allocates.
 */
public interface LibC {
    /** Fixed arguments on purpose: binding syscall as variadic sends every call down jnr's slow path. */
    @SaveError
    long syscall(long number, long a1, long a2, long a3, long a4, long a5);

    @SaveError
    long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    @SaveError
    int munmap(long addr, long length);

    @SaveError
    int ioctl(int fd, long request, long arg);

    @SaveError
    int close(int fd);

    @SaveError
    int open(String path, int flags);

    @SaveError
    int epoll_create1(int flags);

    @SaveError
    int epoll_ctl(int epfd, int op, int fd, long event);

    @SaveError
    int epoll_wait(int epfd, long events, int maxEvents, int timeoutMillis);

    @SaveError
    int if_nametoindex(String name);

    @SaveError
    int poll(long fds, long count, int timeoutMillis);

    long signal(int signal, long handler);

    @SaveError
    int setns(int fd, int nstype);

    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    long send(int fd, long buf, long len, int flags);

    @SaveError
    long recv(int fd, long buf, long len, int flags);

    /** The passwd entry's address (struct passwd, static storage), 0 when there is none; errno only on failure. */
    @SaveError
    long getpwnam(String name);

    @SaveError
    int initgroups(String user, int group);

    @SaveError
    int setgid(int gid);

    @SaveError
    int setuid(int uid);

    @SaveError
    int connect(int fd, long address, int length);

    @SaveError
    int shutdown(int fd, int how);
}
