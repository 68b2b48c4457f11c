from __future__ import annotations


class ActionError(Exception):
    """A request the rules refuse; the message is for the user, in their language.

    `field` names the input it concerns ("__all__" for the request as a whole); `status` is the
    HTTP status the API answers with.
    """

    status = 400

    def __init__(self, message: str, *, field: str = "__all__", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    @property
    def errors(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


class FiguresInvalid(ActionError):
    """Some values are wrong; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        first = next(iter(errors.values()))[0]
        super().__init__(first)
        self._errors = errors

    @property
    def errors(self) -> dict[str, list[str]]:
        return self._errors


class StaleVersion(ActionError):
    """Someone saved the record after the version this edit started from."""

    status = 409

    def __init__(self, message: str, *, current):
        super().__init__(message, field="version")
        self.current = current  # the submission as it now stands, to show the other person's version
