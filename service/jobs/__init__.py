"""Background work: the job outbox, its dispatcher, and the timer poller."""
