# A minimal CRI (Kubernetes runtime.v1 RuntimeService) client for tests/integration/cri.bats, as crictl is not packaged in Debian 12.
"""Speaks gRPC to containerd's CRI plugin with hand-encoded protobuf messages (field numbers from
k8s.io/cri-api pkg/apis/runtime/v1/api.proto), so no generated code or .proto file is needed.

Usage: cri_client.py SOCKET VERB ARGS...
  version                          runtime_name runtime_version runtime_api_version
  config                           the CRI plugin's config (Status verbose info "config"), as JSON
  runp HANDLER                     run a pod sandbox with that runtime_handler; prints its id
  pod-info POD                     PodSandboxStatus verbose info, as JSON ("info" key)
  create POD NAME IMAGE CMD...     create a container in POD; prints its id
  start ID | stop ID SECONDS | rm ID | stopp POD | rmp POD
  status ID                        state=... exit=... reason=...
  info ID                          ContainerStatus verbose info, as JSON ("info" key)
  exec ID SECONDS CMD...           ExecSync: the command's stdout/stderr on ours, its exit code as ours
The pod sandbox config comes from the environment: CRI_POD_NAME, CRI_POD_UID, CRI_POD_NS, CRI_LOG_DIR,
CRI_CGROUP_PARENT, CRI_MEMORY_LIMIT (bytes, for containers); the pod uses the host network (no CNI here).
"""
import json
import os
import sys

import grpc

# --- protobuf wire format (varint = 0, length-delimited = 2) ---


def _varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_int(num, value):
    return _varint(num << 3) + _varint(value) if value else b""


def f_bytes(num, value):
    if isinstance(value, str):
        value = value.encode()
    return _varint(num << 3 | 2) + _varint(len(value)) + value


def f_map(num, mapping):
    return b"".join(f_bytes(num, f_bytes(1, k) + f_bytes(2, v)) for k, v in mapping.items())


def decode(data):
    """Message bytes -> {field number: [values]} (ints for varints, bytes for length-delimited)."""
    fields, i = {}, 0
    while i < len(data):
        key, i = _read_varint(data, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _read_varint(data, i)
        elif wire == 2:
            size, i = _read_varint(data, i)
            value, i = data[i : i + size], i + size
        elif wire == 1:
            value, i = data[i : i + 8], i + 8
        elif wire == 5:
            value, i = data[i : i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        fields.setdefault(num, []).append(value)
    return fields


def _read_varint(data, i):
    shift = result = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def first(fields, num, default=b""):
    return fields.get(num, [default])[0]


def decode_map(values):
    out = {}
    for entry in values:
        kv = decode(entry)
        out[first(kv, 1).decode()] = first(kv, 2).decode()
    return out


# --- CRI messages ---


def pod_config():
    env = os.environ
    metadata = f_bytes(1, env["CRI_POD_NAME"]) + f_bytes(2, env["CRI_POD_UID"]) + f_bytes(3, env["CRI_POD_NS"])
    # NamespaceOption: network = NODE (2); pid and ipc = POD (0, the default).
    namespaces = f_int(1, 2)
    security = f_bytes(1, namespaces)
    linux = f_bytes(1, env["CRI_CGROUP_PARENT"]) + f_bytes(2, security)
    # No hostname: the host network's pod shares the host's UTS namespace.
    return f_bytes(1, metadata) + f_bytes(3, env["CRI_LOG_DIR"]) + f_bytes(8, linux)


def container_config(name, image, cmd):
    resources = f_int(4, int(os.environ.get("CRI_MEMORY_LIMIT", "0")))
    linux = f_bytes(1, resources)
    msg = f_bytes(1, f_bytes(1, name)) + f_bytes(2, f_bytes(1, image))
    msg += b"".join(f_bytes(3, c) for c in cmd)
    return msg + f_bytes(11, name + ".log") + f_bytes(15, linux)


class Client:
    def __init__(self, socket):
        self.channel = grpc.insecure_channel("unix://" + socket)

    def call(self, method, request, timeout=60):
        rpc = self.channel.unary_unary(
            "/runtime.v1.RuntimeService/" + method,
            request_serializer=lambda b: b,
            response_deserializer=lambda b: b,
        )
        return decode(rpc(request, timeout=timeout))


STATES = {0: "CONTAINER_CREATED", 1: "CONTAINER_RUNNING", 2: "CONTAINER_EXITED", 3: "CONTAINER_UNKNOWN"}


def run(client, verb, args):
    if verb == "version":
        r = client.call("Version", f_bytes(1, "v1"))
        print(first(r, 2).decode(), first(r, 3).decode(), first(r, 4).decode())
    elif verb == "config":
        r = client.call("Status", f_int(1, 1))
        print(decode_map(r.get(2, [])).get("config", "{}"))
    elif verb == "runp":
        r = client.call("RunPodSandbox", f_bytes(1, pod_config()) + f_bytes(2, args[0]), timeout=120)
        print(first(r, 1).decode())
    elif verb == "pod-info":
        r = client.call("PodSandboxStatus", f_bytes(1, args[0]) + f_int(2, 1))
        print(decode_map(r.get(2, [])).get("info", "{}"))
    elif verb == "create":
        pod, name, image, cmd = args[0], args[1], args[2], args[3:]
        req = f_bytes(1, pod) + f_bytes(2, container_config(name, image, cmd)) + f_bytes(3, pod_config())
        print(first(client.call("CreateContainer", req, timeout=120), 1).decode())
    elif verb in ("start", "rm"):
        client.call({"start": "StartContainer", "rm": "RemoveContainer"}[verb], f_bytes(1, args[0]))
    elif verb == "stop":
        client.call("StopContainer", f_bytes(1, args[0]) + f_int(2, int(args[1])), timeout=int(args[1]) + 60)
    elif verb in ("stopp", "rmp"):
        client.call({"stopp": "StopPodSandbox", "rmp": "RemovePodSandbox"}[verb], f_bytes(1, args[0]), timeout=120)
    elif verb == "status":
        s = decode(first(client.call("ContainerStatus", f_bytes(1, args[0])), 1))
        print(f"state={STATES.get(first(s, 3, 0), '?')} exit={first(s, 7, 0)} reason={first(s, 10).decode()}")
    elif verb == "info":
        r = client.call("ContainerStatus", f_bytes(1, args[0]) + f_int(2, 1))
        print(decode_map(r.get(2, [])).get("info", "{}"))
    elif verb == "exec":
        seconds = int(args[1])
        req = f_bytes(1, args[0]) + b"".join(f_bytes(2, c) for c in args[2:]) + f_int(3, seconds)
        r = client.call("ExecSync", req, timeout=seconds + 60)
        sys.stdout.buffer.write(first(r, 1))
        sys.stderr.buffer.write(first(r, 2))
        code = first(r, 3, 0)
        return code if code < 256 else 255
    else:
        raise SystemExit(f"cri_client.py: unknown verb {verb!r}\n{__doc__}")
    return 0


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    try:
        return run(Client(argv[1]), argv[2], argv[3:])
    except grpc.RpcError as e:
        print(f"cri_client.py {argv[2]}: {e.code().name}: {e.details()}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
