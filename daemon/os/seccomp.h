/*
 * seccomp.h - after setup, a system call filter (seccomp-bpf, built here
 * without libseccomp): only the calls the daemon makes are allowed, and
 * some only with the arguments it uses (socket: Unix, IPv4, IPv6 and
 * netfilter or route netlink; ioctl: its interface requests; mmap and
 * mprotect: never PROT_EXEC, EPERM; kill and tgkill: itself only);
 * starting programs and making processes fail with EPERM; any other
 * call stops the daemon with a line on stderr naming the call, so a
 * missing entry is found at once rather than guessed at.
 *
 * Sanitizer builds (ASan, LSan at exit) get the few more calls they make.
 */
#ifndef PFSYNCD_SECCOMP_H
#define PFSYNCD_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>

/* 0, or -1 with a message in err; also sets no_new_privs.  With
 * log_only, calls not in the list are allowed and logged by the kernel
 * (audit type 1326 in dmesg: syscall=N), to find a missing entry. */
int pfsd_seccomp_install(bool log_only, char *err, size_t errlen);

#endif
