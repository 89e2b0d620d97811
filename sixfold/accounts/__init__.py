"""Accounts: users, role assignments with scopes (DESIGN.md's role table), login."""
