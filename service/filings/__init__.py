"""The machinery every record kind shares: drafts, attachments, submit, lists, history, progress.

A kind (单位管理, later 产权备案 …) registers a ``RecordKind`` with its model, form and rules; the
API and the pages are generated from that, so each chain adds only what is specific to it.
"""
