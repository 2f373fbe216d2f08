/*
 * log.h - pfsyncd's logging: stderr in the foreground (-d), syslog
 * otherwise.  fatal/fatalx exit.  Levels are syslog's.
 */
#ifndef PFSYNCD_LOG_H
#define PFSYNCD_LOG_H

#include <stdarg.h>

void log_init(int foreground, int level, const char *ident);
void log_setlevel(int level);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
