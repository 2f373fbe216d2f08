/*
 * seccomp.c - the system call filter (see seccomp.h).
 *
 * The program: check the architecture, load the call number, compare it
 * with each allowed number in turn (ALLOW on a match), then with the
 * refused ones (ERRNO(EPERM)), else TRAP.  SIGSYS then names the call in
 * the log and on stderr and the daemon dies of it.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "seccomp.h"

#if defined(__x86_64__)
#define SC_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SC_ARCH AUDIT_ARCH_AARCH64
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SC_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SC_SANITIZER 1
#endif
#endif

#ifdef SC_ARCH

/* What the daemon calls after setup: the loop, sockets, files (config,
 * key, capture, /proc), memory, time, signals, and exit. */
static const int sc_allowed[] = {
    SYS_read,
    SYS_write,
    SYS_readv,
    SYS_writev,
    SYS_pread64,
    SYS_pwrite64,
    SYS_preadv,
    SYS_pwritev,
    SYS_preadv2,
    SYS_pwritev2,
    SYS_ppoll,
    SYS_pselect6,
    SYS_epoll_pwait2,
    SYS_getcwd,
    SYS_fstatfs,
    SYS_clock_getres,
    SYS_sched_getaffinity,
    SYS_getrusage,
    SYS_socketpair,
    SYS_eventfd2,
    SYS_renameat,
    SYS_renameat2,
    SYS_msync,
    SYS_mincore,
    SYS_fallocate,
    SYS_fchown,
    SYS_fchownat,
    SYS_close,
    SYS_fstat,
    SYS_newfstatat,
    SYS_statx,
    SYS_lseek,
    SYS_openat,
    SYS_unlinkat,
    SYS_fchmod,
    SYS_fchmodat,
    SYS_ftruncate,
    SYS_fsync,
    SYS_fdatasync,
    SYS_fcntl,
    SYS_dup,
    SYS_dup3,
    SYS_pipe2,
    SYS_ioctl,
    SYS_umask,
    SYS_getdents64,
    SYS_mmap,
    SYS_munmap,
    SYS_mprotect,
    SYS_mremap,
    SYS_brk,
    SYS_madvise,
    SYS_rt_sigaction,
    SYS_rt_sigprocmask,
    SYS_rt_sigreturn,
    SYS_signalfd4,
    SYS_epoll_create1,
    SYS_epoll_ctl,
    SYS_epoll_pwait,
    SYS_timerfd_create,
    SYS_timerfd_settime,
    SYS_timerfd_gettime,
    SYS_clock_gettime,
    SYS_clock_nanosleep,
    SYS_gettimeofday,
    SYS_nanosleep,
    SYS_getrandom,
    SYS_socket,
    SYS_bind,
    SYS_listen,
    SYS_accept4,
    SYS_connect,
    SYS_sendto,
    SYS_sendmsg,
    SYS_sendmmsg,
    SYS_recvfrom,
    SYS_recvmsg,
    SYS_recvmmsg,
    SYS_setsockopt,
    SYS_getsockopt,
    SYS_getsockname,
    SYS_getpeername,
    SYS_shutdown,
    SYS_getpid,
    SYS_gettid,
    SYS_getuid,
    SYS_geteuid,
    SYS_getgid,
    SYS_getegid,
    SYS_uname,
    SYS_futex,
    SYS_restart_syscall,
    SYS_sched_yield,
    SYS_tgkill,
    SYS_exit,
    SYS_exit_group,
    SYS_wait4,
    SYS_prlimit64,
    SYS_sysinfo,
#ifdef SYS_epoll_wait
    SYS_epoll_wait,
    SYS_open,
    SYS_stat,
    SYS_lstat,
    SYS_unlink,
    SYS_chmod,
    SYS_access,
    SYS_dup2,
    SYS_pipe,
    SYS_poll,
#endif
    /* libc: the time zone (localtime), sigaltstack, robust futexes */
    SYS_readlinkat,
    SYS_faccessat,
    SYS_faccessat2,
    SYS_sigaltstack,
    SYS_set_robust_list,
    SYS_rseq,
    SYS_getppid,
    SYS_kill,
#ifdef SYS_readlink
    SYS_readlink,
    SYS_getdents,
#endif
#ifdef SC_SANITIZER
    /* ASan's reports and LSan's leak check at exit */
    SYS_clone,
    SYS_ptrace,
    SYS_prctl,
    SYS_setrlimit,
    SYS_munlock,
    SYS_mlock,
#ifdef SYS_arch_prctl
    SYS_arch_prctl,
#endif
#endif
};

/* Refused with EPERM, not fatal: the nft(8) fallback of tun.c. */
static const int sc_refused[] = {
    SYS_execve, SYS_execveat,
#ifndef SC_SANITIZER
    SYS_clone,
#endif
    SYS_clone3,
#ifdef SYS_fork
    SYS_fork,	SYS_vfork,
#endif
};

#define SC_NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define SC_LEN	    (4 + SC_NELEM(sc_allowed) * 2 + SC_NELEM(sc_refused) * 2 + 1)

static void sc_on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[160];
	int n;

	(void)uc;
	n = snprintf(msg, sizeof(msg),
		     "pfsyncd: seccomp: system call %d is not allowed "
		     "(`seccomp no` in pfsyncd.conf runs without the filter)\n",
		     si->si_syscall);
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0) {
		/* nowhere else to say it: the syslog line below */
	}
	syslog(LOG_ERR, "%s", msg);
	signal(sig, SIG_DFL);
	raise(sig);
}

static size_t sc_rule(struct sock_filter *f, size_t i, int nr, uint32_t ret)
{
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      (uint32_t)nr, 0, 1);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret);
	return i;
}

static size_t sc_build(struct sock_filter *f, bool log_only)
{
	size_t i = 0, k;

	f[i++] = (struct sock_filter)BPF_STMT(
	    BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      SC_ARCH, 1, 0);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					      SECCOMP_RET_KILL_PROCESS);
	f[i++] = (struct sock_filter)BPF_STMT(
	    BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (k = 0; k < SC_NELEM(sc_allowed); k++)
		i = sc_rule(f, i, sc_allowed[k], SECCOMP_RET_ALLOW);
	for (k = 0; k < SC_NELEM(sc_refused); k++)
		i = sc_rule(f, i, sc_refused[k],
			    SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
	f[i++] = (struct sock_filter)BPF_STMT(
	    BPF_RET | BPF_K, log_only ? SECCOMP_RET_LOG : SECCOMP_RET_TRAP);
	return i;
}

int pfsd_seccomp_install(bool log_only, char *err, size_t errlen)
{
	struct sock_filter f[SC_LEN];
	struct sock_fprog prog;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sc_on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	prog.len = (unsigned short)sc_build(f, log_only);
	prog.filter = f;
	if (sigaction(SIGSYS, &sa, NULL) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1) {
		snprintf(err, errlen, "seccomp: %s", strerror(errno));
		return -1;
	}
	return 0;
}

#else

int pfsd_seccomp_install(bool log_only, char *err, size_t errlen)
{
	(void)log_only;
	snprintf(err, errlen, "seccomp: no filter for this architecture");
	errno = ENOSYS;
	return -1;
}

#endif
