"""The one error an import raises when a file must be refused as a whole."""


class ExportRefused(Exception):
    """A file that cannot be imported at all: nothing is written, the message is one French line."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
