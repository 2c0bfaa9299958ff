/* The R zygote's system calls, loaded into the warm R process with dyn.load (see zygote.R).

   Base R cannot switch uids, drop capabilities, set rlimits or reap a pid namespace, so the whole
   fork server loop lives here: rz_serve() never returns in the zygote; it returns once per job,
   in the forked child, after the child has done everything the Python zygote's child does, in
   the same order (sandbox/child/zygote.py): close every fd but its pipes, SIGINT back to its
   default, oom_score_adj 1000, the rlimits, then every uid and gid to the job uid with every
   capability dropped. Only then does R code run again, and from there on it is hostile: nothing
   in this file trusts anything the child's R code does. Between jobs the zygote (pid 1 of the
   sandbox) kills and reaps every other process, empties /tmp and checks its own limits,
   priority and affinity, exactly like the Python zygote, and speaks the same control protocol.

   Interface (.C, so no R headers are needed to build it):
     rz_serve(int fds[4] = ctl, status, job, result; int *job_uid; int *seed_out)
     rz_exit(int *code)  flush stdio and _exit: no R clean-up runs in a forked child
*/
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define WIPE_DEPTH 64 /* deeper than this and /tmp stays dirty: the zygote reports "spoiled" */

struct state {
    struct rlimit limits[RLIM_NLIMITS];
    int priority;
    cpu_set_t affinity;
};

static void read_state(struct state *s) {
    memset(s, 0, sizeof *s);
    for (int r = 0; r < RLIM_NLIMITS; r++) getrlimit(r, &s->limits[r]);
    errno = 0;
    s->priority = getpriority(PRIO_PROCESS, 0);
    sched_getaffinity(0, sizeof s->affinity, &s->affinity);
}

static void die(const char *what) {
    /* The child's stderr is the job's: the trusted side shows the tail on a failed start. */
    dprintf(2, "zygote: %s: %s\n", what, strerror(errno));
    _exit(70);
}

static void set_dumpable(int flag) {
    if (prctl(PR_SET_DUMPABLE, flag, 0, 0, 0) != 0) die("prctl(PR_SET_DUMPABLE)");
}

/* The child of a non-dumpable zygote cannot write its own /proc files: dumpable for one write,
   before any job is read, while the zygote is the only other process of the namespace. */
static void be_the_oom_victim(void) {
    set_dumpable(1);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "1000", 4) != 4) die("oom_score_adj");
    close(fd);
    set_dumpable(0);
}

static void limit(int resource, rlim_t soft, rlim_t hard) {
    struct rlimit rl = {soft, hard};
    if (setrlimit(resource, &rl) != 0) die("setrlimit");
}

/* The capabilities of the zygote's bounding set, read once (the child drops each). */
static unsigned long long bounding_set(void) {
    FILE *fh = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long mask = 0;
    if (fh == NULL) die("/proc/self/status");
    while (fgets(line, sizeof line, fh))
        if (strncmp(line, "CapBnd:", 7) == 0) mask = strtoull(line + 7, NULL, 16);
    fclose(fh);
    return mask;
}

static void become_job_uid(int uid, unsigned long long bounding) {
    if (setresgid(uid, uid, uid) != 0) die("setresgid");
    if (setresuid(uid, uid, uid) != 0) die("setresuid");
    for (int cap = 0; cap < 64; cap++)
        if ((bounding >> cap) & 1)
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) die("prctl(PR_CAPBSET_DROP)");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) die("ambient caps");
    struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct none[2];
    memset(none, 0, sizeof none);
    if (syscall(SYS_capset, &head, none) != 0) die("capset");
}

static void close_all_but(int a, int b) {
    int low = a < b ? a : b, high = a < b ? b : a;
    if (low > 3) syscall(SYS_close_range, 3, low - 1, 0);
    if (high > low + 1) syscall(SYS_close_range, low + 1, high - 1, 0);
    syscall(SYS_close_range, high + 1, ~0U, 0);
}

/* bwrap --userns leaves the namespace's fd open in its child; the zygote has no use for it. */
static void close_namespace_fds(void) {
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *e;
    char path[300], target[64];
    if (dir == NULL) return;
    while ((e = readdir(dir)) != NULL) {
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n > 0 && (target[n] = 0, strncmp(target, "user:[", 6) == 0)) close(atoi(e->d_name));
    }
    closedir(dir);
}

/* Empty the directory ``dirfd`` whatever modes the job left (the zygote has FOWNER). */
static void wipe(int dirfd, int depth) {
    DIR *dir = fdopendir(dirfd);
    struct dirent *e;
    if (dir == NULL) {
        close(dirfd);
        return;
    }
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (unlinkat(dirfd, e->d_name, 0) == 0) continue;
        if (depth >= WIPE_DEPTH) continue;
        fchmodat(dirfd, e->d_name, S_IRWXU, AT_SYMLINK_NOFOLLOW);
        int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) wipe(sub, depth + 1);
        unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
    }
    closedir(dir);
}

static int wiped(void) {
    struct statvfs usage;
    DIR *dir = opendir("/tmp");
    struct dirent *e;
    int empty = 1;
    if (dir == NULL) return 0;
    while ((e = readdir(dir)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) empty = 0;
    closedir(dir);
    return empty && statvfs("/tmp", &usage) == 0 && usage.f_bfree == usage.f_blocks;
}

static void reap_everything(void) {
    kill(-1, SIGKILL);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {
    }
}

/* One control line: "F <cpu_soft> <cpu_hard> <as> <fsize> <nofile>". 0 at EOF or garbage. */
static int read_command(int fd, long long fields[5]) {
    char line[256];
    size_t n = 0;
    while (n < sizeof line - 1) {
        ssize_t got = read(fd, line + n, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return 0;
        if (line[n] == '\n') break;
        n++;
    }
    line[n] = 0;
    char tail;
    return sscanf(line, "F %lld %lld %lld %lld %lld %c", &fields[0], &fields[1], &fields[2],
                  &fields[3], &fields[4], &tail) == 5;
}

static void child(const long long f[5], int job_fd, int result_fd, int job_uid,
                  unsigned long long bounding, int *seed_out) {
    close_all_but(job_fd, result_fd);
    signal(SIGINT, SIG_DFL);
    be_the_oom_victim();
    limit(RLIMIT_CORE, 0, 0);
    limit(RLIMIT_CPU, f[0], f[1]);
    limit(RLIMIT_AS, f[2], f[2]);
    limit(RLIMIT_FSIZE, f[3], f[3]);
    limit(RLIMIT_NOFILE, f[4], f[4]);
    if (job_uid >= 0) become_job_uid(job_uid, bounding);
    /* Every fork would otherwise share the zygote's RNG state. */
    unsigned int seed = 0;
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed) die("getrandom");
    *seed_out = (int)(seed & 0x7fffffff);
}

void rz_serve(int *fds, int *job_uid, int *seed_out) {
    int ctl = fds[0], status_fd = fds[1], job_fd = fds[2], result_fd = fds[3];
    if (getpid() != 1) {
        dprintf(2, "zygote: refusing pid-1 duties (kill -1, /tmp wipe) outside a sandbox\n");
        _exit(2);
    }
    close_namespace_fds();
    unsigned long long bounding = *job_uid >= 0 ? bounding_set() : 0;
    set_dumpable(0);
    signal(SIGINT, SIG_IGN);
    struct state intact, now;
    read_state(&intact);
    if (write(status_fd, "R\n", 2) != 2) _exit(0);
    long long fields[5];
    while (read_command(ctl, fields)) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            close(ctl);
            close(status_fd);
            child(fields, job_fd, result_fd, *job_uid, bounding, seed_out);
            return; /* into R: the child reads and runs its job */
        }
        int wstatus = 0;
        struct rusage usage;
        while (wait4(pid, &wstatus, 0, &usage) < 0)
            if (errno != EINTR) die("wait4");
        reap_everything();
        wipe(open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC), 0);
        read_state(&now);
        int ok = wiped() && memcmp(&now, &intact, sizeof now) == 0;
        double cpu = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
                     (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
        dprintf(status_fd, "D %d %s %.6f\n", wstatus, ok ? "ok" : "spoiled", cpu);
    }
    _exit(0);
}

void rz_exit(int *code) {
    fflush(NULL);
    _exit(*code);
}
