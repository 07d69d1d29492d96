//! The msgpack token reader behind [`crate::Tokens`].

use super::{read_head, read_key, Head};
use crate::error::{Error, ErrorKind, Result};
use crate::tokens::{ObjectLoc, Spanned, Token};
use crate::MAX_DEPTH;

struct Frame {
    object: bool,
    start: usize,
    header_end: usize,
    len: u32,
    /// Items still to read (a map member counts as two: key and value).
    remaining: u64,
}

pub(crate) struct MsgpackTokens<'a> {
    src: &'a [u8],
    pos: usize,
    stack: Vec<Frame>,
    started: bool,
    failed: bool,
}

impl<'a> MsgpackTokens<'a> {
    pub(crate) fn new(src: &'a [u8]) -> Self {
        MsgpackTokens { src, pos: 0, stack: Vec::new(), started: false, failed: false }
    }

    pub(crate) fn depth(&self) -> usize {
        self.stack.len()
    }

    pub(crate) fn next_token(&mut self) -> Result<Option<Spanned<'a>>> {
        if self.failed {
            return Ok(None);
        }
        let r = self.step();
        if r.is_err() {
            self.failed = true;
        }
        r
    }

    fn step(&mut self) -> Result<Option<Spanned<'a>>> {
        let src = self.src;
        let i = self.pos;
        match self.stack.last_mut() {
            Some(frame) if frame.remaining == 0 => {
                let frame = self.stack.pop().ok_or_else(|| Error::end(i))?;
                let token = if frame.object {
                    Token::ObjectEnd(ObjectLoc {
                        start: frame.start,
                        header_end: frame.header_end,
                        close: i,
                        end: i,
                        len: frame.len,
                    })
                } else {
                    Token::ArrayEnd { start: frame.start, len: frame.len }
                };
                return Ok(Some(Spanned { token, span: (i, i) }));
            }
            Some(frame) => {
                let is_key = frame.object && frame.remaining % 2 == 0;
                frame.remaining -= 1;
                if is_key {
                    let (key, end) = read_key(src, i)?;
                    self.pos = end;
                    return Ok(Some(Spanned { token: Token::Key(key), span: (i, end) }));
                }
            }
            None if self.started => {
                if i < src.len() {
                    return Err(Error::unexpected("end of record", i));
                }
                self.failed = true;
                return Ok(None);
            }
            None => self.started = true,
        }
        let (head, next) = read_head(src, i)?;
        self.pos = next;
        let (object, len) = match head {
            Head::Scalar(s) => return Ok(Some(Spanned { token: Token::Scalar(s), span: (i, next) })),
            Head::Map(n) => (true, n),
            Head::Array(n) => (false, n),
        };
        if self.stack.len() >= MAX_DEPTH {
            return Err(Error::new(ErrorKind::TooDeep, i));
        }
        let remaining = if object { 2 * u64::from(len) } else { u64::from(len) };
        self.stack.push(Frame { object, start: i, header_end: next, len, remaining });
        let token = if object { Token::ObjectStart } else { Token::ArrayStart };
        Ok(Some(Spanned { token, span: (i, next) }))
    }
}
