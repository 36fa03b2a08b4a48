"""特种工人: special workers and their operating certificates."""
