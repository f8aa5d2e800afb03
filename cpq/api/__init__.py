"""The HTTP shell: thin routers that parse, call one service or repository, and render."""
