#!/usr/bin/env python3
"""Writes the seed inputs of the archive fuzz target into fuzz/corpus/archive/ (each < 4 KB).

Deterministic (fixed mtimes, no gzip name/time), so rerunning it changes nothing.
Tar records are padded to 512 bytes instead of tarfile's 10 KiB to keep the seeds small.
    python3 fuzz/make-archive-seeds.py
"""
import bz2
import gzip
import io
import lzma
import os
import tarfile
import zipfile

tarfile.RECORDSIZE = 512
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "archive")
DOCKERFILE = b"FROM alpine:3.20\nCOPY app /app\nRUN chmod +x /app/run.sh\n"
MTIME = 1_700_000_000


def member(name, kind=tarfile.REGTYPE, data=b"", mode=0o644, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime, info.linkname = kind, mode, MTIME, link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def tar(*members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for info, data in members:
            archive.addfile(info, data)
    return buffer.getvalue()


def write(name, data):
    assert len(data) < 4096, (name, len(data))
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


basic = tar(
    member("Dockerfile", data=DOCKERFILE),
    member("app/", tarfile.DIRTYPE, mode=0o755),
    member("app/run.sh", data=b"#!/bin/sh\necho hi\n", mode=0o755),
)
write("basic.tar", basic)
write("basic.tar.gz", gzip.compress(basic, mtime=0))
write("basic.tar.bz2", bz2.compress(basic))
write("basic.tar.xz", lzma.compress(basic, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64))
write("Dockerfile", DOCKERFILE)
write("symlink.tar", tar(
    member("Dockerfile", data=DOCKERFILE),
    member("docs/", tarfile.DIRTYPE, mode=0o755),
    member("docs/Dockerfile.link", tarfile.SYMTYPE, link="../Dockerfile"),
    member("up", tarfile.SYMTYPE, link="docs/.."),
))
write("hardlink.tar", tar(
    member("Dockerfile", data=DOCKERFILE),
    member("copy/Dockerfile", tarfile.LNKTYPE, link="Dockerfile"),
))
write("setuid.tar", tar(member("tool", data=b"\x7fELF", mode=0o6755)))  # bits dropped
# Refused: a link chain whose real target is outside, then a write through it.
write("link-chain.tar", tar(
    member("d/l", tarfile.SYMTYPE, link=".."),
    member("x", tarfile.SYMTYPE, link="d/l/../sentinel"),
    member("x/pwned", data=b"pwned\n"),
))
write("fifo.tar", tar(member("Dockerfile", data=DOCKERFILE), member("pipe", tarfile.FIFOTYPE)))

buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    for name, data, mode in [("Dockerfile", DOCKERFILE, 0o100644), ("app/", b"", 0o040755),
                             ("app/run.sh", b"#!/bin/sh\necho hi\n", 0o100755), ("app/link", b"run.sh", 0o120777)]:
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        info.external_attr = mode << 16
        info.compress_type = zipfile.ZIP_STORED if name.endswith("/") else zipfile.ZIP_DEFLATED
        archive.writestr(info, data)
write("basic.zip", buffer.getvalue())
