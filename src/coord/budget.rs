//! The spending cap (`--max-budget-usd-total`): workers report their cost;
//! once the run's total reaches the cap, no new worker starts — running ones
//! finish — and a human is asked, once for everyone waiting, whether to
//! raise the cap or stop. Either way nothing is lost: a stop leaves the
//! issues as they are for a resume.

/// The cap's state.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetGate {
    pub cap: Option<f64>,
    pub spent: f64,
    /// A human said stop.
    pub stopped: bool,
    /// Nobody could be asked; why.
    pub unanswerable: Option<String>,
    /// The question is out.
    pub asking: bool,
}

/// What the cap says about one more worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admission {
    Go,
    /// Wait: the cap is reached and a human is (to be) asked.
    Wait,
    Stopped,
    Unanswerable(String),
}

impl BudgetGate {
    pub fn new(cap: Option<f64>, spent: f64) -> Self {
        BudgetGate {
            cap,
            spent,
            stopped: false,
            unanswerable: None,
            asking: false,
        }
    }

    pub fn admission(&self) -> Admission {
        if self.stopped {
            return Admission::Stopped;
        }
        match self.cap {
            Some(cap) if self.spent >= cap => match &self.unanswerable {
                Some(why) => Admission::Unanswerable(why.clone()),
                None => Admission::Wait,
            },
            _ => Admission::Go,
        }
    }

    /// A human raised the cap to `usd`; `Err(text)` says why not when it is
    /// not above what was spent.
    pub fn raise(&mut self, usd: f64) -> Result<(), String> {
        if usd <= self.spent {
            return Err(format!(
                "${usd:.2} is not above the ${:.2} already spent; raise the cap higher, or stop.",
                self.spent
            ));
        }
        self.cap = Some(usd);
        Ok(())
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

    #[test]
    fn workers_go_until_the_cap_then_wait_for_a_human() {
        let mut gate = BudgetGate::new(Some(1.0), 0.5);
        assert_eq!(gate.admission(), Admission::Go);
        gate.spent = 1.0;
        assert_eq!(gate.admission(), Admission::Wait);
        assert!(gate.raise(0.9).unwrap_err().contains("not above"));
        gate.raise(3.0).unwrap();
        assert_eq!(gate.admission(), Admission::Go);
        gate.spent = 3.5;
        gate.unanswerable = Some("nobody can be asked".into());
        assert!(matches!(gate.admission(), Admission::Unanswerable(_)));
        gate.stopped = true;
        assert_eq!(gate.admission(), Admission::Stopped);
        assert_eq!(BudgetGate::new(None, 100.0).admission(), Admission::Go);
    }
}
