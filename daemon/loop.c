/*
 * loop.c - the daemon's one event loop.
 *
 * One epoll instance watches every descriptor.  All timers live in a binary
 * min-heap ordered by deadline and drive ONE timerfd armed, in absolute
 * CLOCK_MONOTONIC time, to the earliest deadline.  Signals are blocked with
 * sigprocmask and read from one signalfd, so no work ever happens in a
 * signal handler.
 *
 * Callbacks may delete their own (or any) fd or timer: every registered fd
 * carries a generation number in its epoll cookie, so an event for an fd
 * that was deleted (and maybe re-added) during the same epoll_wait batch is
 * recognised as stale and dropped.
 *
 * Timer ids are (generation << 16) | (slot + 1): slots are recycled, the
 * generation makes a stale id harmless.  Timers are one-shot: once its
 * callback returns, a fired timer is freed unless the callback re-armed it
 * with pfsd_loop_timer_move, so callers that forget a fired id leak nothing.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define LOOP_MAX_EVENTS 64
#define LOOP_MAX_TIMERS 0xffff
#define LOOP_NSIG	65

struct loop_fd {
	pfsd_fd_cb cb; /* NULL: slot unused */
	void *arg;
	uint32_t gen;
	bool first; /* handled before the others of a wakeup */
};

struct loop_timer {
	uint64_t at;
	uint64_t seq;	  /* arming order: a pass fires only older timers */
	pfsd_timer_cb cb; /* NULL: slot free */
	void *arg;
	int heap_idx; /* -1: not armed */
	uint16_t gen;
	int next_free;
};

struct loop_sig {
	pfsd_signal_cb cb;
	void *arg;
};

struct pfsd_loop {
	int epfd;
	int tfd;
	int sfd;
	bool stop;
	struct loop_fd *fds;
	size_t nfds;
	struct loop_timer *timers;
	int ntimers;
	int free_timer;
	int *heap; /* timer slot numbers */
	int heap_len;
	uint64_t seq;
	uint64_t armed_at; /* what the timerfd is set to; 0: disarmed */
	sigset_t sigmask;
	struct loop_sig sigs[LOOP_NSIG];
	pfsd_timer_cb after_cb; /* after each wakeup, NULL: none */
	bool busy;		/* work waits: poll, do not sleep */
	void *after_arg;
};

uint64_t pfsd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- file descriptors ---------------------------------------------------- */

static int loop_fd_grow(struct pfsd_loop *l, int fd)
{
	size_t n = l->nfds ? l->nfds : 16;
	struct loop_fd *p;

	while (n <= (size_t)fd)
		n *= 2;
	if (n == l->nfds)
		return 0;
	p = realloc(l->fds, n * sizeof(*p));
	if (p == NULL)
		return -1;
	memset(p + l->nfds, 0, (n - l->nfds) * sizeof(*p));
	l->fds = p;
	l->nfds = n;
	return 0;
}

static uint64_t loop_cookie(int fd, uint32_t gen)
{
	return (uint64_t)gen << 32 | (uint32_t)fd;
}

int pfsd_loop_add_fd(struct pfsd_loop *l, int fd, uint32_t events,
		     pfsd_fd_cb cb, void *arg)
{
	struct epoll_event ev;
	struct loop_fd *e;

	if (fd < 0 || cb == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (loop_fd_grow(l, fd) == -1)
		return -1;
	e = &l->fds[fd];
	if (e->cb != NULL) {
		errno = EEXIST;
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = loop_cookie(fd, e->gen);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		return -1;
	e->cb = cb;
	e->arg = arg;
	return 0;
}

int pfsd_loop_mod_fd(struct pfsd_loop *l, int fd, uint32_t events)
{
	struct epoll_event ev;

	if (fd < 0 || (size_t)fd >= l->nfds || l->fds[fd].cb == NULL) {
		errno = ENOENT;
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = loop_cookie(fd, l->fds[fd].gen);
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void pfsd_loop_del_fd(struct pfsd_loop *l, int fd)
{
	struct loop_fd *e;

	if (l == NULL || fd < 0 || (size_t)fd >= l->nfds)
		return;
	e = &l->fds[fd];
	if (e->cb == NULL)
		return;
	/* The fd may already be closed; epoll then forgot it by itself. */
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	e->cb = NULL;
	e->arg = NULL;
	e->first = false;
	e->gen++;
}

void pfsd_loop_fd_first(struct pfsd_loop *l, int fd)
{
	if (fd >= 0 && (size_t)fd < l->nfds && l->fds[fd].cb != NULL)
		l->fds[fd].first = true;
}

/* --- timer heap ---------------------------------------------------------- */

static bool loop_timer_before(const struct pfsd_loop *l, int a, int b)
{
	const struct loop_timer *ta = &l->timers[a], *tb = &l->timers[b];

	if (ta->at != tb->at)
		return ta->at < tb->at;
	return ta->seq < tb->seq;
}

static void loop_heap_set(struct pfsd_loop *l, int idx, int slot)
{
	l->heap[idx] = slot;
	l->timers[slot].heap_idx = idx;
}

static void loop_heap_up(struct pfsd_loop *l, int idx)
{
	int slot = l->heap[idx], parent;

	while (idx > 0) {
		parent = (idx - 1) / 2;
		if (!loop_timer_before(l, slot, l->heap[parent]))
			break;
		loop_heap_set(l, idx, l->heap[parent]);
		idx = parent;
	}
	loop_heap_set(l, idx, slot);
}

static void loop_heap_down(struct pfsd_loop *l, int idx)
{
	int slot = l->heap[idx], child;

	for (;;) {
		child = 2 * idx + 1;
		if (child >= l->heap_len)
			break;
		if (child + 1 < l->heap_len &&
		    loop_timer_before(l, l->heap[child + 1], l->heap[child]))
			child++;
		if (!loop_timer_before(l, l->heap[child], slot))
			break;
		loop_heap_set(l, idx, l->heap[child]);
		idx = child;
	}
	loop_heap_set(l, idx, slot);
}

static void loop_heap_remove(struct pfsd_loop *l, int slot)
{
	int idx = l->timers[slot].heap_idx, last;

	if (idx < 0)
		return;
	l->timers[slot].heap_idx = -1;
	last = l->heap[--l->heap_len];
	if (idx == l->heap_len)
		return;
	loop_heap_set(l, idx, last);
	loop_heap_up(l, idx);
	loop_heap_down(l, l->timers[last].heap_idx);
}

/* The heap array has room for every slot, so inserting cannot fail. */
static void loop_heap_insert(struct pfsd_loop *l, int slot, uint64_t at)
{
	struct loop_timer *t = &l->timers[slot];

	loop_heap_remove(l, slot);
	t->at = at;
	t->seq = ++l->seq;
	l->heap[l->heap_len] = slot;
	t->heap_idx = l->heap_len++;
	loop_heap_up(l, t->heap_idx);
}

/* Point the one timerfd at the earliest deadline (or disarm it). */
static void loop_timerfd_sync(struct pfsd_loop *l)
{
	struct itimerspec its;
	uint64_t at = 0;

	/* 0 means disarmed, so a deadline of 0 ms is armed as 1 ms. */
	if (l->heap_len > 0)
		at = l->timers[l->heap[0]].at ? l->timers[l->heap[0]].at : 1;
	if (at == l->armed_at)
		return;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(at / 1000);
	its.it_value.tv_nsec = (long)(at % 1000) * 1000000;
	/* Cannot fail with a valid fd and a normalised time. */
	(void)timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	l->armed_at = at;
}

static int loop_timer_grow(struct pfsd_loop *l)
{
	int n = l->ntimers ? l->ntimers * 2 : 16, i;
	struct loop_timer *t;
	int *h;

	if (n > LOOP_MAX_TIMERS)
		n = LOOP_MAX_TIMERS;
	if (n <= l->ntimers) {
		errno = ENOSPC;
		return -1;
	}
	t = realloc(l->timers, (size_t)n * sizeof(*t));
	if (t == NULL)
		return -1;
	l->timers = t;
	h = realloc(l->heap, (size_t)n * sizeof(*h));
	if (h == NULL)
		return -1;
	l->heap = h;
	for (i = l->ntimers; i < n; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].heap_idx = -1;
		t[i].next_free = i + 1 < n ? i + 1 : -1;
	}
	l->free_timer = l->ntimers;
	l->ntimers = n;
	return 0;
}

static int loop_timer_id(const struct pfsd_loop *l, int slot)
{
	return (int)l->timers[slot].gen << 16 | (slot + 1);
}

/* The slot of a live timer id, or -1. */
static int loop_timer_slot(const struct pfsd_loop *l, int id)
{
	int slot = (id & 0xffff) - 1;

	if (id <= 0 || slot < 0 || slot >= l->ntimers)
		return -1;
	if (l->timers[slot].cb == NULL ||
	    l->timers[slot].gen != (uint16_t)((unsigned)id >> 16))
		return -1;
	return slot;
}

int pfsd_loop_timer_add(struct pfsd_loop *l, uint64_t at_ms, pfsd_timer_cb cb,
			void *arg)
{
	struct loop_timer *t;
	int slot;

	if (cb == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (l->free_timer < 0 && loop_timer_grow(l) == -1)
		return -1;
	slot = l->free_timer;
	t = &l->timers[slot];
	l->free_timer = t->next_free;
	t->cb = cb;
	t->arg = arg;
	loop_heap_insert(l, slot, at_ms);
	loop_timerfd_sync(l);
	return loop_timer_id(l, slot);
}

void pfsd_loop_timer_move(struct pfsd_loop *l, int id, uint64_t at_ms)
{
	int slot = loop_timer_slot(l, id);

	if (slot < 0)
		return;
	loop_heap_insert(l, slot, at_ms);
	loop_timerfd_sync(l);
}

/* Return a slot to the free list; its old id stops matching. */
static void loop_timer_free(struct pfsd_loop *l, int slot)
{
	struct loop_timer *t = &l->timers[slot];

	loop_heap_remove(l, slot);
	t->cb = NULL;
	t->arg = NULL;
	/* Generation 0x7fff wraps to 0 so an id stays a positive int. */
	t->gen = (uint16_t)((t->gen + 1) & 0x7fff);
	t->next_free = l->free_timer;
	l->free_timer = slot;
}

void pfsd_loop_timer_cancel(struct pfsd_loop *l, int id)
{
	int slot = l ? loop_timer_slot(l, id) : -1;

	if (slot < 0)
		return;
	loop_timer_free(l, slot);
	loop_timerfd_sync(l);
}

/*
 * Fire every timer due now that was armed before this pass began; one
 * re-armed (or added) by a callback for "now" waits for the next pass, so a
 * callback that keeps re-arming itself cannot starve the descriptors.
 */
static void loop_timers_run(void *arg, int fd, uint32_t events)
{
	struct pfsd_loop *l = arg;
	uint64_t expirations, now = pfsd_now_ms(), pass = l->seq;
	struct loop_timer *t;
	int slot, id;

	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return;
	while (!l->stop && l->heap_len > 0) {
		slot = l->heap[0];
		t = &l->timers[slot];
		if (t->at > now || t->seq > pass)
			break;
		loop_heap_remove(l, slot);
		id = loop_timer_id(l, slot);
		t->cb(t->arg);
		/* Still known and not re-armed by its callback: done. */
		slot = loop_timer_slot(l, id);
		if (slot >= 0 && l->timers[slot].heap_idx < 0)
			loop_timer_free(l, slot);
	}
	l->armed_at = 0; /* the timerfd expired: force a re-arm */
	loop_timerfd_sync(l);
}

/* --- signals ------------------------------------------------------------- */

static void loop_signals_run(void *arg, int fd, uint32_t events)
{
	struct pfsd_loop *l = arg;
	struct signalfd_siginfo si;
	struct loop_sig *s;

	(void)events;
	while (!l->stop && read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo >= LOOP_NSIG)
			continue;
		s = &l->sigs[si.ssi_signo];
		if (s->cb != NULL)
			s->cb(s->arg, (int)si.ssi_signo);
	}
}

int pfsd_loop_signal(struct pfsd_loop *l, int signo, pfsd_signal_cb cb,
		     void *arg)
{
	int fd;

	if (signo <= 0 || signo >= LOOP_NSIG || cb == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (sigaddset(&l->sigmask, signo) == -1)
		return -1;
	if (sigprocmask(SIG_BLOCK, &l->sigmask, NULL) == -1)
		return -1;
	fd = signalfd(l->sfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1)
		return -1;
	if (l->sfd == -1) {
		if (pfsd_loop_add_fd(l, fd, EPOLLIN, loop_signals_run, l)) {
			close(fd);
			return -1;
		}
		l->sfd = fd;
	}
	l->sigs[signo].cb = cb;
	l->sigs[signo].arg = arg;
	return 0;
}

/* --- the loop ------------------------------------------------------------ */

struct pfsd_loop *pfsd_loop_new(void)
{
	struct pfsd_loop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->sfd = -1;
	l->free_timer = -1;
	sigemptyset(&l->sigmask);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->epfd == -1 || l->tfd == -1 ||
	    pfsd_loop_add_fd(l, l->tfd, EPOLLIN, loop_timers_run, l) == -1) {
		pfsd_loop_free(l);
		return NULL;
	}
	return l;
}

void pfsd_loop_free(struct pfsd_loop *l)
{
	int saved = errno;

	if (l == NULL)
		return;
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->sfd >= 0)
		close(l->sfd);
	free(l->fds);
	free(l->timers);
	free(l->heap);
	free(l);
	errno = saved;
}

/* The entry of an event, or NULL when it is stale: deleted (or
 * replaced) by an earlier callback of this batch. */
static struct loop_fd *loop_event_fd(struct pfsd_loop *l,
				     const struct epoll_event *ev)
{
	int fd = (int)(uint32_t)ev->data.u64;
	uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
	struct loop_fd *e;

	if ((size_t)fd >= l->nfds)
		return NULL;
	e = &l->fds[fd];
	return e->cb == NULL || e->gen != gen ? NULL : e;
}

/* Pass "first" handles the fds marked first, the second pass the rest. */
static void loop_dispatch(struct pfsd_loop *l, const struct epoll_event *ev,
			  bool first)
{
	struct loop_fd *e = loop_event_fd(l, ev);

	if (e != NULL && e->first == first)
		e->cb(e->arg, (int)(uint32_t)ev->data.u64, ev->events);
}

int pfsd_loop_run(struct pfsd_loop *l)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	int n, i;

	l->stop = false;
	while (!l->stop) {
		n = epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, l->busy ? 0 : -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		/* Level-triggered: events left after a stop come back. */
		for (i = 0; i < n && !l->stop; i++)
			loop_dispatch(l, &evs[i], true);
		for (i = 0; i < n && !l->stop; i++)
			loop_dispatch(l, &evs[i], false);
		/* also after a stop: what the batch queued still goes out */
		if (l->after_cb != NULL)
			l->after_cb(l->after_arg);
	}
	return 0;
}

void pfsd_loop_set_after(struct pfsd_loop *l, pfsd_timer_cb cb, void *arg)
{
	l->after_cb = cb;
	l->after_arg = arg;
}

void pfsd_loop_set_busy(struct pfsd_loop *l, bool busy)
{
	l->busy = busy;
}

void pfsd_loop_stop(struct pfsd_loop *l)
{
	l->stop = true;
}
