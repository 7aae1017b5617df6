"""taskclock's companion agent: keyring login, durable outbox, native-messaging host."""

__version__ = "0.1.0"
