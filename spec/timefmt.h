/* RFC 3339 timestamps with nanoseconds, as logrus (containerd's log reader) and state.json "created" use them. */
#ifndef KEEL_TIMEFMT_H
#define KEEL_TIMEFMT_H

#include <stddef.h>

/* The current UTC time as "2006-01-02T15:04:05.999999999Z" into BUF (64 bytes are plenty). */
void timefmt_now_rfc3339 (char *buf, size_t len);

#endif
