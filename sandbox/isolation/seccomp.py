"""The seccomp filter of every sandbox process, as raw BPF for ``bwrap --seccomp FD``."""

from __future__ import annotations

import errno
import functools
import os
import tempfile

from sandbox.errors import SandboxError

CLONE_NEW_MASK = (
    0x00000080  # CLONE_NEWTIME
    | 0x00020000  # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
)
TIOCSTI = 0x5412

# Refused whatever the traces show (scripts/seccomp_trace.py subtracts them from the allowlist).
REFUSED_FAMILIES: dict[str, tuple[str, ...]] = {
    "mount": (
        "mount",
        "umount2",
        "pivot_root",
        "chroot",
        "open_tree",
        "move_mount",
        "fsopen",
        "fsconfig",
        "fsmount",
        "fspick",
        "mount_setattr",
    ),
    "namespaces": ("unshare", "setns"),
    "io_uring": ("io_uring_setup", "io_uring_enter", "io_uring_register"),
    "userfaultfd": ("userfaultfd",),
    "bpf": ("bpf",),
    "perf_event_open": ("perf_event_open",),
    "keys": ("keyctl", "add_key", "request_key"),
    "ptrace": ("ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd"),
    "personality": ("personality",),
    "network": ("socket", "socketpair"),
    "sysv_ipc": (
        "shmget",
        "shmat",
        "shmdt",
        "shmctl",
        "semget",
        "semop",
        "semtimedop",
        "semctl",
        "msgget",
        "msgsnd",
        "msgrcv",
        "msgctl",
    ),
    "posix_mqueue": (
        "mq_open",
        "mq_unlink",
        "mq_timedsend",
        "mq_timedreceive",
        "mq_notify",
        "mq_getsetattr",
    ),
    "host_admin": (
        "kexec_load",
        "kexec_file_load",
        "init_module",
        "finit_module",
        "delete_module",
        "clock_settime",
        "clock_adjtime",
        "settimeofday",
        "adjtimex",
        "syslog",
        "acct",
        "swapon",
        "swapoff",
        "reboot",
        "quotactl",
        "mknod",
        "mknodat",
        "name_to_handle_at",
        "open_by_handle_at",
        "lookup_dcookie",
        "vhangup",
        "iopl",
        "ioperm",
        "fanotify_init",
    ),
}
REFUSED: frozenset[str] = frozenset(n for names in REFUSED_FAMILIES.values() for n in names)


# Needed by honest code on paths the traced workload does not reach, each for a stated reason.
EXTRA: dict[str, str] = {
    **dict.fromkeys(("rt_sigreturn", "restart_syscall"), "signal handlers and restarted calls"),
    **dict.fromkeys(
        ("rt_sigprocmask", "madvise", "exit", "sched_yield", "futex"),
        "glibc's thread start and exit: a thread bomb must meet pids.max, not EPERM",
    ),
    **dict.fromkeys(("mmap", "munmap", "mremap", "mprotect", "brk"), "memory, large reallocs"),
    **dict.fromkeys(
        ("getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getcwd"),
        "reading the process's own identity",
    ),
    **dict.fromkeys(
        ("nanosleep", "clock_nanosleep", "clock_getres", "clock_gettime", "gettimeofday"),
        "time.sleep and clocks",
    ),
    **dict.fromkeys(
        (
            "unlink",
            "unlinkat",
            "rmdir",
            "mkdir",
            "mkdirat",
            "rename",
            "renameat",
            "renameat2",
            "chmod",
            "fchmod",
            "fchmodat",
            "ftruncate",
            "fsync",
            "fdatasync",
            "statx",
            "readlinkat",
            "faccessat",
            "faccessat2",
            "readv",
            "writev",
            "pwrite64",
            "getrusage",
        ),
        "files in the private /tmp, and the zygote's wipe of it",
    ),
    **dict.fromkeys(("tgkill", "tkill"), "abort() and faulthandler signal their own process"),
    **dict.fromkeys(
        ("setsid", "setpgid", "getpgid", "getsid", "getpgrp"),
        "sessions and process groups: they stay inside the sandbox's pid namespace and cgroups",
    ),
    "sigaltstack": "Python's stack-overflow and faulthandler support",
    **dict.fromkeys(("pselect6", "select"), "R's Sys.sleep and event loop wait in select"),
    **dict.fromkeys(
        ("getpriority", "sched_getaffinity"), "the zygote's after-job check of its own state"
    ),
    # Without a capability (a job drops them all before its code runs) these can only set ids
    # the process already has: a job cannot take the zygote's uid back with them.
    **dict.fromkeys(
        ("setresuid", "setresgid", "capset"),
        "a zygote's child switching to the job uid and dropping its capabilities",
    ),
}
# Allowed only with the arguments below (seccomp_program), never unconditionally.
CONDITIONAL = frozenset({"clone", "clone3", "ioctl", "prlimit64"})
# The terminal ioctls Python and numpy make (isatty, blocking mode, close-on-exec); TIOCSTI,
# which pushes input into a terminal, is refused with every other request.
IOCTLS = (
    0x5401,
    0x5413,
    0x5421,
    0x5450,
    0x5451,
    0x541B,
)  # TCGETS TIOCGWINSZ FIONBIO FIONCLEX FIOCLEX FIONREAD


def allowed_syscalls() -> frozenset[str]:
    """Every syscall the filter allows without looking at its arguments."""
    from sandbox.isolation.syscall_allowlist import TRACED

    return frozenset(TRACED).union(EXTRA) - REFUSED - CONDITIONAL


@functools.cache
def seccomp_program() -> bytes:
    """Build the allowlist seccomp filter as raw BPF for ``bwrap --seccomp FD``.

    Everything not allowed fails with EPERM. Calls of another architecture (int 0x80, x32) are
    killed by libseccomp's default bad-arch action, so they cannot step around the list.
    """
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError) as exc:
        raise SandboxError(f"pyseccomp/libseccomp unavailable: {exc}") from exc
    allow = seccomp.ALLOW
    filt = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
    for name in sorted(allowed_syscalls()):
        try:
            filt.add_rule(allow, name)
        except (ValueError, RuntimeError, OSError) as exc:
            raise SandboxError(f"seccomp: cannot allow {name}: {exc}") from exc
    # A process or a thread, but never in a new namespace.
    filt.add_rule(allow, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_NEW_MASK, 0))
    # clone3 passes its flags in memory the filter cannot read: make glibc fall back to clone.
    filt.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    for request in IOCTLS:
        filt.add_rule(allow, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, request))
    # Its own limits only (pid 0): a job once lowered its zygote's open-files limit this way.
    filt.add_rule(allow, "prlimit64", seccomp.Arg(0, seccomp.EQ, 0))
    with tempfile.TemporaryFile() as fh:
        filt.export_bpf(fh)
        fh.seek(0)
        program = fh.read()
    if not program:
        raise SandboxError("libseccomp produced an empty filter")
    return program


def tracing_program() -> bytes:
    """A permissive filter for scripts/seccomp_trace.py: only the refused families are refused.

    Default allow, so the traces show every syscall honest code makes, refused ones included.
    """
    import pyseccomp as seccomp

    deny = seccomp.ERRNO(errno.EPERM)
    filt = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in sorted(REFUSED):
        filt.add_rule(deny, name)
    filt.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_NEW_MASK, CLONE_NEW_MASK))
    filt.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    with tempfile.TemporaryFile() as fh:
        filt.export_bpf(fh)
        fh.seek(0)
        return fh.read()


def seccomp_fd() -> int:
    """A fresh read-only fd holding the BPF program (bwrap reads it to the end)."""
    r, w = os.pipe()
    program = seccomp_program()
    if len(program) > 60000:
        raise SandboxError("seccomp program does not fit a pipe buffer")
    os.write(w, program)
    os.close(w)
    return r
