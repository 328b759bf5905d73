//! Integration tests across the digitnet crates live in `tests/`.
