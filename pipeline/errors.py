"""One root error with a few meaningful subclasses.

Each error carries the context a person needs to act on it: the file, the key,
the mail. The CLI turns any `MailrollError` into a one-line message and a
non-zero exit code; anything else is a bug and keeps its traceback.
"""

# Exit statuses of the `mailroll` command, for cron and monitoring.
EXIT_ERROR = 1  # config, rules or mailbox error: nothing or not everything was done
EXIT_ATTENTION = 2  # `mailroll status`: the service needs a look (status: ATTENTION)
EXIT_MAIL_FAILED = 3  # the run finished but some mails could not be processed (see 待处理)
EXIT_STORAGE = 74  # the disk is full, the database cannot be written or is damaged (EX_IOERR)
EXIT_BUSY = 75  # another mailroll holds the lock (EX_TEMPFAIL: try again later)


class MailrollError(Exception):
    """Root of every error mailroll raises on purpose."""

    def __init__(self, message: str, *context: str) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def __str__(self) -> str:
        if not self.context:
            return self.message
        return f"{self.message} ({'; '.join(self.context)})"


class ConfigError(MailrollError):
    """config.toml or a rules/ file is missing, malformed or inconsistent."""


class MailboxError(MailrollError):
    """The mailbox could not be read: login, network, folder."""


class ParseError(MailrollError):
    """A raw mail could not be parsed into a Message."""


class ExtractError(MailrollError):
    """An attachment's text could not be extracted.

    `reason` is the Chinese line shown to the official in the 待处理 sheet and
    `action` what they can do about it.
    """

    def __init__(self, reason: str, action: str = "", *context: str) -> None:
        super().__init__(reason, *context)
        self.reason = reason
        self.action = action


class SendError(MailrollError):
    """Mail could not be sent: SMTP login, network, TLS, or a template in rules/."""


class StorageError(MailrollError):
    """The database or the archive cannot be written or read: disk full, permissions,
    a read-only disk, a damaged database file. The message says what to do."""
