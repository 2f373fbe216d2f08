/*
 * test_loop.c - the event loop: timer order, moved and cancelled timers,
 * fd callbacks (including one deleting itself), signals through the
 * signalfd, and stop.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"
#include "t.h"

struct rec {
	struct pfsd_loop *loop;
	int order[256];
	int n;
	int stop_after;
};

struct tag {
	struct rec *r;
	int v;
};

static void rec_timer(void *arg)
{
	struct tag *t = arg;

	if (t->r->n < 256)
		t->r->order[t->r->n] = t->v;
	t->r->n++;
	if (t->r->n == t->r->stop_after)
		pfsd_loop_stop(t->r->loop);
}

static void test_now_monotonic(void)
{
	uint64_t a = pfsd_now_ms(), b;

	usleep(20000);
	b = pfsd_now_ms();
	T_CHECK(b >= a + 19);
	T_CHECK(b < a + 1000);
}

static void test_timers_in_order(void)
{
	struct pfsd_loop *l = pfsd_loop_new();
	struct rec r = {.loop = l, .stop_after = 4};
	struct tag t[4] = {{&r, 1}, {&r, 2}, {&r, 3}, {&r, 4}};
	uint64_t now = pfsd_now_ms(), t0;
	int ids[4];

	T_CHECK(l != NULL);
	if (l == NULL)
		return;
	/* Added out of order; 3 and 4 share a deadline: FIFO between them. */
	ids[0] = pfsd_loop_timer_add(l, now + 30, rec_timer, &t[1]);
	ids[1] = pfsd_loop_timer_add(l, now + 10, rec_timer, &t[0]);
	ids[2] = pfsd_loop_timer_add(l, now + 50, rec_timer, &t[2]);
	ids[3] = pfsd_loop_timer_add(l, now + 50, rec_timer, &t[3]);
	T_CHECK(ids[0] > 0 && ids[1] > 0 && ids[2] > 0 && ids[3] > 0);
	T_CHECK(ids[0] != ids[1] && ids[2] != ids[3]);
	t0 = pfsd_now_ms();
	T_EQ(pfsd_loop_run(l), 0);
	T_EQ(r.n, 4);
	T_EQ(r.order[0], 1);
	T_EQ(r.order[1], 2);
	T_EQ(r.order[2], 3);
	T_EQ(r.order[3], 4);
	T_CHECK(pfsd_now_ms() >= now + 50);
	T_CHECK(pfsd_now_ms() - t0 < 1000);
	pfsd_loop_free(l);
}

/* The after-wakeup hook runs once per wakeup, after all its events,
 * and after the wakeup that stopped the loop too. */
static void test_after_wakeup(void)
{
	struct pfsd_loop *l = pfsd_loop_new();
	struct rec r = {.loop = l, .stop_after = 4};
	struct tag t[4] = {{&r, 1}, {&r, 2}, {&r, 3}, {&r, 100}};
	uint64_t now = pfsd_now_ms();

	T_CHECK(l != NULL);
	if (l == NULL)
		return;
	pfsd_loop_set_after(l, rec_timer, &t[3]);
	T_CHECK(pfsd_loop_timer_add(l, now + 10, rec_timer, &t[0]) > 0);
	T_CHECK(pfsd_loop_timer_add(l, now + 10, rec_timer, &t[1]) > 0);
	T_CHECK(pfsd_loop_timer_add(l, now + 40, rec_timer, &t[2]) > 0);
	T_EQ(pfsd_loop_run(l), 0);
	T_EQ(r.n, 5);
	T_EQ(r.order[0], 1);
	T_EQ(r.order[1], 2);
	T_EQ(r.order[2], 100);
	T_EQ(r.order[3], 3);
	T_EQ(r.order[4], 100);
	pfsd_loop_set_after(l, NULL, NULL);
	T_CHECK(pfsd_loop_timer_add(l, pfsd_now_ms(), rec_timer, &t[0]) > 0);
	r.stop_after = 6;
	T_EQ(pfsd_loop_run(l), 0);
	T_EQ(r.n, 6); /* no hook any more */
	pfsd_loop_free(l);
}

static void test_timer_move_cancel(void)
{
	struct pfsd_loop *l = pfsd_loop_new();
	struct rec r = {.loop = l, .stop_after = 2};
	struct tag a = {&r, 1}, b = {&r, 2}, c = {&r, 3};
	uint64_t now = pfsd_now_ms();
	int ia, ib, ic;

	if (l == NULL) {
		T_CHECK(l != NULL);
		return;
	}
	ia = pfsd_loop_timer_add(l, now + 10, rec_timer, &a);
	ib = pfsd_loop_timer_add(l, now + 20, rec_timer, &b);
	ic = pfsd_loop_timer_add(l, now + 30, rec_timer, &c);
	pfsd_loop_timer_move(l, ia, now + 40); /* a now fires last */
	pfsd_loop_timer_cancel(l, ib);
	pfsd_loop_timer_cancel(l, ib);	   /* twice: harmless */
	pfsd_loop_timer_cancel(l, 0x7777); /* unknown: harmless */
	pfsd_loop_timer_move(l, ib, now);  /* cancelled: no effect */
	T_EQ(pfsd_loop_run(l), 0);
	T_EQ(r.n, 2);
	T_EQ(r.order[0], 3);
	T_EQ(r.order[1], 1);
	/* Fired one-shot timers are freed: their ids are dead. */
	pfsd_loop_timer_move(l, ic, pfsd_now_ms());
	pfsd_loop_timer_cancel(l, ia);
	r.stop_after = 3;
	ib = pfsd_loop_timer_add(l, pfsd_now_ms() + 20, rec_timer, &b);
	/* A recycled slot gets a new id; the old ids stay dead. */
	T_CHECK(ib > 0 && ib != ia && ib != ic);
	T_EQ(pfsd_loop_run(l), 0);
	T_EQ(r.n, 3);
	T_EQ(r.order[2], 2);
	pfsd_loop_free(l);
}

struct rearm {
	struct pfsd_loop *loop;
	int id;
	int fired;
};

static void rearm_cb(void *arg)
{
	struct rearm *r = arg;

	if (++r->fired == 3)
		pfsd_loop_stop(r->loop);
	else
		pfsd_loop_timer_move(r->loop, r->id, pfsd_now_ms() + 2);
}

static void test_timer_rearm(void)
{
	struct pfsd_loop *l = pfsd_loop_new();
	struct rearm r = {.loop = l};
	int i, id;

	if (l == NULL) {
		T_CHECK(l != NULL);
		return;
	}
	/* A callback keeps its timer alive by moving it. */
	r.id = pfsd_loop_timer_add(l, pfsd_now_ms() + 2, rearm_cb, &r);
	T_EQ(pfsd_loop_run(l), 0);
	T_EQ(r.fired, 3);
	/* Many fire-and-forget timers do not exhaust the slots. */
	for (i = 0; i < 66000; i++) {
		id = pfsd_loop_timer_add(l, 0, rearm_cb, &r);
		T_CHECK(id > 0);
		if (id <= 0)
			break;
		r.fired = 2;
		T_EQ(pfsd_loop_run(l), 0);
	}
	pfsd_loop_free(l);
}

struct self_timer {
	struct pfsd_loop *loop;
	int id;
	int fired;
};

static void self_cancel(void *arg)
{
	struct self_timer *s = arg;

	s->fired++;
	pfsd_loop_timer_cancel(s->loop, s->id);
	if (s->fired == 3) {
		pfsd_loop_stop(s->loop);
		return;
	}
	/* Re-add from inside a callback, already due: next pass fires it. */
	s->id = pfsd_loop_timer_add(s->loop, 0, self_cancel, s);
}

static void test_timer_cancel_self(void)
{
	struct pfsd_loop *l = pfsd_loop_new();
	struct self_timer s = {.loop = l};

	if (l == NULL) {
		T_CHECK(l != NULL);
		return;
	}
	s.id = pfsd_loop_timer_add(l, pfsd_now_ms(), self_cancel, &s);
	T_EQ(pfsd_loop_run(l), 0);
	T_EQ(s.fired, 3);
	pfsd_loop_free(l);
}

static void test_many_timers(void)
{
	struct pfsd_loop *l = pfsd_loop_new();
	struct rec r = {.loop = l, .stop_after = 200};
	struct tag t[200];
	uint64_t now = pfsd_now_ms();
	int i;

	if (l == NULL) {
		T_CHECK(l != NULL);
		return;
	}
	/* Deadlines in a scrambled order; they must fire sorted. */
	for (i = 0; i < 200; i++) {
		t[i].r = &r;
		t[i].v = (i * 73) % 200;
		T_CHECK(pfsd_loop_timer_add(l, now + (uint64_t)t[i].v / 10,
					    rec_timer, &t[i]) > 0);
	}
	r.n = 0;
	T_EQ(pfsd_loop_run(l), 0);
	T_EQ(r.n, 200);
	for (i = 1; i < 200; i++)
		T_CHECK(r.order[i] / 10 >= r.order[i - 1] / 10);
	pfsd_loop_free(l);
}

struct pipe_ctx {
	struct pfsd_loop *loop;
	int calls;
	char got;
	int other_fd; /* deleted by the first callback */
};

static void stop_loop(void *arg)
{
	pfsd_loop_stop(arg);
}

static void pipe_read(void *arg, int fd, uint32_t events)
{
	struct pipe_ctx *p = arg;

	p->calls++;
	T_CHECK(events & EPOLLIN);
	T_EQ(read(fd, &p->got, 1), 1);
	/* Delete ourselves and the other pipe: its pending event is stale. */
	pfsd_loop_del_fd(p->loop, fd);
	pfsd_loop_del_fd(p->loop, p->other_fd);
	pfsd_loop_timer_add(p->loop, 0, stop_loop, p->loop);
}

static void test_fd_callback(void)
{
	struct pfsd_loop *l = pfsd_loop_new();
	struct pipe_ctx p = {.loop = l};
	int a[2], b[2];

	if (l == NULL || pipe(a) == -1 || pipe(b) == -1) {
		T_CHECK(0);
		return;
	}
	p.other_fd = b[0];
	T_EQ(pfsd_loop_add_fd(l, a[0], EPOLLIN, pipe_read, &p), 0);
	T_EQ(pfsd_loop_add_fd(l, b[0], EPOLLIN, pipe_read, &p), 0);
	errno = 0;
	T_EQ(pfsd_loop_add_fd(l, a[0], EPOLLIN, pipe_read, &p), -1);
	T_EQ(errno, EEXIST);
	T_EQ(write(a[1], "x", 1), 1);
	T_EQ(write(b[1], "y", 1), 1);
	T_EQ(pfsd_loop_run(l), 0);
	T_EQ(p.calls, 1);
	T_CHECK(p.got == 'x' || p.got == 'y');
	/* Re-adding a deleted fd works; mod changes the mask. */
	T_EQ(pfsd_loop_add_fd(l, b[0], EPOLLIN, pipe_read, &p), 0);
	T_EQ(pfsd_loop_mod_fd(l, b[0], EPOLLIN | EPOLLRDHUP), 0);
	pfsd_loop_del_fd(l, b[0]);
	errno = 0;
	T_EQ(pfsd_loop_mod_fd(l, b[0], EPOLLIN), -1);
	T_EQ(errno, ENOENT);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]);
	pfsd_loop_free(l);
}

struct first_ctx {
	struct pfsd_loop *loop;
	int order[4];
	int n;
};

static void first_read(void *arg, int fd, uint32_t events)
{
	struct first_ctx *c = arg;
	char ch;

	(void)events;
	if (read(fd, &ch, 1) == 1 && c->n < 4)
		c->order[c->n++] = ch;
	if (c->n == 3)
		pfsd_loop_stop(c->loop);
}

/* An fd marked first is handled before the others of its wakeup,
 * whatever order epoll reports them in. */
static void test_fd_first(void)
{
	struct pfsd_loop *l = pfsd_loop_new();
	struct first_ctx c = {.loop = l};
	int p[3][2], i;

	for (i = 0; i < 3; i++)
		if (pipe(p[i]) == -1)
			T_CHECK(0);
	for (i = 0; i < 3; i++)
		T_EQ(pfsd_loop_add_fd(l, p[i][0], EPOLLIN, first_read, &c), 0);
	pfsd_loop_fd_first(l, p[2][0]);
	for (i = 0; i < 3; i++)
		T_EQ(write(p[i][1], &"abc"[i], 1), 1);
	T_EQ(pfsd_loop_run(l), 0);
	T_EQ(c.n, 3);
	T_EQ(c.order[0], 'c');
	for (i = 0; i < 3; i++)
		close(p[i][0]), close(p[i][1]);
	pfsd_loop_free(l);
}

static void on_signal(void *arg, int signo)
{
	struct rec *r = arg;

	r->order[r->n++ & 255] = signo;
	pfsd_loop_stop(r->loop);
}

static void send_usr1(void *arg)
{
	(void)arg;
	raise(SIGUSR1);
}

static void test_signal(void)
{
	struct pfsd_loop *l = pfsd_loop_new();
	struct rec r = {.loop = l};
	sigset_t cur;

	if (l == NULL) {
		T_CHECK(l != NULL);
		return;
	}
	T_EQ(pfsd_loop_signal(l, SIGUSR1, on_signal, &r), 0);
	T_EQ(pfsd_loop_signal(l, SIGUSR2, on_signal, &r), 0);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	T_CHECK(sigismember(&cur, SIGUSR1) == 1);
	/* Raised from a timer callback, i.e. while the loop runs. */
	pfsd_loop_timer_add(l, pfsd_now_ms() + 5, send_usr1, NULL);
	T_EQ(pfsd_loop_run(l), 0);
	T_EQ(r.n, 1);
	T_EQ(r.order[0], SIGUSR1);
	raise(SIGUSR2);
	T_EQ(pfsd_loop_run(l), 0);
	T_EQ(r.n, 2);
	T_EQ(r.order[1], SIGUSR2);
	errno = 0;
	T_EQ(pfsd_loop_signal(l, 0, on_signal, &r), -1);
	T_EQ(errno, EINVAL);
	pfsd_loop_free(l);
}

static void test_stop_from_callback(void)
{
	struct pfsd_loop *l = pfsd_loop_new();
	struct rec r = {.loop = l, .stop_after = 1};
	struct tag t = {&r, 7};

	if (l == NULL) {
		T_CHECK(l != NULL);
		return;
	}
	/* stop from a callback ends run; run again resumes normally. */
	pfsd_loop_timer_add(l, 0, rec_timer, &t);
	T_EQ(pfsd_loop_run(l), 0);
	T_EQ(r.n, 1);
	pfsd_loop_free(l);
	pfsd_loop_free(NULL);
}

int main(void)
{
	T_RUN(test_now_monotonic);
	T_RUN(test_timers_in_order);
	T_RUN(test_after_wakeup);
	T_RUN(test_timer_move_cancel);
	T_RUN(test_timer_cancel_self);
	T_RUN(test_timer_rearm);
	T_RUN(test_many_timers);
	T_RUN(test_fd_callback);
	T_RUN(test_fd_first);
	T_RUN(test_signal);
	T_RUN(test_stop_from_callback);
	return t_done();
}
