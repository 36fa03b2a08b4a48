"""What every view shares: the API blueprint and its helpers, one transaction per request, and one way
for a page to show a domain error. Knows no domain package: accounts plugs in the token check."""
