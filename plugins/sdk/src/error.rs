//! Errors raised while reading or editing a record.

use std::fmt;

/// A record could not be read or edited. Carries the byte offset where reading stopped so a
/// plugin's error field can point at the problem without echoing record content (which may be
/// a secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// Byte offset into the record where the problem was found.
    pub at: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Input ended inside a value.
    UnexpectedEnd,
    /// A byte that cannot start or continue the current JSON/msgpack construct.
    Unexpected { expected: &'static str },
    /// A msgpack type byte that is reserved (0xc1).
    ReservedMarker,
    /// Nesting deeper than [`MAX_DEPTH`](crate::MAX_DEPTH).
    TooDeep,
    /// The record body is not a map/object.
    NotAnObject,
    /// A path cannot be set: a value on the way is not an object (or the path has an index).
    NotAContainer,
    /// Two edits overlap without one containing the other.
    OverlappingEdits,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, at: usize) -> Self {
        Error { kind, at }
    }
    pub(crate) fn end(at: usize) -> Self {
        Error::new(ErrorKind::UnexpectedEnd, at)
    }
    pub(crate) fn unexpected(expected: &'static str, at: usize) -> Self {
        Error::new(ErrorKind::Unexpected { expected }, at)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::UnexpectedEnd => write!(f, "record ends inside a value (byte {})", self.at),
            ErrorKind::Unexpected { expected } => {
                write!(f, "malformed record at byte {}: expected {expected}", self.at)
            }
            ErrorKind::ReservedMarker => write!(f, "reserved msgpack type 0xc1 at byte {}", self.at),
            ErrorKind::TooDeep => write!(
                f,
                "record nests deeper than {} levels (byte {})",
                crate::MAX_DEPTH,
                self.at
            ),
            ErrorKind::NotAnObject => write!(f, "record body is not a map/object"),
            ErrorKind::NotAContainer => {
                write!(f, "cannot set the field: a value on its path is not an object (byte {})", self.at)
            }
            ErrorKind::OverlappingEdits => write!(f, "internal: two edits overlap"),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
