//! Raw requests through octocrab: status, headers and body, retries and pagination.
