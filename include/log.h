/*
 * log: the only writer of diagnostics. Messages go to stderr, with a
 * "<N>" priority prefix when running under systemd (JOURNAL_STREAM set)
 * and the program name otherwise. Repeated warnings can be rate-limited.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

void log_init(int, int);
void log_setverbose(int);
void log_ratelimit(int);
int  log_getverbose(void);
void log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_raw(const char *, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif /* LOG_H */
