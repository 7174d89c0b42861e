//! The agent's command line, as a `clap` argument group a host program
//! embeds as a subcommand (auto-milestone's hidden `sim-worker`).

use clap::Args as ClapArgs;

/// `[--mode M] [--text T] [--resume S] [--output-format F] NUMBER`.
#[derive(Debug, ClapArgs, Clone, Default, PartialEq, Eq)]
pub struct Args {
    /// What the simulated worker does: work (commit, push, open PR), fix-ci, fix-review, changes
    #[arg(long, default_value = "work")]
    pub mode: String,
    /// The issue (or PR, for fixes) number
    #[arg(value_name = "NUMBER")]
    pub number: u64,
    /// Free text (review comments, feedback) handed to the worker
    #[arg(long, default_value = "")]
    pub text: String,
    /// Continue this session: run its task again under the same session id
    #[arg(long, value_name = "SESSION")]
    pub resume: Option<String>,
    /// What to print, as `claude -p` takes it: text, json or stream-json
    #[arg(long, default_value = "stream-json", value_parser = ["text", "json", "stream-json"])]
    pub output_format: String,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Host {
        #[command(flatten)]
        args: Args,
    }

    #[test]
    fn the_arguments_read_like_the_real_clis() {
        let host = Host::try_parse_from([
            "host",
            "--mode",
            "fix-ci",
            "--text",
            "a b",
            "--output-format",
            "json",
            "12",
        ])
        .unwrap();
        assert_eq!(host.args.mode, "fix-ci");
        assert_eq!((host.args.number, host.args.text.as_str()), (12, "a b"));
        assert_eq!(host.args.output_format, "json");
        let plain = Host::try_parse_from(["host", "3"]).unwrap().args;
        assert_eq!(
            (plain.mode.as_str(), plain.output_format.as_str()),
            ("work", "stream-json")
        );
        assert!(Host::try_parse_from(["host", "--output-format", "yaml", "3"]).is_err());
    }
}
