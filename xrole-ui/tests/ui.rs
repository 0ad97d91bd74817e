//! Compile-time checks of `#[assume_role]`: every error with its span
//! (`tests/ui/fail/*.stderr`). Only failures: trybuild then checks
//! (`cargo check`) instead of building the SDK again; what compiles is tested
//! in xrole's own tests (`tests/it/attribute_keys.rs`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
}
