"""What every attack program starts with: one verdict line per attempt, for the test to read.

An attempt prints `NAME: DONE <result>` when the action worked and `NAME: DENIED <ERRNO>` when
the kernel refused it with an OSError. Anything else (a Python bug) is a traceback, which the
test shows as it is: an attack that cannot run proves nothing.
"""
import ctypes
import errno
import os
import sys

HOME = os.environ.get("HOME", "/nonexistent")
SSH_KEY = HOME + "/.ssh/id_rsa"
libc = ctypes.CDLL(None, use_errno=True)


def attempt(name, action):
    try:
        result = action()
    except OSError as e:
        print(f"{name}: DENIED {errno.errorcode.get(e.errno, e.errno)}", flush=True)
    else:
        print(f"{name}: DONE {result!r}", flush=True)


def read(path, **kwargs):
    """The text of a file; `dir_fd=` as for os.open."""
    fd = os.open(path, os.O_RDONLY, **kwargs)
    try:
        return os.read(fd, 4096).decode(errors="replace")
    finally:
        os.close(fd)


def check(ret):
    """Raises OSError for a libc call that returned -1."""
    if ret == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return ret

