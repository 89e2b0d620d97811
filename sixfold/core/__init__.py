"""Core: the region tree and its scoping rule (S26, S27), the registers (台账) of buildings, units,
households and residents, personal-data protection, and the audit trail."""
