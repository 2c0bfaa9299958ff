"""People: accounts, passwords, sign-in, sessions and memberships of organizations."""
