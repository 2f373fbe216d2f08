/*
 * test_notify.c - the watchdog interval from $WATCHDOG_USEC and
 * $WATCHDOG_PID (notify.h): half the interval, for this process only.
 */
#include <stddef.h>

#include "os/notify.h"
#include "t.h"

static void test_watchdog_parse(void)
{
	T_EQ(pfsd_notify_watchdog_parse(NULL, NULL, 42), 0);
	T_EQ(pfsd_notify_watchdog_parse("30000000", NULL, 42), 15000);
	T_EQ(pfsd_notify_watchdog_parse("30000000", "42", 42), 15000);
	T_EQ(pfsd_notify_watchdog_parse("30000000", "43", 42), 0);
	T_EQ(pfsd_notify_watchdog_parse("1000", NULL, 42), 1); /* at least */
	T_EQ(pfsd_notify_watchdog_parse("0", NULL, 42), 0);
	T_EQ(pfsd_notify_watchdog_parse("", NULL, 42), 0);
	T_EQ(pfsd_notify_watchdog_parse("-5", NULL, 42), 0);
	T_EQ(pfsd_notify_watchdog_parse("30s", NULL, 42), 0);
	T_EQ(pfsd_notify_watchdog_parse("99999999999999999999999", NULL, 42),
	     0);
	T_EQ(pfsd_notify_watchdog_parse("30000000", "4x", 42), 0);
}

int main(void)
{
	T_RUN(test_watchdog_parse);
	return t_done();
}
