/*
 * test_control.c - the control server and the pfsyncctl client over a real
 * Unix socket in /tmp: the server runs on a loop in this process, each
 * client runs (ctl_client_request) in a forked child whose exit is seen as
 * SIGCHLD through the loop.  Covers echo, flags, errors, a malformed frame,
 * a reply of several megabytes, the queue limit, and the out helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "control.h"
#include "loop.h"
#include "pfsync/ctlmsg.h"
#include "t.h"

#define BIG_LEN (6u << 20)

static char sock_path[108];
static struct pfsd_loop *loop;
static struct pfsd_control *ctl;
static int handler_calls;

/* A byte pattern with no period that divides the chunk size. */
static char big_byte(size_t i)
{
	return (char)('a' + (i * 7 + i / 65537) % 26);
}

/* A streamed answer of PFSD_CTL_MAX_QUEUE + 1 bytes in 1 MB parts. */
struct stream_ctx {
	size_t done, total;
};

static int stream_more(void *arg, struct pfsd_out *o)
{
	struct stream_ctx *sc = arg;
	char chunk[4096];
	size_t end = sc->done + (1u << 20), j, c;

	if (end > sc->total)
		end = sc->total;
	while (sc->done < end) {
		c = end - sc->done < sizeof(chunk) ? end - sc->done
						   : sizeof(chunk);
		for (j = 0; j < c; j++)
			chunk[j] = big_byte(sc->done + j);
		pfsd_out_write(o, chunk, c);
		sc->done += c;
	}
	return sc->done < sc->total;
}

/* "echo ARGS", "fail", "big", "huge", "stream" and "json S". */
static int echo_handler(void *ctx, const struct pfsd_ctl_who *who, int argc,
			char *argv[], unsigned flags, struct pfsd_out *out,
			char *err, size_t errlen)
{
	size_t i;
	int k;

	(void)ctx;
	(void)who;
	handler_calls++;
	if (strcmp(argv[0], "fail") == 0) {
		snprintf(err, errlen, "no such thing");
		return ENOENT;
	}
	if (strcmp(argv[0], "big") == 0 || strcmp(argv[0], "huge") == 0) {
		size_t n = argv[0][0] == 'b' ? BIG_LEN : PFSD_CTL_MAX_QUEUE + 1;
		char chunk[4096];
		size_t j, c;

		for (i = 0; i < n; i += c) {
			c = n - i < sizeof(chunk) ? n - i : sizeof(chunk);
			for (j = 0; j < c; j++)
				chunk[j] = big_byte(i + j);
			pfsd_out_write(out, chunk, c);
		}
		return 0;
	}
	if (strcmp(argv[0], "stream") == 0) {
		struct stream_ctx *sc = calloc(1, sizeof(*sc));

		if (sc == NULL)
			return ENOMEM;
		sc->total = PFSD_CTL_MAX_QUEUE + 1;
		pfsd_out_stream(out, stream_more, free, sc);
		return 0;
	}
	if (strcmp(argv[0], "json") == 0 && argc == 2) {
		pfsd_out_json_str(out, argv[1]);
		return 0;
	}
	pfsd_out_printf(out, "flags=%u argc=%d", flags, argc);
	for (k = 0; k < argc; k++)
		pfsd_out_printf(out, " [%s]", argv[k]);
	pfsd_out_printf(out, "\n");
	return 0;
}

static void on_child(void *arg, int signo)
{
	(void)arg;
	(void)signo;
	pfsd_loop_stop(loop);
}

struct result {
	int rc;
	char err[256];
	char *out;
	size_t len;
};

/*
 * Run ctl_client_request in a child writing into a temporary file; the
 * loop serves it until SIGCHLD.  The child reports rc and err through a
 * pipe.
 */
static void run_client(uint16_t flags, int argc, char *argv[], struct result *r)
{
	char tmpl[] = "/tmp/pfsd-ctl-out-XXXXXX";
	int ofd = mkstemp(tmpl), p[2], st;
	pid_t pid;
	struct stat sb;

	memset(r, 0, sizeof(*r));
	r->rc = -99;
	if (ofd == -1 || pipe(p) == -1)
		return;
	unlink(tmpl);
	pid = fork();
	if (pid == 0) {
		r->rc = ctl_client_request(sock_path, flags, argc, argv, ofd,
					   r->err, sizeof(r->err));
		(void)!write(p[1], &r->rc, sizeof(r->rc));
		(void)!write(p[1], r->err, sizeof(r->err));
		_exit(0);
	}
	close(p[1]);
	T_EQ(pfsd_loop_run(loop), 0);
	T_EQ(waitpid(pid, &st, 0), pid);
	T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	T_EQ(read(p[0], &r->rc, sizeof(r->rc)), sizeof(r->rc));
	T_EQ(read(p[0], r->err, sizeof(r->err)), sizeof(r->err));
	close(p[0]);
	fstat(ofd, &sb);
	r->len = (size_t)sb.st_size;
	r->out = calloc(1, r->len + 1);
	if (r->out != NULL)
		T_EQ(pread(ofd, r->out, r->len, 0), r->len);
	close(ofd);
}

static void test_echo(void)
{
	char *argv[] = {"pfsync0", "syncdev", "eth2", "maxupd", "64"};
	struct result r;

	run_client(PFS_CTL_F_JSON | PFS_CTL_F_VERBOSE, 5, argv, &r);
	T_EQ(r.rc, 0);
	T_CHECK(r.out && strcmp(r.out, "flags=3 argc=5 [pfsync0] [syncdev] "
				       "[eth2] [maxupd] [64]\n") == 0);
	free(r.out);
	/* The same server answers the next client. */
	run_client(0, 1, (char *[]){"stats"}, &r);
	T_EQ(r.rc, 0);
	T_CHECK(r.out && strcmp(r.out, "flags=0 argc=1 [stats]\n") == 0);
	free(r.out);
}

static void test_error_status(void)
{
	struct result r;

	run_client(0, 1, (char *[]){"fail"}, &r);
	T_EQ(r.rc, ENOENT);
	T_CHECK(strcmp(r.err, "no such thing") == 0);
	T_EQ(r.len, 0);
	free(r.out);
}

static void test_big_output(void)
{
	struct result r;
	size_t i, bad = 0;

	run_client(0, 1, (char *[]){"big"}, &r);
	T_EQ(r.rc, 0);
	T_EQ(r.len, BIG_LEN);
	for (i = 0; r.out && i < r.len; i++)
		bad += r.out[i] != big_byte(i);
	T_EQ(bad, 0);
	free(r.out);
}

static void test_queue_limit(void)
{
	struct result r;

	/* A reply past PFSD_CTL_MAX_QUEUE: the client is dropped. */
	run_client(0, 1, (char *[]){"huge"}, &r);
	T_EQ(r.rc, -1);
	T_CHECK(strstr(r.err, "without an answer") != NULL);
	T_EQ(r.len, 0);
	free(r.out);
}

/* The same size streamed: no queue limit, all of it arrives in order. */
static void test_stream(void)
{
	struct result r;
	size_t i, bad = 0;

	run_client(0, 1, (char *[]){"stream"}, &r);
	T_EQ(r.rc, 0);
	T_EQ(r.len, PFSD_CTL_MAX_QUEUE + 1);
	for (i = 0; r.out && i < r.len; i++)
		bad += r.out[i] != big_byte(i);
	T_EQ(bad, 0);
	free(r.out);
	/* and the server answers the next request */
	run_client(0, 2, (char *[]){"echo", "ok"}, &r);
	T_EQ(r.rc, 0);
	free(r.out);
}

static void test_connect_error(void)
{
	char err[256];
	int rc;

	rc = ctl_client_request("/tmp/pfsd-no-such-socket", 0, 1,
				(char *[]){"stats"}, 1, err, sizeof(err));
	T_EQ(rc, -1);
	T_CHECK(strcmp(err, "cannot connect to /tmp/pfsd-no-such-socket: "
			    "No such file or directory (is pfsyncd "
			    "running?)") == 0);
}

struct raw {
	uint8_t buf[256];
	size_t len;
};

static void raw_read(void *arg, int fd, uint32_t events)
{
	struct raw *r = arg;
	ssize_t n;

	(void)events;
	n = read(fd, r->buf + r->len, sizeof(r->buf) - r->len);
	if (n > 0) {
		r->len += (size_t)n;
		return;
	}
	/* EOF: the server closed us after its answer. */
	pfsd_loop_del_fd(loop, fd);
	pfsd_loop_stop(loop);
}

static int raw_connect(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memcpy(sun.sun_path, sock_path, strlen(sock_path));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		T_CHECK(0);
	return fd;
}

/* Send bytes raw, serve until the server closes, check END(EPROTO). */
static void expect_eproto(const uint8_t *msg, size_t len)
{
	struct pfs_ctl_hdr h;
	struct raw r = {.len = 0};
	char text[64];
	int32_t st = 0;
	int fd = raw_connect();

	T_EQ(write(fd, msg, len), len);
	T_EQ(pfsd_loop_add_fd(loop, fd, EPOLLIN, raw_read, &r), 0);
	T_EQ(pfsd_loop_run(loop), 0);
	close(fd);
	T_EQ(pfs_ctl_hdr_decode(r.buf, r.len, &h), 0);
	T_EQ(h.type, PFS_CTL_END);
	T_EQ(r.len, PFS_CTL_HDR_LEN + h.len);
	T_EQ(pfs_ctl_decode_end(r.buf + 8, h.len, &st, text, sizeof(text)), 0);
	T_EQ(st, EPROTO);
}

static void test_malformed(void)
{
	static const uint8_t magic[] = {'X', 'S', 1, 1, 0, 0, 0, 0};
	static const uint8_t data[] = {'P', 'S', 1, 2, 0, 0, 0, 1, 'x'};
	static const uint8_t empty[] = {'P', 'S', 1, 1, 0, 0, 0, 4, 0, 0, 0, 0};
	static const uint8_t toolong[] = {'P', 'S', 1, 1, 0, 1, 0, 1};
	static const uint8_t nul[] = {'P', 'S', 1, 1, 0, 0, 0, 7,
				      0,   0,	0, 1, 0, 1, 0};
	struct result r;
	int calls = handler_calls;

	expect_eproto(magic, sizeof(magic));
	expect_eproto(data, sizeof(data));
	expect_eproto(empty, sizeof(empty));
	expect_eproto(toolong, sizeof(toolong));
	expect_eproto(nul, sizeof(nul));
	T_EQ(handler_calls, calls);
	/* The daemon side survives and serves a proper request. */
	run_client(0, 2, (char *[]){"echo", "ok"}, &r);
	T_EQ(r.rc, 0);
	T_CHECK(r.out && strcmp(r.out, "flags=0 argc=2 [echo] [ok]\n") == 0);
	free(r.out);
}

static void test_split_and_pipelined(void)
{
	uint8_t msg[128];
	struct raw r = {.len = 0};
	ssize_t n1, n2;
	int fd = raw_connect();

	/* Two requests in one write, the second split across writes. */
	n1 = pfs_ctl_encode_request(msg, sizeof(msg), 0, 1, (char *[]){"a"});
	n2 = pfs_ctl_encode_request(msg + n1, sizeof(msg) - (size_t)n1, 0, 1,
				    (char *[]){"b"});
	T_CHECK(n1 > 0 && n2 > 0);
	T_EQ(write(fd, msg, (size_t)n1 + 3), n1 + 3);
	T_EQ(pfsd_loop_add_fd(loop, fd, EPOLLIN, raw_read, &r), 0);
	T_EQ(write(fd, msg + n1 + 3, (size_t)n2 - 3), n2 - 3);
	shutdown(fd, SHUT_WR);
	T_EQ(pfsd_loop_run(loop), 0);
	close(fd);
	/* DATA "flags=0 argc=1 [a]\n", END 0, DATA ... [b], END 0 */
	T_EQ(r.len, 2 * (8 + 19 + 8 + 4));
	T_MEMEQ(r.buf + 8, "flags=0 argc=1 [a]\n", 19);
	T_MEMEQ(r.buf + 39 + 8, "flags=0 argc=1 [b]\n", 19);
}

static void stop_loop(void *arg)
{
	(void)arg;
	pfsd_loop_stop(loop);
}

/* Serve for ms milliseconds. */
static void serve_ms(unsigned ms)
{
	T_CHECK(pfsd_loop_timer_add(loop, pfsd_now_ms() + ms, stop_loop,
				    NULL) > 0);
	T_EQ(pfsd_loop_run(loop), 0);
}

/* 70 clients that stall holding half a request cannot lock the next
 * one out: it takes the slot of the one idle longest. */
static void test_stalled_clients(void)
{
	static const uint8_t half[] = {'P', 'S', 1, 1};
	int fds[70], i, k;
	struct result r;

	for (i = 0; i < 70; i += 10) {
		for (k = i; k < i + 10; k++) {
			fds[k] = raw_connect();
			T_EQ(write(fds[k], half, sizeof(half)), sizeof(half));
		}
		serve_ms(20);
	}
	T_CHECK(pfsd_control_evicted(ctl) >= 6);
	run_client(0, 2, (char *[]){"echo", "ok"}, &r);
	T_EQ(r.rc, 0);
	T_CHECK(r.out && strcmp(r.out, "flags=0 argc=2 [echo] [ok]\n") == 0);
	free(r.out);
	for (i = 0; i < 70; i++)
		close(fds[i]);
	serve_ms(20);
}

/* Child: as uid 65533, connect n times and hold them; report on done,
 * leave when told to. */
static void slot_hog(int n, int done, int go)
{
	int i, fd;
	char c = 0;

	/* not the server's copies of its clients (fork shares them) */
	for (fd = 3; fd < 1024; fd++)
		if (fd != done && fd != go)
			close(fd);
	if (setresgid(65533, 65533, 65533) == -1 ||
	    setresuid(65533, 65533, 65533) == -1)
		_exit(1);
	for (i = 0; i < n; i++) {
		fd = raw_connect();
		if (fd == -1)
			_exit(1);
	}
	(void)!write(done, &c, 1);
	(void)!read(go, &c, 1);
	_exit(0);
}

static bool fd_open(int fd)
{
	char c;

	return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == -1 &&
	       errno == EAGAIN;
}

/*
 * A uid that may only show, connecting in a loop, evicts its own idle
 * clients but never root's (keepalived's check): the last slots are
 * root's (L3).  Needs root to be two uids.
 */
static void test_root_slots(void)
{
	struct pollfd pfd;
	int done[2], go[2], root_fd, i, st;
	uint64_t ev0 = pfsd_control_evicted(ctl);
	pid_t pid;

	if (geteuid() != 0) {
		printf("skip: needs root\n");
		return;
	}
	T_EQ(chmod(sock_path, 0666), 0);
	root_fd = raw_connect(); /* idle: the longest idle of all */
	serve_ms(20);
	T_EQ(pipe(done), 0);
	T_EQ(pipe(go), 0);
	pid = fork();
	if (pid == 0)
		slot_hog(3 * 64, done[1], go[0]);
	pfd.fd = done[0];
	pfd.events = POLLIN;
	for (i = 0; i < 200; i++) {
		serve_ms(10);
		if (poll(&pfd, 1, 0) == 1)
			break;
	}
	T_CHECK(i < 200);
	T_CHECK(pfsd_control_evicted(ctl) - ev0 >= 2 * 64);
	T_CHECK(fd_open(root_fd));
	(void)!write(go[1], "x", 1);
	T_EQ(pfsd_loop_run(loop), 0); /* until SIGCHLD */
	T_EQ(waitpid(pid, &st, 0), pid);
	T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(root_fd);
	close(done[0]);
	close(done[1]);
	close(go[0]);
	close(go[1]);
	serve_ms(20);
	T_EQ(chmod(sock_path, 0660), 0);
}

/* The mode is set at bind under a umask, and the process's umask is
 * left as it was. */
static void test_mode_umask(void)
{
	char path[128];
	struct pfsd_control *c2;
	struct stat st;
	mode_t old = umask(022);

	snprintf(path, sizeof(path), "%s.m", sock_path);
	c2 = pfsd_control_new(loop, path, 0600, echo_handler, NULL);
	T_CHECK(c2 != NULL);
	T_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	T_EQ(umask(old), 022);
	pfsd_control_free(c2);
}

static void test_json_str(void)
{
	struct pfsd_out o = {0};

	pfsd_out_json_str(&o, "a\"b\\c\nd\te\x01\x1f\x7f\xc3\xa9");
	T_CHECK(o.buf && strcmp(o.buf, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f"
				       "\\u007f\xc3\xa9\"") == 0);
	o.len = 0;
	pfsd_out_printf(&o, "%d-%s", 42, "x");
	pfsd_out_json_str(&o, "");
	T_CHECK(strcmp(o.buf, "42-x\"\"") == 0);
	T_EQ(o.oom, 0);
	free(o.buf);
}

static void test_stale_socket(void)
{
	struct pfsd_control *c2;

	/* A live daemon's socket is not stolen. */
	errno = 0;
	c2 = pfsd_control_new(loop, sock_path, 0600, echo_handler, NULL);
	T_CHECK(c2 == NULL);
	T_EQ(errno, EADDRINUSE);
}

static void test_listen(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	/* A file that is not a socket is never removed. */
	close(open(sock_path, O_CREAT | O_WRONLY, 0600));
	errno = 0;
	T_CHECK(pfsd_control_new(loop, sock_path, 0600, echo_handler, NULL) ==
		NULL);
	T_EQ(errno, EEXIST);
	unlink(sock_path);
	/* A socket left behind by a dead daemon is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memcpy(sun.sun_path, sock_path, strlen(sock_path));
	T_EQ(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	ctl = pfsd_control_new(loop, sock_path, 0660, echo_handler, NULL);
	T_CHECK(ctl != NULL);
	T_CHECK(stat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode) &&
		(st.st_mode & 0777) == 0660);
}

int main(void)
{

	snprintf(sock_path, sizeof(sock_path), "/tmp/pfsd-test-%d.sock",
		 (int)getpid());
	loop = pfsd_loop_new();
	if (loop == NULL || pfsd_loop_signal(loop, SIGCHLD, on_child, NULL))
		return 1;
	T_RUN(test_listen);
	if (ctl == NULL)
		return 1;
	T_RUN(test_echo);
	T_RUN(test_error_status);
	T_RUN(test_big_output);
	T_RUN(test_queue_limit);
	T_RUN(test_stream);
	T_RUN(test_connect_error);
	T_RUN(test_malformed);
	T_RUN(test_split_and_pipelined);
	T_RUN(test_stalled_clients);
	T_RUN(test_root_slots);
	T_RUN(test_mode_umask);
	T_RUN(test_json_str);
	T_RUN(test_stale_socket);
	pfsd_control_free(ctl);
	T_CHECK(access(sock_path, F_OK) == -1);
	pfsd_loop_free(loop);
	return t_done();
}
