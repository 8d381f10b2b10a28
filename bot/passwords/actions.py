"""The password check's callback data and step name, in one place."""

from __future__ import annotations

STEP = "password"  # also the deep-link payload: t.me/<bot>?start=password
CB_START = "pw:start"  # the menu button, the offer after a deleted password, "check another"
