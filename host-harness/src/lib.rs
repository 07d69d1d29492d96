//! logward harness
