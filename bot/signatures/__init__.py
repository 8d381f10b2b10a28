"""My signatures: the registry, /status, certificate inspection, OCSP, expiry reminders.

Telegram lives in handlers.py and reminder_job.py (which sends the reminders) only; the rest
is Telegram-free, and the parsers (identifiers, der, certificates, containers, registry_csv)
touch no database either. Import modules directly
(``from bot.signatures.identifiers import is_valid_iin``): this package file stays empty so
that importing one helper never drags in the Telegram handlers.
"""
