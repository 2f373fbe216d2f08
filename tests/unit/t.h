/*
 * t.h - the smallest unit-test harness: each test is a function; T_RUN
 * prints "PASS name" or "FAIL name" (the runner counts these lines) and
 * t_done() gives the exit status.
 */
#ifndef PFSYNC_T_H
#define PFSYNC_T_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The hash key of the tables and sets the tests make: fixed, so that
 * every run sees the same layout (pfsyncd draws a random one). */
#ifndef T_HASHKEY
#define T_HASHKEY ((const uint8_t *)"pfsyncd test key")
#endif

static int t_failed_checks;
static int t_failed_tests;

#define T_CHECK(cond)                                                          \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,  \
				__LINE__, #cond);                              \
			t_failed_checks++;                                     \
		}                                                              \
	} while (0)

#define T_EQ(a, b)                                                             \
	do {                                                                   \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);        \
		if (t_a_ != t_b_) {                                            \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",\
				__FILE__, __LINE__, #a, t_a_, #b, t_b_);       \
			t_failed_checks++;                                     \
		}                                                              \
	} while (0)

#define T_MEMEQ(a, b, n) T_CHECK(memcmp((a), (b), (n)) == 0)

#define T_RUN(fn)                                                              \
	do {                                                                   \
		int t_before_ = t_failed_checks;                               \
		fn();                                                          \
		if (t_failed_checks == t_before_) {                            \
			printf("PASS %s\n", #fn);                              \
		} else {                                                       \
			printf("FAIL %s\n", #fn);                              \
			t_failed_tests++;                                      \
		}                                                              \
		fflush(stdout);                                                \
	} while (0)

static inline int t_done(void)
{
	return t_failed_tests ? 1 : 0;
}

#endif
