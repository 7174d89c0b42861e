//! Between the sandbox's small types and the product's: the sandbox speaks
//! GitHub's JSON with a vocabulary of its own, so a test that hands a number
//! from one to the other converts it here.

use auto_milestone::github::{self, RequiredChecks};
use auto_milestone::ids;

/// A sandbox value as the product's type.
pub trait ToProduct {
    type Product;
    fn product(self) -> Self::Product;
}

/// A product value as the sandbox's type.
pub trait ToSandbox {
    type Sandbox;
    fn sandbox(self) -> Self::Sandbox;
}

impl ToProduct for gh_sandbox::IssueNumber {
    type Product = ids::IssueNumber;
    fn product(self) -> ids::IssueNumber {
        ids::IssueNumber(self.0)
    }
}

impl ToProduct for gh_sandbox::PrNumber {
    type Product = ids::PrNumber;
    fn product(self) -> ids::PrNumber {
        ids::PrNumber(self.0)
    }
}

impl ToProduct for gh_sandbox::ItemState {
    type Product = github::ItemState;
    fn product(self) -> github::ItemState {
        match self {
            gh_sandbox::ItemState::Open => github::ItemState::Open,
            gh_sandbox::ItemState::Closed => github::ItemState::Closed,
        }
    }
}

impl ToProduct for gh_sandbox::BranchProtection {
    type Product = github::BranchProtection;
    fn product(self) -> github::BranchProtection {
        github::BranchProtection {
            required_checks: self.required_checks.map(|c| RequiredChecks {
                contexts: c.contexts,
                strict: c.strict,
            }),
        }
    }
}

impl ToSandbox for ids::IssueNumber {
    type Sandbox = gh_sandbox::IssueNumber;
    fn sandbox(self) -> gh_sandbox::IssueNumber {
        gh_sandbox::IssueNumber(self.0)
    }
}

impl ToSandbox for ids::PrNumber {
    type Sandbox = gh_sandbox::PrNumber;
    fn sandbox(self) -> gh_sandbox::PrNumber {
        gh_sandbox::PrNumber(self.0)
    }
}
