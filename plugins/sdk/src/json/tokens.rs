//! The strict JSON token reader behind [`crate::Tokens`].

use super::{scalar_at, scan_string, skip_ws};
use crate::error::{Error, ErrorKind, Result};
use crate::scalar::Str;
use crate::tokens::{ObjectLoc, Spanned, Token};
use crate::MAX_DEPTH;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// A value must come next (root, after a key's colon, or an array element).
    Value,
    /// Just after `{`: a key or `}`.
    FirstKey,
    /// After a comma in an object: a key.
    Key,
    /// Just after `[`: a value or `]`.
    FirstElement,
    /// After a value inside a container: `,` or the closing bracket.
    Next,
    /// The root value is complete: only whitespace may follow.
    Done,
    /// An error was reported; yield nothing more.
    Failed,
}

struct Frame {
    object: bool,
    start: usize,
    len: u32,
}

pub(crate) struct JsonTokens<'a> {
    src: &'a [u8],
    pos: usize,
    state: State,
    stack: Vec<Frame>,
}

impl<'a> JsonTokens<'a> {
    pub(crate) fn new(src: &'a [u8]) -> Self {
        JsonTokens { src, pos: 0, state: State::Value, stack: Vec::new() }
    }

    pub(crate) fn depth(&self) -> usize {
        self.stack.len()
    }

    pub(crate) fn next_token(&mut self) -> Result<Option<Spanned<'a>>> {
        match self.step() {
            Err(e) => {
                self.state = State::Failed;
                Err(e)
            }
            ok => ok,
        }
    }

    fn step(&mut self) -> Result<Option<Spanned<'a>>> {
        let src = self.src;
        loop {
            let i = skip_ws(src, self.pos);
            match self.state {
                State::Failed => return Ok(None),
                State::Done => {
                    // Fluent Bit passes the length without the NUL; tolerate one anyway.
                    if i < src.len() && !(src[i] == 0 && i + 1 == src.len()) {
                        return Err(Error::unexpected("end of record", i));
                    }
                    self.state = State::Failed;
                    return Ok(None);
                }
                State::Value => return self.value(i).map(Some),
                State::FirstKey | State::Key => {
                    match src.get(i) {
                        Some(b'}') if self.state == State::FirstKey => return self.close(i).map(Some),
                        Some(b'"') => return self.key(i).map(Some),
                        Some(_) => return Err(Error::unexpected("a quoted member name", i)),
                        None => return Err(Error::end(i)),
                    }
                }
                State::FirstElement => match src.get(i) {
                    Some(b']') => return self.close(i).map(Some),
                    Some(_) => {
                        self.bump_len();
                        self.state = State::Value;
                        self.pos = i;
                    }
                    None => return Err(Error::end(i)),
                },
                State::Next => {
                    let object = self.stack.last().is_some_and(|f| f.object);
                    match (src.get(i), object) {
                        (Some(b','), true) => {
                            self.state = State::Key;
                            self.pos = i + 1;
                        }
                        (Some(b','), false) => {
                            self.bump_len();
                            self.state = State::Value;
                            self.pos = i + 1;
                        }
                        (Some(b'}'), true) | (Some(b']'), false) => return self.close(i).map(Some),
                        (Some(_), true) => return Err(Error::unexpected("',' or '}'", i)),
                        (Some(_), false) => return Err(Error::unexpected("',' or ']'", i)),
                        (None, _) => return Err(Error::end(i)),
                    }
                }
            }
        }
    }

    fn bump_len(&mut self) {
        if let Some(f) = self.stack.last_mut() {
            f.len = f.len.saturating_add(1);
        }
    }

    fn after_value(&mut self) {
        self.state = if self.stack.is_empty() { State::Done } else { State::Next };
    }

    fn value(&mut self, i: usize) -> Result<Spanned<'a>> {
        let src = self.src;
        let open = match src.get(i) {
            Some(b'{') => Some(true),
            Some(b'[') => Some(false),
            _ => None,
        };
        if let Some(object) = open {
            if self.stack.len() >= MAX_DEPTH {
                return Err(Error::new(ErrorKind::TooDeep, i));
            }
            self.stack.push(Frame { object, start: i, len: 0 });
            self.state = if object { State::FirstKey } else { State::FirstElement };
            self.pos = i + 1;
            let token = if object { Token::ObjectStart } else { Token::ArrayStart };
            return Ok(Spanned { token, span: (i, i + 1) });
        }
        let (scalar, end) = scalar_at(src, i)?.ok_or_else(|| Error::unexpected("a value", i))?;
        self.pos = end;
        self.after_value();
        Ok(Spanned { token: Token::Scalar(scalar), span: (i, end) })
    }

    fn key(&mut self, i: usize) -> Result<Spanned<'a>> {
        let src = self.src;
        let (body_end, end, escaped) = scan_string(src, i)?;
        let colon = skip_ws(src, end);
        if src.get(colon) != Some(&b':') {
            return Err(Error::unexpected("':' after a member name", colon));
        }
        self.bump_len();
        self.pos = colon + 1;
        self.state = State::Value;
        let key = Str::json(&src[i + 1..body_end], escaped);
        Ok(Spanned { token: Token::Key(key), span: (i, end) })
    }

    /// `i` is at the closing bracket of the innermost container.
    fn close(&mut self, i: usize) -> Result<Spanned<'a>> {
        let Some(frame) = self.stack.pop() else {
            return Err(Error::unexpected("a value", i));
        };
        self.pos = i + 1;
        self.after_value();
        let token = if frame.object {
            Token::ObjectEnd(ObjectLoc {
                start: frame.start,
                header_end: frame.start + 1,
                close: i,
                end: i + 1,
                len: frame.len,
            })
        } else {
            Token::ArrayEnd { start: frame.start, len: frame.len }
        };
        Ok(Spanned { token, span: (i, i + 1) })
    }
}

