"""Email in: a mailbox per site that becomes complaints, replies that thread into them."""
