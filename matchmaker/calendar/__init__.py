"""The Supplier Day calendar: month view, ICS feed, public holidays and date warnings."""
