//! The spending cap (`--max-budget-usd-total`): workers report their cost
//! (the JSON envelope's `total_cost_usd`); once the run's total reaches the
//! cap, no new worker starts — running ones finish — and a human is asked,
//! once for everyone waiting, whether to raise the cap or stop. Either way
//! nothing is lost: a stop leaves the issues as they are for a resume.

use tokio::sync::Mutex;

use crate::checkpoint::QuestionKind;
use crate::messages::checkpoint::SetBudget;
use crate::messages::{Answer, Ask, AskError, Notify, Question};
use crate::worker::StopLevel;

use super::flow::{FlowError, IssueEnv};

/// What the cap says about starting one more worker.
#[derive(Debug, Clone, PartialEq)]
pub enum Admission {
    Go,
    /// A human said stop (now or earlier in this run).
    Stopped,
    /// The cap is spent and nobody can be asked.
    Unanswered(String),
    /// The run is shutting down.
    Interrupted,
}

#[derive(Debug)]
struct State {
    cap: Option<f64>,
    spent: f64,
    stopped: bool,
}

/// The run's spend against its cap, shared by every issue.
#[derive(Debug)]
pub struct Budget {
    state: Mutex<State>,
}

impl Budget {
    pub fn new(cap: Option<f64>, spent: f64) -> Self {
        Budget {
            state: Mutex::new(State {
                cap,
                spent,
                stopped: false,
            }),
        }
    }

    /// Records the run's total after a worker's cost was added.
    pub async fn record(&self, run_total: f64) {
        self.state.lock().await.spent = run_total;
    }

    /// Whether a new worker may start. Holding the lock while a human is
    /// asked makes every other waiting worker wait for the same answer.
    pub async fn admit(&self, env: &IssueEnv) -> Result<Admission, FlowError> {
        let mut st = self.state.lock().await;
        loop {
            if st.stopped {
                return Ok(Admission::Stopped);
            }
            let cap = match st.cap {
                Some(cap) if st.spent >= cap => cap,
                _ => return Ok(Admission::Go),
            };
            let text = question_text(&env.ctx.label, st.spent, cap);
            let question = Question {
                kind: QuestionKind::Budget,
                issue: None,
                pr: None,
                head_sha: None,
                text,
            };
            let ask = env.ask.send(Ask {
                run: env.ctx.run_id,
                question,
            });
            let answer = tokio::select! {
                answer = ask => answer?,
                _ = env.stop.reached(StopLevel::Graceful) => return Ok(Admission::Interrupted),
            };
            match answer {
                Ok(Answer::Raise { usd, .. }) if usd > st.spent => {
                    env.store(SetBudget {
                        run: env.ctx.run_id,
                        usd: Some(usd),
                    })
                    .await?;
                    st.cap = Some(usd);
                }
                Ok(Answer::Raise { usd, .. }) => {
                    let text = format!(
                        "${usd:.2} is not above the ${:.2} already spent; raise the cap higher, or stop.",
                        st.spent
                    );
                    env.notify.do_send(Notify { text });
                }
                Ok(Answer::Stop { .. }) => st.stopped = true,
                Ok(other) => {
                    tracing::warn!(?other, "an answer that does not fit the budget question")
                }
                Err(AskError::Unavailable(why)) => return Ok(Admission::Unanswered(why)),
                Err(AskError::Withdrawn(_)) => {}
            }
        }
    }
}

/// The budget question.
pub fn question_text(label: &str, spent: f64, cap: f64) -> String {
    let suggestion = (cap * 2.0).max(spent + 1.0).ceil();
    format!(
        "BUDGET REACHED\n{label}: ${spent:.2} spent of the ${cap:.2} cap. Running workers finish; no new worker starts.\n\nReply 'raise <usd>' to set a new total cap (e.g. raise {suggestion}), or 'stop' (the run pauses; resume it later)."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_says_what_was_spent_and_how_to_answer() {
        let text = question_text("Milestone \"M\"", 5.25, 5.0);
        assert!(
            text.starts_with("BUDGET REACHED\nMilestone \"M\": $5.25 spent of the $5.00 cap."),
            "{text}"
        );
        assert!(text.contains("raise 10"), "{text}");
        assert!(text.contains("'stop'"), "{text}");
    }
}
