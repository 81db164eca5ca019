from kzgraph.cli import app

app(prog_name="kzgraph")
