"""Exceptions raised by libglam, one class per glam_status."""

from __future__ import annotations

from . import _native
from ._native import Status


class GlamError(Exception):
    """A libglam call failed.

    ``status`` is the glam_status, ``status_name`` its C name (such as
    ``GLAM_ERROR_INVALID_ARGUMENT``) and ``message`` the text of glam_last_error(), or a
    message from the bindings when they rejected the input before calling libglam.
    """

    status: Status = Status.INTERNAL

    def __init__(self, message: str, status: Status | None = None):
        if status is not None:
            self.status = Status(status)
        self.message = message
        self.status_name = "GLAM_ERROR_" + self.status.name
        super().__init__(f"{message} ({self.status_name})")


class InvalidArgumentError(GlamError, ValueError):
    status = Status.INVALID_ARGUMENT


class InvalidModelError(GlamError):
    status = Status.INVALID_MODEL


class UnsupportedError(GlamError):
    status = Status.UNSUPPORTED


class GlamIOError(GlamError, OSError):
    status = Status.IO


class GlamMemoryError(GlamError, MemoryError):
    status = Status.OUT_OF_MEMORY


class BufferTooSmallError(GlamError):
    status = Status.BUFFER_TOO_SMALL


class InvalidImageError(GlamError, ValueError):
    status = Status.INVALID_IMAGE


class InvalidHandleError(GlamError):
    status = Status.INVALID_HANDLE


class InternalError(GlamError):
    status = Status.INTERNAL


_CLASSES = {
    Status.INVALID_ARGUMENT: InvalidArgumentError,
    Status.INVALID_MODEL: InvalidModelError,
    Status.UNSUPPORTED: UnsupportedError,
    Status.IO: GlamIOError,
    Status.OUT_OF_MEMORY: GlamMemoryError,
    Status.BUFFER_TOO_SMALL: BufferTooSmallError,
    Status.INVALID_IMAGE: InvalidImageError,
    Status.INVALID_HANDLE: InvalidHandleError,
    Status.INTERNAL: InternalError,
}


def check(status: int) -> None:
    """Raise the exception for a failed status, with this thread's glam_last_error()."""
    if status == Status.OK:
        return
    message = _native.last_error()
    try:
        known = Status(status)
    except ValueError:
        # A status this header version does not list: keep the number in the message.
        raise GlamError(f"{message} (status {status}, {_native.status_name(status)})") from None
    raise _CLASSES[known](message)
