"""消息中心: a message (and, where SMTP is configured, an e-mail) for every event a person waits on."""
