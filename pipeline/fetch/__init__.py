"""Stage `fetch`: the mailbox in, raw mail out.

Reads the configured mailbox (an IMAP server, or a local Maildir / folder of
.eml files) and hands every new mail's bytes to the store, exactly once, never
changing the mailbox unless an after-action is configured.

- maildir: `fetch_maildir`, a local folder as a mailbox;
- imap: talking to an IMAP server (connect, log in, list, fetch, after-actions);
- poll: one poll of every configured IMAP folder (`poll_imap`).
"""
