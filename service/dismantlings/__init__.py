"""拆卸告知: notice of dismantling a machine in use; two-level review, the chief assigns a 监督员."""
