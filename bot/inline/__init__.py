"""Inline mode: guidance cards offered in any chat when someone types `@bot words`."""
