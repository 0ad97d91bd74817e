//! The compile-time checks of `#[assume_role]` live in this crate's tests
//! (`tests/ui.rs`, `tests/ui/fail`); the crate holds nothing
//! else.
