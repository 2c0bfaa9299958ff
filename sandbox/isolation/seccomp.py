"""The seccomp filter of every sandbox process, as raw BPF for ``bwrap --seccomp FD``."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import tempfile

from sandbox.errors import SandboxError

CLONE_NEW_FLAGS = (
    0x00000080,  # CLONE_NEWTIME
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)
TIOCSTI = 0x5412
DENIED_SYSCALLS = [
    "socket",
    "socketpair",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "bpf",
    "keyctl",
    "add_key",
    "request_key",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "perf_event_open",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "personality",
    "userfaultfd",
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
    "pidfd_getfd",
    "fanotify_init",
]


@functools.cache
def seccomp_program() -> bytes:
    """Build the deny-list seccomp filter as raw BPF for ``bwrap --seccomp FD``."""
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError) as exc:
        raise SandboxError(f"pyseccomp/libseccomp unavailable: {exc}") from exc
    deny = seccomp.ERRNO(errno.EPERM)
    filt = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED_SYSCALLS:
        with contextlib.suppress(ValueError, RuntimeError, OSError):
            # Some names are unknown on some architectures; the rest must go in.
            filt.add_rule(deny, name)
    for flag in CLONE_NEW_FLAGS:
        filt.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory the filter cannot read: make glibc fall back to clone.
    filt.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    filt.add_rule(deny, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, TIOCSTI))
    with tempfile.TemporaryFile() as fh:
        filt.export_bpf(fh)
        fh.seek(0)
        program = fh.read()
    if not program:
        raise SandboxError("libseccomp produced an empty filter")
    return program


def seccomp_fd() -> int:
    """A fresh read-only fd holding the BPF program (bwrap reads it to the end)."""
    r, w = os.pipe()
    program = seccomp_program()
    if len(program) > 60000:
        raise SandboxError("seccomp program does not fit a pipe buffer")
    os.write(w, program)
    os.close(w)
    return r
