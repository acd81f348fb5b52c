"""mailroll: energy-saving-week reports from a mailbox to the district roll-up workbook."""

__version__ = "0.1.0"
