"""My signatures: registry lookups, certificate inspection and revocation status.

The modules here are Telegram-free and database-free; import them directly
(``from bot.signatures.identifiers import is_valid_iin``). This package file stays
empty so importing one helper never drags in the Telegram handlers.
"""
