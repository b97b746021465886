#![no_main]
// The body and its oracles live in fuzz/src/lib.rs, shared with tests/fuzz_corpus.rs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| onelogin_tui_fuzz::v3_xml(data));
