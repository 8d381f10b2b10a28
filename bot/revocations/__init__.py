"""Revocation requests: citizens and heads of organisations file them, operators decide."""
