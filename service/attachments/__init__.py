"""Uploaded files: checked by content, stored once by sha256 outside the web root."""
