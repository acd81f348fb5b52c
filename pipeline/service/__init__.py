"""Stage `service`: the commands and the clock in, polls, workbooks and mail-outs done out.

Polls the mailbox, processes what is pending (serially or in worker
processes), retags, writes the workbooks that are due and runs the mail-out
jobs on their schedule.

- runner: poll, process pending, retag, run once; mails: one stored mail through
  the stages inside the guard; workers: the same on every core;
- schedule: when work is due; serve: `mailroll serve` (APScheduler);
- lock, signals, logs, progress, status: the running service's housekeeping.
"""
