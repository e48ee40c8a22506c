package dev.xdpdump.sys;

import jnr.ffi.Pointer;

/**
 * A local user account (getpwnam) and the one thing xdpdump does with it: become it for good ({@code -Z}). glibc's
 * set*id wrappers change every thread of the process, the JVM's included, so the reader and the sink threads lose
 * their privileges with the main thread.
 */
public final class UserAccount {
    /** struct passwd on x86-64 and aarch64 glibc: pw_name, pw_passwd (pointers), then uid_t pw_uid, gid_t pw_gid. */
    private static final int PW_UID = 16;
    private static final int PW_GID = 20;

    private final String name;
    private final int uid;
    private final int gid;

    private UserAccount(String name, int uid, int gid) {
        this.name = name;
        this.uid = uid;
        this.gid = gid;
    }

    /** The account named {@code name}; null when there is no such user. */
    public static UserAccount named(String name) {
        long entry = Native.LIBC.getpwnam(name);
        if (entry == 0) {
            // errno does not tell "no such user" from a failed lookup here (getpwnam leaves it as it was when the
            // user is absent, and NSS modules differ); either way there is no account to become.
            return null;
        }
        Pointer p = Pointer.wrap(Native.RUNTIME, entry);
        return new UserAccount(name, p.getInt(PW_UID), p.getInt(PW_GID));
    }

    public String name() {
        return name;
    }

    public int uid() {
        return uid;
    }

    public int gid() {
        return gid;
    }

    /**
     * Becomes this user: its groups (initgroups, which also drops root's), its group, then its uid. Order matters:
     * after setuid the process may no longer change its groups. From root to another uid the kernel clears the
     * permitted and effective capability sets, and nothing here asks to keep them.
     */
    public void become() throws ErrnoException {
        Native.check("initgroups for user " + name, Native.LIBC.initgroups(name, gid));
        Native.check("setgid " + gid + " (user " + name + ")", Native.LIBC.setgid(gid));
        Native.check("setuid " + uid + " (user " + name + ")", Native.LIBC.setuid(uid));
    }
}
