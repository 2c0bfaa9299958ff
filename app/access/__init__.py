"""Who may do what: the policy table, and the principal a request acts as."""
