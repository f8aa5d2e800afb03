"""Services: one use case each (load -> call the core -> persist); no HTTP types."""
