//! Planning: dependency markers, the dependency graph, validation, waves, and the plan's text and JSON forms.
