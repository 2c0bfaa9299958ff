"""E-mail: an outbox table, and a sender that delivers it over SMTP when SMTP_URL is set."""
