/*
 * seccomp.c - the system call filter (see seccomp.h).
 *
 * The program: check the architecture, load the call number; four calls
 * are allowed by their arguments (socket by family, ioctl by request,
 * mmap and mprotect without PROT_EXEC); then compare the number with each
 * allowed one in turn (ALLOW on a match), then with the refused ones
 * (ERRNO(EPERM)), else TRAP.  SIGSYS then names the call on stderr (the
 * journal under systemd) and the daemon dies of it.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os/seccomp.h"

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
 * key, capture, /proc), memory, time, signals, and exit.  Not chmod,
 * chown or rename of any kind: the daemon makes none. */
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
    SYS_msync,
    SYS_mincore,
    SYS_fallocate,
    SYS_close,
    SYS_fstat,
    SYS_newfstatat,
    SYS_statx,
    SYS_lseek,
    SYS_openat,
    SYS_unlinkat,
    SYS_ftruncate,
    SYS_fsync,
    SYS_fdatasync,
    SYS_fcntl,
    SYS_dup,
    SYS_dup3,
    SYS_pipe2,
    SYS_umask,
    SYS_getdents64,
    SYS_munmap,
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
#ifdef SYS_readlink
    SYS_readlink,
    SYS_getdents,
#endif
#ifdef SC_SANITIZER
    /* ASan's reports and LSan's leak check at exit (its tracer, another
     * process, signals us too) */
    SYS_kill,
    SYS_tgkill,
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

/*
 * The sockets the daemon opens: Unix (control, sd_notify), IPv4 and IPv6
 * (protocol 240, UDP, the metrics listener, the ioctl socket and
 * if_nametoindex's), and netlink for conntrack and nftables (NETFILTER)
 * and getifaddrs (ROUTE).  Not AF_PACKET, not other netlink families.
 */
static const uint32_t sc_families[] = {AF_UNIX, AF_INET, AF_INET6};
static const uint32_t sc_netlink[] = {NETLINK_NETFILTER, NETLINK_ROUTE};

/* The ioctls: the syncdev's MTU, pfsync0's flags and MTU (tun.c), the
 * TUN device (refused by the kernel after the drop: an error, not a
 * kill), if_nametoindex, and isatty (stdio on a terminal). */
static const uint32_t sc_ioctls[] = {
    SIOCGIFMTU,	  SIOCSIFMTU, SIOCGIFFLAGS, SIOCSIFFLAGS,
    SIOCGIFINDEX, TUNSETIFF,  TCGETS,
};

#define SC_NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define SC_LEN	    (4 + SC_NELEM(sc_allowed) * 2 + SC_NELEM(sc_refused) * 2 + 64)

/* The low 32 bits of argument n (little endian: the first word). */
#define SC_ARG(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(uint64_t))
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "SC_ARG reads the low word first");

/* Write the decimal digits of v at p; their count. */
static size_t sc_itoa(char *p, unsigned v)
{
	char tmp[12];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/*
 * Async-signal-safe: no stdio, no syslog (either may hold a lock the
 * interrupted code held), only write(2) of a fixed text with the number
 * put in by hand; then the default action, unblocked, kills us (a core
 * and Restart=on-failure), instead of a hang in a handler.
 */
static void sc_on_sigsys(int sig, siginfo_t *si, void *uc)
{
	static const char head[] = "pfsyncd: seccomp: system call ";
	static const char tail[] =
	    " is not allowed (`seccomp no` in pfsyncd.conf runs without "
	    "the filter)\n";
	char msg[sizeof(head) + sizeof(tail) + 12];
	struct sigaction dfl;
	sigset_t set;
	size_t n = sizeof(head) - 1;

	(void)uc;
	memcpy(msg, head, n);
	n += sc_itoa(msg + n, (unsigned)si->si_syscall);
	memcpy(msg + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	if (write(STDERR_FILENO, msg, n) < 0) {
		/* nowhere else to say it */
	}
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}

static size_t sc_rule(struct sock_filter *f, size_t i, uint32_t v, uint32_t ret)
{
	f[i++] =
	    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, v, 0, 1);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret);
	return i;
}

static size_t sc_load(struct sock_filter *f, size_t i, uint32_t off)
{
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off);
	return i;
}

static size_t sc_ret(struct sock_filter *f, size_t i, uint32_t ret)
{
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret);
	return i;
}

/* "if nr != call, skip the block": the jump is patched once the block
 * is written (sc_end); every path in a block returns. */
static size_t sc_begin(struct sock_filter *f, size_t i, int call)
{
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      (uint32_t)call, 0, 0);
	return i;
}

static void sc_end(struct sock_filter *f, size_t head, size_t i)
{
	f[head].jf = (uint8_t)(i - head - 1);
}

/* socket(domain, type, protocol): the families above; netlink only for
 * the protocols above. */
static size_t sc_socket(struct sock_filter *f, size_t i, uint32_t deny)
{
	size_t h = i, k, nl;

	i = sc_begin(f, i, SYS_socket);
	i = sc_load(f, i, SC_ARG(0));
	for (k = 0; k < SC_NELEM(sc_families); k++)
		i = sc_rule(f, i, sc_families[k], SECCOMP_RET_ALLOW);
	nl = i;
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      AF_NETLINK, 0, 0);
	i = sc_load(f, i, SC_ARG(2));
	for (k = 0; k < SC_NELEM(sc_netlink); k++)
		i = sc_rule(f, i, sc_netlink[k], SECCOMP_RET_ALLOW);
	f[nl].jf = (uint8_t)(i - nl - 1);
	i = sc_ret(f, i, deny);
	sc_end(f, h, i);
	return i;
}

static size_t sc_ioctl(struct sock_filter *f, size_t i, uint32_t deny)
{
	size_t h = i, k;

	i = sc_begin(f, i, SYS_ioctl);
	i = sc_load(f, i, SC_ARG(1));
	for (k = 0; k < SC_NELEM(sc_ioctls); k++)
		i = sc_rule(f, i, sc_ioctls[k], SECCOMP_RET_ALLOW);
	i = sc_ret(f, i, deny);
	sc_end(f, h, i);
	return i;
}

/* mmap and mprotect: never executable memory (EPERM, as the unit's
 * MemoryDenyWriteExecute would give for W+X). */
static size_t sc_noexec(struct sock_filter *f, size_t i, int call)
{
	size_t h = i;

	i = sc_begin(f, i, call);
	i = sc_load(f, i, SC_ARG(2));
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
					      PROT_EXEC, 0, 1);
	i = sc_ret(f, i, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
	i = sc_ret(f, i, SECCOMP_RET_ALLOW);
	sc_end(f, h, i);
	return i;
}

#ifndef SC_SANITIZER
/* kill and tgkill: only to ourselves (raise, abort), never another
 * process of the same user. */
static size_t sc_self(struct sock_filter *f, size_t i, int call, uint32_t deny)
{
	size_t h = i;

	i = sc_begin(f, i, call);
	i = sc_load(f, i, SC_ARG(0));
	i = sc_rule(f, i, (uint32_t)getpid(), SECCOMP_RET_ALLOW);
	i = sc_ret(f, i, deny);
	sc_end(f, h, i);
	return i;
}
#endif

static size_t sc_build(struct sock_filter *f, bool log_only)
{
	uint32_t deny = log_only ? SECCOMP_RET_LOG : SECCOMP_RET_TRAP;
	size_t i = 0, k;

	f[i++] = (struct sock_filter)BPF_STMT(
	    BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      SC_ARCH, 1, 0);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					      SECCOMP_RET_KILL_PROCESS);
	i = sc_load(f, i, offsetof(struct seccomp_data, nr));
	i = sc_socket(f, i, deny);
	i = sc_load(f, i, offsetof(struct seccomp_data, nr));
	i = sc_ioctl(f, i, deny);
	i = sc_load(f, i, offsetof(struct seccomp_data, nr));
	i = sc_noexec(f, i, SYS_mmap);
	i = sc_noexec(f, i, SYS_mprotect);
#ifndef SC_SANITIZER
	i = sc_load(f, i, offsetof(struct seccomp_data, nr));
	i = sc_self(f, i, SYS_kill, deny);
	i = sc_load(f, i, offsetof(struct seccomp_data, nr));
	i = sc_self(f, i, SYS_tgkill, deny);
#endif
	for (k = 0; k < SC_NELEM(sc_allowed); k++)
		i = sc_rule(f, i, (uint32_t)sc_allowed[k], SECCOMP_RET_ALLOW);
	for (k = 0; k < SC_NELEM(sc_refused); k++)
		i = sc_rule(f, i, (uint32_t)sc_refused[k],
			    SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
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
