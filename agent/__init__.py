"""taskclock's companion agent: keyring login, durable outbox, native-messaging host."""
