#!/usr/bin/env python3
"""Test helper: write a corpus of hostile images into a docker-registry's filesystem storage.

usage: hostile_images.py STORAGE OUTSIDE STATIC [--long] > cases.tsv

STORAGE is the registry's storage.filesystem.rootdirectory; OUTSIDE the canary directory the layers try to
reach. Each image is written as a push would leave it (blob data, repository links, the tag), but
without the registry's checks, so that lies a registry refuses on push (wrong sizes and digests,
missing blobs) are served as a hostile registry would serve them. Each image is the repository
hostile/NAME. Output, one case a line, tab-separated:
    NAME  STAGE  EXPECT  REF (what follows hostile/NAME: ":t" or "@sha256:...", or "static": served from
                              STATIC by a plain HTTP server: what docker-registry refuses to serve)
STAGE: pull (the fetch must fail: nothing new stays in the store), unpack (the fetch may succeed, the
unpack must fail) or any (rejected at any stage, or applied with every write inside the rootfs).
EXPECT: an extended regular expression the error message must match ("-" for any).
"""
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
LAYER_GZIP = LAYER_TAR + "+gzip"
LAYER_ZSTD = LAYER_TAR + "+zstd"


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry:
    """The distribution filesystem driver's layout (docker/registry/v2/...)."""

    def __init__(self, root):
        self.root = os.path.join(root, "docker", "registry", "v2")

    def _write(self, path, data):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    def blob_data(self, digest, data):
        hexd = digest.split(":", 1)[1]
        self._write(os.path.join(self.root, "blobs", "sha256", hexd[:2], hexd, "data"), data)

    def _link(self, repo, kind, digest):
        hexd = digest.split(":", 1)[1]
        self._write(os.path.join(self.root, "repositories", repo, kind, "sha256", hexd, "link"), digest.encode())

    def blob(self, repo, data, digest=None):
        """Serve DATA as DIGEST (its own digest unless a lie is wanted) in REPO."""
        digest = digest or sha(data)
        self.blob_data(digest, data)
        self._link(repo, "_layers", digest)
        return digest

    def manifest(self, repo, data, tag=None, digest=None):
        digest = digest or sha(data)
        self.blob_data(digest, data)
        self._link(repo, "_manifests/revisions", digest)
        if tag:
            tagdir = os.path.join(self.root, "repositories", repo, "_manifests", "tags", tag)
            self._write(os.path.join(tagdir, "current", "link"), digest.encode())
            self._link(repo, "_manifests/tags/%s/index" % tag, digest)
        return digest


def tar_layer(entries):
    """ENTRIES: (type, name, extra dict) with type file/dir/symlink/hardlink; raw bytes of a tar."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for kind, name, extra in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime = 1600000000
            data = extra.get("data", b"")
            ti.type = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                       "hardlink": tarfile.LNKTYPE}[kind]
            ti.mode = extra.get("mode", 0o755 if kind == "dir" else 0o644)
            ti.linkname = extra.get("target", "")
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data) if data else None)
    return buf.getvalue()


def raw_header(name, size):
    """A ustar header claiming SIZE bytes (followed by nothing: the stream lies)."""
    ti = tarfile.TarInfo(name)
    ti.size = size
    ti.mtime = 1600000000
    return ti.tobuf(format=tarfile.GNU_FORMAT)


def gz(data):
    return gzip.compress(data, compresslevel=6, mtime=0)


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout


def desc(media_type, data, **over):
    d = {"mediaType": media_type, "digest": sha(data), "size": len(data)}
    d.update(over)
    return d


def config_for(diff_ids, **over):
    c = {"architecture": host_arch(), "os": "linux", "config": {"Cmd": ["/bin/sh"]},
         "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    c.update(over)
    return json.dumps(c, sort_keys=True).encode()


def host_arch():
    m = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(m, m)


class Corpus:
    def __init__(self, reg, outside, static):
        self.reg = reg
        self.static = static
        self.outside = outside
        self.cases = []

    def case(self, name, stage, expect, ref=":t"):
        self.cases.append((name, stage, expect, ref))

    def image(self, name, layers, stage, expect, config=None, media=LAYER_GZIP, compress=gz, tweak=None):
        """An image of LAYERS (raw tars, compressed with COMPRESS) under hostile/NAME:t. TWEAK may edit
        the manifest dict (and store what it needs) before it is written."""
        repo = "hostile/" + name
        blobs = [compress(l) for l in layers]
        if config is None:
            config = config_for([sha(l) for l in layers])
        m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": desc(OCI_CONFIG, config),
             "layers": [desc(media, b) for b in blobs]}
        self.reg.blob(repo, config)
        for b in blobs:
            self.reg.blob(repo, b)
        if tweak:
            tweak(repo, m)
        self.reg.manifest(repo, json.dumps(m).encode(), tag="t")
        self.case(name, stage, expect)
        return m

    def escape(self, name, *layers, expect="-"):
        """Layers of entries trying to reach OUTSIDE: rejected or contained."""
        self.image(name, [tar_layer(l) for l in layers], "any", expect)


def up(n=40):
    return "../" * n


def layer_cases(c):
    o = c.outside
    rel = up() + o.lstrip("/")
    pw = {"data": b"pwned\n"}
    c.escape("dotdot-file", [("file", rel + "/canary", pw), ("file", "a/../../../x/" + rel + "/new", pw)])
    c.escape("absolute-file", [("file", o + "/canary", pw), ("file", o + "/new", pw)])
    c.escape("bundle-config", [("file", "../config.json", pw), ("file", "../../config.json", pw)])
    c.escape("symlink-abs-same-layer", [("symlink", "esc", {"target": o}), ("file", "esc/canary", pw)])
    c.escape("symlink-rel-same-layer", [("symlink", "esc", {"target": rel}), ("file", "esc/new", pw)])
    c.escape("symlink-earlier-layer", [("symlink", "esc", {"target": o})],
             [("file", "esc/canary", pw), ("dir", "esc/cdir", {"mode": 0o777})])
    c.escape("symlink-chain", [("symlink", "a", {"target": "b"}), ("symlink", "b", {"target": "c/.."}),
                               ("symlink", "c", {"target": rel})], [("file", "a/canary", pw)])
    c.escape("symlink-loop", [("symlink", "a", {"target": "b"}), ("symlink", "b", {"target": "a"}),
                              ("file", "a/x", pw)])
    c.escape("symlink-final-component", [("symlink", "x", {"target": o + "/canary"})],
             [("file", "x", pw)])
    c.escape("symlink-dot", [("symlink", ".", {"target": o}), ("file", "canary", pw)],
             [("file", "new", pw)])
    c.escape("symlink-then-dir-chmod", [("symlink", "d", {"target": o})],
             [("dir", "d", {"mode": 0o777}), ("dir", "d/cdir", {"mode": 0o777})])
    c.escape("hardlink-abs", [("hardlink", "h", {"target": o + "/canary"}), ("file", "h", pw)])
    c.escape("hardlink-rel", [("hardlink", "h", {"target": rel + "/canary"})])
    c.escape("hardlink-through-symlink", [("symlink", "s", {"target": o})],
             [("hardlink", "h", {"target": "s/canary"}), ("file", "h", pw)])
    c.escape("hardlink-to-symlink", [("symlink", "s", {"target": o + "/canary"}),
                                     ("hardlink", "h", {"target": "s"}), ("file", "h", pw)])
    c.escape("whiteout-dotdot", [("file", rel + "/.wh.canary", {}), ("file", "../.wh.cdir", {})])
    c.escape("whiteout-through-symlink", [("symlink", "s", {"target": o})],
             [("file", "s/.wh.canary", {}), ("file", "s/cdir/.wh..wh..opq", {})])
    c.escape("whiteout-rootfs", [("file", "x", pw)], [("file", ".wh..", {}), ("file", "./.wh..wh..opq", {})])
    c.escape("file-parent-is-file", [("file", "f", pw), ("file", "f/g", pw)])
    c.escape("long-names", [("file", "d" * 300, pw), ("file", "/".join(["a" * 200] * 30), pw)])


def stream_cases(c):
    """Compressed streams that lie or explode: the unpack must fail, naming what failed. The config's
    diff_ids are those of the intended tar, so only the stream itself is wrong."""
    body = tar_layer([("file", "data", {"data": os.urandom(200000)})])
    whole = gz(body)
    c.image("gzip-truncated", [body], "unpack", "gzip|truncat|unexpected|damaged|premature",
            compress=lambda b: whole[: len(whole) // 2])
    zs = bytearray(zstd(body))
    zs[len(zs) // 2] ^= 0xFF
    zs[len(zs) // 2 + 1] ^= 0xFF
    c.image("zstd-corrupt", [body], "unpack", "zstd|corrupt|checksum|damaged|rror", media=LAYER_ZSTD,
            compress=lambda b: bytes(zs))
    c.image("gzip-garbage", [body], "unpack", "-", compress=lambda b: b"\x1f\x8b" + os.urandom(4000))
    c.image("gzip-empty", [body], "unpack", "-", compress=lambda b: b"")
    c.image("tar-lying-entry-size", [raw_header("big", 64 << 30) + b"\0" * 1024], "unpack", "-")
    # beyond the --max-size 16M the suite passes: 128 MiB of zeros in one file, 64 x 1 MiB, 3 x 12 MiB
    bound = "max|size|xceed|large|limit"
    c.image("bomb-one-file", [tar_layer([("file", "zeros", {"data": bytes(128 << 20)})])], "unpack", bound)
    c.image("bomb-many-files", [tar_layer([("file", "f%d" % i, {"data": bytes(1 << 20)}) for i in range(64)])],
            "unpack", bound)
    c.image("bomb-across-layers", [tar_layer([("file", "z%d" % n, {"data": bytes(12 << 20)})]) for n in range(3)],
            "unpack", bound)


def descriptor_cases(c):
    """Manifests whose descriptors lie or point nowhere: the pull fails naming the blob. Each case has
    its own layer and config: a lie served under a shared digest would spoil the other cases."""

    def lay(name):
        return tar_layer([("file", "hello", {"data": name.encode() * 1000})])

    def blob_case(name, expect_of, tweak, stage="pull"):
        layer = lay(name)
        cfg = config_for([sha(layer)])
        c.image(name, [layer], stage, expect_of(sha(gz(layer)), sha(cfg)), config=cfg, tweak=tweak)

    def layer_size(n):
        def t(repo, m):
            m["layers"][0]["size"] = n(m["layers"][0]["size"])
        return t

    def layer_digest(ld, cd):
        return ld

    def config_digest(ld, cd):
        return cd

    blob_case("size-smaller", layer_digest, layer_size(lambda n: n - 100))
    blob_case("size-larger", layer_digest, layer_size(lambda n: n + 100))
    blob_case("size-huge", lambda ld, cd: ld + "|size", layer_size(lambda n: 1 << 62))
    blob_case("size-negative", lambda ld, cd: "size", layer_size(lambda n: -1))

    def config_size(repo, m):
        m["config"]["size"] += 7
    blob_case("config-size", config_digest, config_size)
    blob_case("digest-lie-layer", layer_digest, lambda repo, m: lie_blob(c, repo, m["layers"][0]))
    blob_case("digest-lie-config", config_digest, lambda repo, m: lie_blob(c, repo, m["config"]))

    def missing(which):
        def t(repo, m):
            d = m["layers"][0] if which == "layer" else m["config"]
            os.remove(os.path.join(c.reg.root, "repositories", repo, "_layers", "sha256",
                                   d["digest"].split(":")[1], "link"))
        return t
    # the registry's 404 must be reported as such (it read "HTTP 0 BLOB_UNKNOWN" before)
    blob_case("missing-layer", lambda ld, cd: ld + ": HTTP 404 BLOB_UNKNOWN", missing("layer"))
    blob_case("missing-config", lambda ld, cd: cd + ": HTTP 404 BLOB_UNKNOWN", missing("config"))

    def unknown_layer_type(repo, m):
        m["layers"][0]["mediaType"] = "application/vnd.evil.layer.v1+exe"
    blob_case("layer-media-type", lambda ld, cd: "layer 0|vnd.evil", unknown_layer_type)

    def unknown_config_type(repo, m):
        m["config"]["mediaType"] = "application/vnd.evil.config+json"
    blob_case("config-media-type", lambda ld, cd: "vnd.evil", unknown_config_type)

    def foreign_urls(repo, m):
        m["layers"][0]["urls"] = ["http://127.0.0.1:1/evil.tar.gz", "file:///etc/shadow"]
        m["layers"][0]["mediaType"] = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
    blob_case("foreign-urls", lambda ld, cd: "-", foreign_urls, stage="any")

    layer = lay("config-diff-id-wrong")
    c.image("config-diff-id-wrong", [layer], "unpack", "diff_id", config=config_for([sha(b"not the layer")]))
    layer = lay("config-diff-ids-fewer")
    c.image("config-diff-ids-fewer", [layer, lay("second")], "unpack", "diff_id", config=config_for([sha(layer)]))
    c.image("config-not-json", [lay("config-not-json")], "pull", "-", config=b'{"architecture": "amd64", "os": ')
    layer = lay("config-huge")
    c.image("config-huge", [layer], "any", "-",
            config=config_for([sha(layer)], config={"Cmd": ["/bin/sh"], "Env": ["K%d=%s" % (i, "v" * 100) for i in range(120000)]}))
    c.image("config-deep", [lay("config-deep")], "any", "-", config=b"[" * 100000 + b"]" * 100000)
    # one small layer listed 2000 times: bounded work, and the same blob fetched once
    c.image("layers-repeated", [lay("layers-repeated")] * 2000, "any", "-")


def lie_blob(c, repo, d):
    """Serve other bytes (of the same size) under descriptor D's digest."""
    path = os.path.join(c.reg.root, "blobs", "sha256", d["digest"].split(":")[1][:2], d["digest"].split(":")[1], "data")
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[-1] ^= 0x01
    c.reg.blob(repo, bytes(data), digest=d["digest"])


def static_manifest(c, name, obj, data):
    """DATA at STATIC/v2/hostile/NAME/manifests/OBJ: what docker-registry will not serve (it answers 500
    for manifests over 4 MiB or that it cannot parse)."""
    path = os.path.join(c.static, "v2", "hostile", name, "manifests", obj)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def index_cases(c, long_run):
    arch = host_arch()

    def manifest_in(repo):
        # its own layer: a case serving other bytes under this manifest's digest spoils no other
        lay = tar_layer([("file", "hello", {"data": repo.encode()})])
        blob = gz(lay)
        cfg = config_for([sha(lay)])
        c.reg.blob(repo, blob)
        c.reg.blob(repo, cfg)
        m = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": desc(OCI_CONFIG, cfg),
                        "layers": [desc(LAYER_GZIP, blob)]}).encode()
        return m, c.reg.manifest(repo, m)

    def index(entries):
        return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}).encode()

    plat = {"os": "linux", "architecture": arch}
    # a chain of indexes, each pointing at the next: the first nested one must stop the pull
    repo = "hostile/index-chain"
    m, md = manifest_in(repo)
    top = {"mediaType": OCI_MANIFEST, "digest": md, "size": len(m), "platform": plat}
    for _ in range(10000 if long_run else 1000):
        data = index([top])
        top = {"mediaType": OCI_INDEX, "digest": c.reg.manifest(repo, data), "size": len(data), "platform": plat}
    c.reg.manifest(repo, data, tag="t")
    c.case("index-chain", "pull", r"no manifest for linux/[^ ]+ \(available: none\); nested indexes are not followed")

    repo = "hostile/index-as-manifest"
    m, md = manifest_in(repo)
    inner = index([{"mediaType": OCI_MANIFEST, "digest": md, "size": len(m), "platform": plat}])
    idig = c.reg.manifest(repo, inner)
    c.reg.manifest(repo, index([{"mediaType": OCI_MANIFEST, "digest": idig, "size": len(inner), "platform": plat}]),
                   tag="t")
    c.case("index-as-manifest", "pull", idig)

    repo = "hostile/index-missing-child"
    ghost = sha(b"no such manifest")
    c.reg.manifest(repo, index([{"mediaType": OCI_MANIFEST, "digest": ghost, "size": 500, "platform": plat}]), tag="t")
    c.case("index-missing-child", "pull", ghost)

    repo = "hostile/index-child-lies"
    m, md = manifest_in(repo)
    other = bytearray(m)
    other[-1:] = b" }"
    c.reg.manifest(repo, bytes(other), digest=md)  # other bytes under the digest the index names
    c.reg.manifest(repo, index([{"mediaType": OCI_MANIFEST, "digest": md, "size": len(m), "platform": plat}]), tag="t")
    c.case("index-child-lies", "pull", md)

    # what docker-registry refuses to serve, from a plain HTTP server
    blob = gz(tar_layer([("file", "layer", {"data": b"not a manifest"})]))
    static_manifest(c, "index-child-is-layer", sha(blob), blob)
    static_manifest(c, "index-child-is-layer", "t",
                    index([{"mediaType": OCI_MANIFEST, "digest": sha(blob), "size": len(blob), "platform": plat}]))
    c.case("index-child-is-layer", "pull", sha(blob), ref="static")

    # many entries (about 6 MB), none for this platform: rejected without fetching any
    static_manifest(c, "index-wide", "t", index([{"mediaType": OCI_MANIFEST, "digest": sha(b"%d" % i), "size": 500,
                                                  "platform": {"os": "plan9", "architecture": "mips%d" % i}}
                                                 for i in range(30000)]))
    c.case("index-wide", "pull", r"no manifest for linux/[^ ]+ \(available: plan9/mips0, .* and 29984 more\)$",
           ref="static")

    # 100 000 entries (about 19 MB): cut off by imagetool's document bound
    static_manifest(c, "index-enormous", "t", index([{"mediaType": OCI_MANIFEST, "digest": sha(b"%d" % i),
                                                      "size": 500, "platform": {"os": "linux", "architecture": "a%d" % i}}
                                                     for i in range(100000)]))
    c.case("index-enormous", "pull", "larger than", ref="static")

    static_manifest(c, "manifest-not-json", "t",
                    b'{"schemaVersion": 2, "mediaType": "' + OCI_MANIFEST.encode() + b'", "config": {')
    c.case("manifest-not-json", "pull", "not an image manifest", ref="static")

    repo = "hostile/manifest-by-digest-lie"
    m, md = manifest_in(repo)
    c.reg.manifest(repo, m.replace(b'"schemaVersion": 2', b'"schemaVersion":  2'), digest=md)
    c.case("manifest-by-digest-lie", "pull", md, ref="@" + md)


def main():
    storage, outside, static = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]
    c = Corpus(Registry(storage), outside, static)
    long_run = "--long" in sys.argv[4:]
    # the control: a plain image that must pull and unpack (a broken fixture would pass every rejection)
    c.image("control", [tar_layer([("dir", "etc", {}), ("file", "etc/hello", {"data": b"hello\n"})])], "ok", "-")
    layer_cases(c)
    stream_cases(c)
    descriptor_cases(c)
    index_cases(c, long_run)
    for case in c.cases:
        print("\t".join(case))


main()
