//! The `haven` command: see `haven --help`.

fn main() -> std::process::ExitCode {
    haven::cli::main()
}
