"""Stage `mailout`: the store and the roll-up in, mail to people out.

The three mail jobs — the weekly workbook to the officials, reminders (催报)
to units with nothing counted yet, receipts (回执) to senders — each planned
from the database, then sent at most once over SMTP.

- send: the three jobs; outbox: plan then act, each mail claimed before sending;
- mailer: SMTP with smtplib; templates: rules/templates/*.txt.
"""
