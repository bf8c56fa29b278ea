//! The `synthact` binary: the command line lives in the library ([`synthact::cli`]).

fn main() -> std::process::ExitCode {
    synthact::cli::main()
}
