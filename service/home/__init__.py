"""首页: what an account has to do, across the chains."""
