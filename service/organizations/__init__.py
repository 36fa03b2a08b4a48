"""单位管理: a company's unit record; once approved it becomes the account's unit."""
