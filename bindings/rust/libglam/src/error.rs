use std::ffi::CStr;
use std::fmt;

use libglam_sys as sys;

/// The glam_status of a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    InvalidArgument,
    InvalidModel,
    Unsupported,
    Io,
    OutOfMemory,
    BufferTooSmall,
    InvalidImage,
    InvalidHandle,
    Internal,
    /// A status that glam.h 0.1 does not list, from a newer library.
    Other(i32),
}

impl Status {
    /// Converts a non-OK glam_status.
    pub fn from_raw(status: sys::glam_status) -> Status {
        match status {
            sys::GLAM_ERROR_INVALID_ARGUMENT => Status::InvalidArgument,
            sys::GLAM_ERROR_INVALID_MODEL => Status::InvalidModel,
            sys::GLAM_ERROR_UNSUPPORTED => Status::Unsupported,
            sys::GLAM_ERROR_IO => Status::Io,
            sys::GLAM_ERROR_OUT_OF_MEMORY => Status::OutOfMemory,
            sys::GLAM_ERROR_BUFFER_TOO_SMALL => Status::BufferTooSmall,
            sys::GLAM_ERROR_INVALID_IMAGE => Status::InvalidImage,
            sys::GLAM_ERROR_INVALID_HANDLE => Status::InvalidHandle,
            sys::GLAM_ERROR_INTERNAL => Status::Internal,
            other => Status::Other(other),
        }
    }

    pub fn to_raw(self) -> sys::glam_status {
        match self {
            Status::InvalidArgument => sys::GLAM_ERROR_INVALID_ARGUMENT,
            Status::InvalidModel => sys::GLAM_ERROR_INVALID_MODEL,
            Status::Unsupported => sys::GLAM_ERROR_UNSUPPORTED,
            Status::Io => sys::GLAM_ERROR_IO,
            Status::OutOfMemory => sys::GLAM_ERROR_OUT_OF_MEMORY,
            Status::BufferTooSmall => sys::GLAM_ERROR_BUFFER_TOO_SMALL,
            Status::InvalidImage => sys::GLAM_ERROR_INVALID_IMAGE,
            Status::InvalidHandle => sys::GLAM_ERROR_INVALID_HANDLE,
            Status::Internal => sys::GLAM_ERROR_INTERNAL,
            Status::Other(raw) => raw,
        }
    }

    /// Returns the C name, such as "GLAM_ERROR_INVALID_ARGUMENT", from glam_status_name.
    pub fn name(self) -> String {
        // SAFETY: glam_status_name returns a static NUL-terminated string for any value.
        let name = unsafe { CStr::from_ptr(sys::glam_status_name(self.to_raw())) };
        name.to_string_lossy().into_owned()
    }
}

/// A failed libglam call: the status and the message of glam_last_error(), or a message
/// from this crate when it rejected an argument before calling libglam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    status: Status,
    message: String,
}

impl Error {
    pub(crate) fn new(status: Status, message: impl Into<String>) -> Error {
        Error { status, message: message.into() }
    }

    /// Builds the error for a failed status from this thread's glam_last_error().
    pub(crate) fn from_last_error(status: sys::glam_status) -> Error {
        // SAFETY: glam_last_error returns a NUL-terminated string that stays valid until this
        // thread's next libglam call; it is copied before any other call.
        let message = unsafe { CStr::from_ptr(sys::glam_last_error()) };
        Error::new(Status::from_raw(status), message.to_string_lossy().into_owned())
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} ({})", self.message, self.status.name())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn check(status: sys::glam_status) -> Result<()> {
    if status == sys::GLAM_OK {
        Ok(())
    } else {
        Err(Error::from_last_error(status))
    }
}
