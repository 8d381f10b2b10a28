"""Value sets shared by the registry, certificates and the service layer."""

from enum import StrEnum


class KeyType(StrEnum):
    """What a key is for. NCA issues one container per purpose."""

    AUTH = "auth"
    SIGN = "sign"


class RegistryStatus(StrEnum):
    """A certificate's state as the registry reports it."""

    VALID = "valid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
