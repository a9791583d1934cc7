//! Prints the live task tree of another weft process, like `python -m asyncio pstree PID`.
//!
//! ```text
//! cargo run --example weft_ps -- PID            # the tree, pstree-style
//! cargo run --example weft_ps -- PID json       # the tree as JSON
//! cargo run --example weft_ps -- PID metrics    # the runtime's metrics
//! ```
//!
//! The process must have built its runtime with `Builder::introspection_socket(true)`;
//! its socket is at `weft::observe::socket_path(PID)` (`$XDG_RUNTIME_DIR/weft/PID.sock`,
//! or `/tmp/weft-<uid>/PID.sock`), which only the same user (or root) may reach.
fn main() {
    let mut args = std::env::args().skip(1);
    let Some(pid) = args.next().and_then(|p| p.parse::<u32>().ok()) else {
        eprintln!("usage: weft_ps PID [tree|json|metrics]");
        std::process::exit(2);
    };
    let what = args.next().unwrap_or_else(|| "tree".into());
    let path = weft::observe::socket_path(pid);
    match weft::observe::request(&path, &what) {
        Ok(answer) if answer.starts_with("error:") => {
            eprint!("weft_ps: {answer}");
            std::process::exit(1);
        }
        Ok(answer) => print!("{answer}"),
        Err(e) => {
            eprintln!("weft_ps: cannot reach process {pid} at {}: {e}", path.display());
            std::process::exit(1);
        }
    }
}
