"""The one exception shape the signature helpers raise for bad input."""


class InputError(ValueError):
    """Rejected input, with a stable ``reason`` key the caller can translate.

    ``reason`` is never prose: handlers look it up in content/, the CLI maps it to English.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
