//! Parsing `owner/name` out of a git remote URL (https and ssh forms).
