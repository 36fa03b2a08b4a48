"""Platform administration (自治区住建厅): diagrams and their versions, roles and review forms, accounts,
bureaus, 企业规则 and the audit log."""
