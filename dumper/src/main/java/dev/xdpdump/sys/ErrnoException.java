package dev.xdpdump.sys;

import java.io.IOException;

/**
 * A system call failed. Code branches on {@link #errno()}, never on the message; the message names the operation
 * and the errno symbol so a person can act on it.
 */
public class ErrnoException extends IOException {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int EOPNOTSUPP = 95;
    public static final int ECONNREFUSED = 111;

    private final String operation;
    private final int errno;

    public ErrnoException(String operation, int errno) {
        this(operation, errno, null);
    }

    public ErrnoException(String operation, int errno, String advice) {
        super(operation + ": " + name(errno) + (advice == null ? "" : ", " + advice));
        this.operation = operation;
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    public String operation() {
        return operation;
    }

    /** The errno's symbol and the kernel's words for it, e.g. {@code EPERM (operation not permitted)}. */
    public static String name(int errno) {
        switch (errno) {
            case EPERM: return "EPERM (operation not permitted)";
            case ENOENT: return "ENOENT (no such file or directory)";
            case ESRCH: return "ESRCH (no such process)";
            case EINTR: return "EINTR (interrupted)";
            case E2BIG: return "E2BIG (argument too big)";
            case EBADF: return "EBADF (bad file descriptor)";
            case EAGAIN: return "EAGAIN (try again)";
            case ENOMEM: return "ENOMEM (out of memory)";
            case EACCES: return "EACCES (permission denied)";
            case EFAULT: return "EFAULT (bad address)";
            case EBUSY: return "EBUSY (device or resource busy)";
            case EEXIST: return "EEXIST (already exists)";
            case ENODEV: return "ENODEV (no such device)";
            case EINVAL: return "EINVAL (invalid argument)";
            case ENOSPC: return "ENOSPC (no space left)";
            case ERANGE: return "ERANGE (result out of range)";
            case ENOSYS: return "ENOSYS (function not implemented)";
            case EOPNOTSUPP: return "EOPNOTSUPP (operation not supported)";
            case ECONNREFUSED: return "ECONNREFUSED (connection refused)";
            default: return "errno " + errno;
        }
    }
}
