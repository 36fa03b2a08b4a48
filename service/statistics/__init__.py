"""统计控制台: counts of filings by chain, status and month, for the caller's region."""
