"""Work-chat guard: key containers and e-signature passwords removed from group chats."""
