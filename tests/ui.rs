//! Compile-time behaviour of `#[derive(twelve::Config)]`: every promised compile error
//! (with its span and message) and programs that must compile and run.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
