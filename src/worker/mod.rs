//! Worker subprocesses: argv templates, process groups, logs, timeouts and stopping.
