/*
 * log.c - pfsyncd's logging.  In the foreground every line goes to stderr
 * with a wall-clock timestamp; otherwise to syslog(3) under the daemon's
 * ident.  log_warn and fatal append strerror(errno), like OpenBSD's.
 *
 * Under systemd (pfsyncd -d with stderr connected to the journal, which
 * $JOURNAL_STREAM names by device:inode) each line is "<N>message"
 * instead: sd-daemon(3)'s priority prefix, so the journal keeps the
 * level, and no timestamp of our own (the journal has one).
 *
 * The state below is the process's one logging sink: it is set once by
 * log_init and read by every call, so it lives in the daemon (never lib/).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "os/log.h"

static int log_foreground = 1;
static int log_journal;
static int log_level = LOG_INFO;

/* stderr is the stream $JOURNAL_STREAM ("DEV:INODE") names. */
static int log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(2, &sb) == -1)
		return 0;
	return (unsigned long long)sb.st_dev == dev &&
	       (unsigned long long)sb.st_ino == ino;
}

void log_init(int foreground, int level, const char *ident)
{
	log_foreground = foreground;
	log_journal = foreground && log_stderr_is_journal();
	log_level = level;
	if (!foreground)
		openlog(ident ? ident : "pfsyncd", LOG_PID | LOG_NDELAY,
			LOG_DAEMON);
	tzset();
}

void log_setlevel(int level)
{
	log_level = level;
}

/* "2024-05-01 12:00:00.123 " */
static void log_stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ld ", ts.tv_nsec / 1000000);
}

static void log_vlog(int pri, const char *errstr, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void log_vlog(int pri, const char *errstr, const char *fmt, va_list ap)
{
	char msg[1024], stamp[40];

	if (pri > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal) {
		if (errstr)
			fprintf(stderr, "<%d>%s: %s\n", pri, msg, errstr);
		else
			fprintf(stderr, "<%d>%s\n", pri, msg);
		return;
	}
	if (log_foreground) {
		log_stamp(stamp, sizeof(stamp));
		if (errstr)
			fprintf(stderr, "%s%s: %s\n", stamp, msg, errstr);
		else
			fprintf(stderr, "%s%s\n", stamp, msg);
		return;
	}
	if (errstr)
		syslog(pri, "%s: %s", msg, errstr);
	else
		syslog(pri, "%s", msg);
}

void log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, e, fmt, ap);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, e, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
