"""Importing suppliers and needs from CSV and XLSX files, with a review queue."""
