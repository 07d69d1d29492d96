//! The keys the verifier was given, and every epoch key derived from them on demand.

use std::sync::Mutex;

use super::check::Status;
use crate::mac::SecretKey;

/// Epochs beyond this are refused rather than derived (each step is one HMAC; a forged
/// epoch number must not make the verifier spin).
pub const MAX_EPOCH: u64 = 1_000_000;

/// Initial keys by key id, each with the epoch keys derived so far.
pub struct KeyRing {
    keys: Vec<(String, Mutex<Vec<SecretKey>>)>,
}

impl KeyRing {
    pub fn new(initial: &[SecretKey]) -> Self {
        KeyRing { keys: initial.iter().map(|k| (k.key_id(), Mutex::new(vec![k.clone()]))).collect() }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn index_of(&self, kid: &str) -> Option<usize> {
        self.keys.iter().position(|(id, _)| id == kid)
    }

    /// The key of `epoch` for the initial key number `index`.
    pub fn epoch_key(&self, index: usize, epoch: u64) -> Result<SecretKey, Status> {
        if epoch > MAX_EPOCH {
            return Err(Status::EpochOutOfRange);
        }
        let (_, chain) = self.keys.get(index).ok_or(Status::UnknownKey)?;
        let mut chain = chain.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while (chain.len() as u64) <= epoch {
            let Some(next) = chain.last().map(SecretKey::ratchet) else { return Err(Status::UnknownKey) };
            chain.push(next);
        }
        chain.get(epoch as usize).cloned().ok_or(Status::EpochOutOfRange)
    }
}
