/*
 * test_seccomp.c - the system call filter, in a child process (it cannot
 * be removed once set): allowed calls work, exec fails with EPERM, and a
 * call outside the list kills the child with SIGSYS after a line on
 * stderr that names it.  No root needed: the filter sets no_new_privs.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp.h"
#include "t.h"

/* Run fn in a child whose stderr goes to buf; its wait status. */
static int sc_child(void (*fn)(void), char *buf, size_t cap)
{
	int p[2], st = 0;
	ssize_t n;
	size_t len = 0;
	pid_t pid;

	if (pipe(p) == -1)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		fn();
		_exit(0);
	}
	close(p[1]);
	while (len + 1 < cap && (n = read(p[0], buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	return st;
}

static void sc_install(void)
{
	char err[128];

	if (pfsd_seccomp_install(false, err, sizeof(err)) == -1) {
		fprintf(stderr, "install: %s\n", err);
		_exit(3);
	}
}

static void sc_allowed_calls(void)
{
	char *const argv[] = {(char *)(uintptr_t) "/bin/true", NULL};

	sc_install();
	if (getpid() <= 0 || write(STDERR_FILENO, "hello\n", 6) != 6)
		_exit(4);
	execv("/bin/true", argv);
	_exit(errno == EPERM ? 0 : 5); /* exec refused, not fatal */
}

static void sc_forbidden_call(void)
{
	sc_install();
	syscall(SYS_getpgid, 0); /* in no list: SIGSYS */
	_exit(6);
}

static void test_allowed(void)
{
	char buf[512];
	int st = sc_child(sc_allowed_calls, buf, sizeof(buf));

	T_CHECK(WIFEXITED(st));
	T_EQ(WEXITSTATUS(st), 0);
	T_CHECK(strstr(buf, "hello") != NULL);
}

static void test_forbidden(void)
{
	char buf[512], want[64];
	int st = sc_child(sc_forbidden_call, buf, sizeof(buf));

	T_CHECK(WIFSIGNALED(st));
	if (WIFSIGNALED(st))
		T_EQ(WTERMSIG(st), SIGSYS);
	snprintf(want, sizeof(want), "system call %d is not allowed",
		 (int)SYS_getpgid);
	T_CHECK(strstr(buf, want) != NULL);
	T_CHECK(strstr(buf, "seccomp no") != NULL);
}

int main(void)
{
	T_RUN(test_allowed);
	T_RUN(test_forbidden);
	return t_done();
}
