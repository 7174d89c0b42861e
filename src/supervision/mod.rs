//! The restart policy, in OTP terms, as plain data and pure functions.
