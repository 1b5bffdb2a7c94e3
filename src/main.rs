fn main() -> std::process::ExitCode {
    kbx::cli::main_with_args(std::env::args_os())
}
