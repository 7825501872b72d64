//! TEST-ONLY: `tandem` with Paillier keys made from the public fixture primes of
//! `test-vectors/primes/` (a wallet made by it protects nothing). Built only with the
//! `insecure-test-primes` feature, which only `tandem-cli`'s dev-dependency on itself enables,
//! so that the CLI tests generate, recover and refresh in milliseconds; never ship it. It
//! also refuses to run unless `TANDEM_INSECURE_TEST_PRIMES=1` is in its environment, so that a
//! copy run by mistake makes no wallet.

#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    if std::env::var_os("TANDEM_INSECURE_TEST_PRIMES").is_none_or(|v| v != "1") {
        eprintln!(
            "tandem-insecure-test-primes: TEST-ONLY build whose Paillier keys are public; \
             it runs only with TANDEM_INSECURE_TEST_PRIMES=1 (use `tandem`)"
        );
        return ExitCode::from(2);
    }
    tandem_cli::run_with_insecure_test_primes()
}
