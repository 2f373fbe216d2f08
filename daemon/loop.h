/*
 * loop.h - the daemon's one event loop: epoll, with timers on a timerfd
 * (CLOCK_MONOTONIC) and signals on a signalfd.  Handlers never block.
 */
#ifndef PFSYNCD_LOOP_H
#define PFSYNCD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct pfsd_loop;

typedef void (*pfsd_fd_cb)(void *arg, int fd, uint32_t events);
typedef void (*pfsd_timer_cb)(void *arg);
typedef void (*pfsd_signal_cb)(void *arg, int signo);

struct pfsd_loop *pfsd_loop_new(void);
void pfsd_loop_free(struct pfsd_loop *l);

/* Monotonic milliseconds. */
uint64_t pfsd_now_ms(void);

/* Watch fd for events (EPOLLIN, EPOLLOUT...); mod changes them. */
int pfsd_loop_add_fd(struct pfsd_loop *l, int fd, uint32_t events,
		     pfsd_fd_cb cb, void *arg);
int pfsd_loop_mod_fd(struct pfsd_loop *l, int fd, uint32_t events);
void pfsd_loop_del_fd(struct pfsd_loop *l, int fd);
/* Handle fd's events before the others of the same wakeup. */
void pfsd_loop_fd_first(struct pfsd_loop *l, int fd);

/* One-shot timer at an absolute monotonic time; a timer id > 0, or -1.
 * Re-arming an id moves it; cancel of an unknown id is harmless. */
int pfsd_loop_timer_add(struct pfsd_loop *l, uint64_t at_ms, pfsd_timer_cb cb,
			void *arg);
void pfsd_loop_timer_move(struct pfsd_loop *l, int id, uint64_t at_ms);
void pfsd_loop_timer_cancel(struct pfsd_loop *l, int id);

/* Deliver these signals through the loop (blocks them for the process). */
int pfsd_loop_signal(struct pfsd_loop *l, int signo, pfsd_signal_cb cb,
		     void *arg);

/*
 * Call cb once after each wakeup, when every event of the batch was
 * handled (batched output is flushed there).  One hook; NULL removes it.
 */
void pfsd_loop_set_after(struct pfsd_loop *l, pfsd_timer_cb cb, void *arg);
/* Work waits (set from the after callback): the next wait does not sleep. */
void pfsd_loop_set_busy(struct pfsd_loop *l, bool busy);

/* Run until pfsd_loop_stop(); returns 0, or -1 on an epoll error. */
int pfsd_loop_run(struct pfsd_loop *l);
void pfsd_loop_stop(struct pfsd_loop *l);

#endif
