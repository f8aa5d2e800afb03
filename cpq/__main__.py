from cpq.cli.main import app

app(prog_name="cpq")
