/* The default config.json printed by `runtime spec`: the same document as `runc spec` (and `runc spec --rootless`). */
#include "config.h"
#include "runtime_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

/* Written as JSON and parsed, so the default goes through the same validation
 * as any bundle's config.json. The %s slots hold what differs when rootless. */
static const char default_template[]
    = "{\"ociVersion\": \"" RUNTIME_CONFIG_OCI_VERSION "\","
      " \"process\": {\"terminal\": true, \"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"sh\"],"
      "  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"TERM=xterm\"],"
      "  \"cwd\": \"/\","
      "  \"capabilities\": {"
      "   \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
      "   \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
      "   \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
      "   \"ambient\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]},"
      "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],"
      "  \"noNewPrivileges\": true},"
      " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
      " \"hostname\": \"keel\","
      " \"mounts\": ["
      "  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
      "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
      "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
      "  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
      "   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"%s]},"
      "  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
      "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},"
      "  {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\","
      "   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
      "  {\"destination\": \"/sys\", %s},"
      "  {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\","
      "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}],"
      " \"linux\": {%s"
      "  \"namespaces\": [{\"type\": \"pid\"}, %s{\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"}%s],"
      "  \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", \"/proc/latency_stats\","
      "   \"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"],"
      "  \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", \"/proc/sysrq-trigger\"]}}";

/* What `runc spec --rootless` changes: no gid=5 on devpts (group 5 is not
 * mapped), /sys bind-mounted (sysfs needs a network namespace we cannot own),
 * no device cgroup rules (no cgroup access), a user namespace mapping the
 * caller to root, and no network namespace. */
static int render (bool rootless, char **out)
{
  _cleanup_free_ char *mappings = NULL;

  if (!rootless)
    return asprintf (
        out, default_template, ", \"gid=5\"",
        "\"type\": \"sysfs\", \"source\": \"sysfs\", \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]",
        " \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},", "{\"type\": \"network\"}, ", "");
  if (asprintf (&mappings,
                " \"uidMappings\": [{\"containerID\": 0, \"hostID\": %u, \"size\": 1}],"
                " \"gidMappings\": [{\"containerID\": 0, \"hostID\": %u, \"size\": 1}],",
                (unsigned)getuid (), (unsigned)getgid ())
      < 0)
    return -1;
  return asprintf (
      out, default_template, "",
      "\"type\": \"none\", \"source\": \"/sys\", \"options\": [\"rbind\", \"nosuid\", \"noexec\", \"nodev\", \"ro\"]",
      mappings, "", ", {\"type\": \"user\"}");
}

int runtime_config_default (bool rootless, struct runtime_config **out, keel_error **err)
{
  _cleanup_free_ char *text = NULL;

  if (render (rootless, &text) < 0)
    return keel_err (err, ENOMEM, "default config.json");
  return runtime_config_parse ("default config.json", text, strlen (text), out, err);
}
