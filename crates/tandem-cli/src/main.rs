//! `tandem`: the Tandem wallet on the command line (the commands are in the `tandem_cli`
//! library). Its Paillier keys always come from fresh primes: no environment variable or
//! build feature changes that.

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    tandem_cli::run()
}
