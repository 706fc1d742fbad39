/* RFC 3339 timestamps with nanoseconds, as logrus (containerd's log reader) and state.json "created" use them. */
#include "config.h"
#include "timefmt.h"

#include <stdio.h>
#include <time.h>

void timefmt_now_rfc3339 (char *buf, size_t len)
{
  struct timespec ts;
  struct tm tm;
  char base[32];

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (base, sizeof (base), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}
