/* The machine code of the r_dyn_load and r_heap_scan attacks: the test builds it with gcc, and
   the attacks write the library to /tmp and load it with baseenv()$dyn.load, past the harness's
   friendly refusal.
   attack(): each try on the R zygote (pid 1, another uid) records its errno in codes[i] (0: it
   worked). Called with .C("attack", zygote_uid, codes = integer(N_TRIES)).
   scan_memory(): counts the places in this process's writable memory that hold the honest
   job's marker; its two halves are kept apart, so the marker is never whole here. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int outcome(long ret) { return ret == -1 ? errno : 0; }

static long write_proc(const char *path) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return -1;
    long ret = write(fd, "1", 1);
    close(fd);
    return ret;
}

void attack(int *zygote_uid, int *codes) {
    struct rlimit low = {16, 16};
    char buf[64];
    struct iovec local = {buf, sizeof buf}, remote = {(void *)0x400000, sizeof buf};
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct all[2] = {{~0U, ~0U, 0}, {~0U, ~0U, 0}};
    uid_t z = (uid_t)*zygote_uid;
    int i = 0;
    errno = 0;
    codes[i++] = outcome(kill(1, SIGSTOP));
    codes[i++] = outcome(kill(1, SIGKILL));
    codes[i++] = outcome(syscall(SYS_prlimit64, 1L, (long)RLIMIT_NOFILE, &low, NULL));
    codes[i++] = outcome(syscall(SYS_prlimit64, 1L, (long)RLIMIT_CPU, &low, NULL));
    codes[i++] = outcome(setpriority(PRIO_PROCESS, 1, 19));
    codes[i++] = outcome(sched_setaffinity(1, sizeof one, &one));
    codes[i++] = outcome(ptrace(PTRACE_ATTACH, 1, NULL, NULL));
    codes[i++] = outcome(ptrace(PTRACE_SEIZE, 1, NULL, NULL));
    codes[i++] = outcome(syscall(SYS_process_vm_readv, 1L, &local, 1L, &remote, 1L, 0L));
    codes[i++] = outcome(syscall(SYS_process_vm_writev, 1L, &local, 1L, &remote, 1L, 0L));
    codes[i++] = outcome(open("/proc/1/mem", O_RDWR));
    codes[i++] = outcome(write_proc("/proc/1/oom_score_adj"));
    codes[i++] = outcome(setresuid(z, z, z));
    codes[i++] = outcome(setuid(z));
    codes[i++] = outcome(setresgid(z, z, z));
    codes[i++] = outcome(syscall(SYS_capset, &head, all));
    codes[i++] = outcome(socket(AF_INET, SOCK_STREAM, 0));
    codes[i++] = outcome(socket(AF_UNIX, SOCK_STREAM, 0));
    codes[i++] = outcome(unshare(CLONE_NEWUSER));
    codes[i++] = outcome(mount("none", "/tmp", "tmpfs", 0, NULL));
}

void scan_memory(int *found, double *scanned) {
    static const char first[] = "ALICE_SECRET_", second[] = "MARKER_42";
    size_t n1 = sizeof first - 1, n2 = sizeof second - 1;
    char line[512], perms[8];
    unsigned long from, to;
    FILE *maps = fopen("/proc/self/maps", "r");
    *found = 0;
    *scanned = 0;
    if (maps == NULL) return;
    while (fgets(line, sizeof line, maps)) {
        if (sscanf(line, "%lx-%lx %7s", &from, &to, perms) != 3 || strncmp(perms, "rw", 2) != 0)
            continue;
        const char *at = (const char *)from, *end = (const char *)to;
        *scanned += (double)(to - from);
        while ((at = memmem(at, end - at, first, n1)) != NULL) {
            if (end - at >= (long)(n1 + n2) && memcmp(at + n1, second, n2) == 0) ++*found;
            at += n1;
        }
    }
    fclose(maps);
}
